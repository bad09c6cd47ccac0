/**
 * What each form on a key's page does: one KMS call (or, to create a key with an alias, two)
 * through the core's entry as the signed-in caller, so the action is authorized and audited
 * exactly as the same API request would be. Each action turns the form's fields into the
 * operation's input and nothing more: KMS's own validation judges them and its message is what
 * the page shows.
 */
import type { OperationInput, OperationOutput } from "../../core/kms.js";
import { KmsError } from "../../vocabulary/kms-errors.js";
import type { OperationName } from "../../vocabulary/model.generated.js";
import type {
  GrantOperation,
  KeySpec,
  KeyUsageType,
  OriginType,
  Tag,
} from "../../vocabulary/types.generated.js";

/** A KMS call bound to the signed-in caller and the browser request. */
export type ConsoleCall = <N extends OperationName>(
  operation: N,
  input: OperationInput<N>,
) => Promise<OperationOutput<N>>;

export interface KeyAction {
  /** What the key page says once it succeeded. */
  readonly done: string;
  run(call: ConsoleCall, keyId: string, form: URLSearchParams): Promise<void>;
}

function field(form: URLSearchParams, name: string): string {
  return form.get(name) ?? "";
}

/** A whole number typed into a form, or a ValidationException naming the field. */
function wholeNumber(form: URLSearchParams, name: string, label: string): number | undefined {
  const text = field(form, name).trim();
  if (text === "") return undefined;
  if (!/^\d+$/.test(text))
    throw new KmsError("ValidationException", `${label} must be a whole number of days`);
  return Number(text);
}

export const keyActions: Readonly<Record<string, KeyAction>> = {
  enable: {
    done: "Key enabled.",
    run: async (call, KeyId) => void (await call("EnableKey", { KeyId })),
  },
  disable: {
    done: "Key disabled.",
    run: async (call, KeyId) => void (await call("DisableKey", { KeyId })),
  },
  "schedule-deletion": {
    done: "Key deletion scheduled.",
    run: async (call, KeyId, form) => {
      const days = wholeNumber(form, "pendingWindowInDays", "The waiting period");
      await call("ScheduleKeyDeletion", {
        KeyId,
        ...(days === undefined ? {} : { PendingWindowInDays: days }),
      });
    },
  },
  "cancel-deletion": {
    done: "Key deletion cancelled; the key is disabled.",
    run: async (call, KeyId) => void (await call("CancelKeyDeletion", { KeyId })),
  },
  description: {
    done: "Description saved.",
    run: async (call, KeyId, form) =>
      void (await call("UpdateKeyDescription", { KeyId, Description: field(form, "description") })),
  },
  "create-alias": {
    done: "Alias created.",
    run: async (call, TargetKeyId, form) =>
      void (await call("CreateAlias", { AliasName: field(form, "aliasName"), TargetKeyId })),
  },
  "update-alias": {
    done: "Alias now points at this key.",
    run: async (call, TargetKeyId, form) =>
      void (await call("UpdateAlias", { AliasName: field(form, "aliasName"), TargetKeyId })),
  },
  "delete-alias": {
    done: "Alias deleted.",
    run: async (call, _keyId, form) =>
      void (await call("DeleteAlias", { AliasName: field(form, "aliasName") })),
  },
  tag: {
    done: "Tag saved.",
    run: async (call, KeyId, form) =>
      void (await call("TagResource", {
        KeyId,
        Tags: [{ TagKey: field(form, "tagKey"), TagValue: field(form, "tagValue") }],
      })),
  },
  untag: {
    done: "Tag removed.",
    run: async (call, KeyId, form) =>
      void (await call("UntagResource", { KeyId, TagKeys: [field(form, "tagKey")] })),
  },
  policy: {
    done: "Key policy saved.",
    run: async (call, KeyId, form) =>
      void (await call("PutKeyPolicy", {
        KeyId,
        PolicyName: "default",
        Policy: field(form, "policy"),
      })),
  },
  "create-grant": {
    done: "Grant created.",
    run: async (call, KeyId, form) => {
      const retiring = field(form, "retiringPrincipal").trim();
      const name = field(form, "name").trim();
      await call("CreateGrant", {
        KeyId,
        GranteePrincipal: field(form, "granteePrincipal").trim(),
        Operations: form.getAll("operations") as GrantOperation[],
        ...(retiring === "" ? {} : { RetiringPrincipal: retiring }),
        ...(name === "" ? {} : { Name: name }),
      });
    },
  },
  "revoke-grant": {
    done: "Grant revoked.",
    run: async (call, KeyId, form) =>
      void (await call("RevokeGrant", { KeyId, GrantId: field(form, "grantId") })),
  },
  "enable-rotation": {
    done: "Automatic rotation turned on.",
    run: async (call, KeyId, form) => {
      const days = wholeNumber(form, "rotationPeriodInDays", "The rotation period");
      await call("EnableKeyRotation", {
        KeyId,
        ...(days === undefined ? {} : { RotationPeriodInDays: days }),
      });
    },
  },
  "disable-rotation": {
    done: "Automatic rotation turned off.",
    run: async (call, KeyId) => void (await call("DisableKeyRotation", { KeyId })),
  },
  "rotate-now": {
    done: "Rotation started.",
    run: async (call, KeyId) => void (await call("RotateKeyOnDemand", { KeyId })),
  },
};

/** One key=value a line; a line without "=" is a tag with an empty value. */
export function tagsOfText(text: string): Tag[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const at = line.indexOf("=");
      return at < 0
        ? { TagKey: line, TagValue: "" }
        : { TagKey: line.slice(0, at).trim(), TagValue: line.slice(at + 1).trim() };
    });
}

/** CreateKey's input from the create-key form. */
export function createKeyInput(form: URLSearchParams): OperationInput<"CreateKey"> {
  const tags = tagsOfText(field(form, "tags"));
  const description = field(form, "description");
  return {
    KeySpec: field(form, "keySpec") as KeySpec,
    KeyUsage: field(form, "keyUsage") as KeyUsageType,
    Origin: field(form, "origin") as OriginType,
    ...(description === "" ? {} : { Description: description }),
    ...(form.get("multiRegion") === "true" ? { MultiRegion: true } : {}),
    ...(tags.length === 0 ? {} : { Tags: tags }),
  };
}

/** The fields of a form as typed, for showing it again after an error (never the CSRF token). */
export function typedValues(form: URLSearchParams): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of new Set(form.keys()))
    if (name !== "csrf") values[name] = form.getAll(name).join(",");
  return values;
}
