/**
 * EnableKey: sets the key state to Enabled. Takes a key id or key ARN, not an alias.
 * An Unavailable key (custom key store) accepts the call but keeps its state until its store
 * is back, as AWS documents; Trent has no custom key stores, so that is a no-op here.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKey.html
 */
import { resolveKey } from "../domain/key-access.js";
import { changeKey } from "../domain/key-changes.js";
import type { EnableKeyRequest } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const enableKey = defineOperation<EnableKeyRequest, Record<string, never>>(
  "EnableKey",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "EnableKey", { allowAlias: false });
    await changeKey(ctx, key, "EnableKey", (current) =>
      current.keyState === "Disabled" ? { ...current, keyState: "Enabled" } : current,
    );
    return {};
  },
);
