/**
 * DisableKey: sets the key state to Disabled, so cryptographic operations refuse it. Takes a
 * key id or key ARN, not an alias. Disabling a disabled key succeeds and changes nothing.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_DisableKey.html
 */
import { resolveKey } from "../domain/key-access.js";
import { changeKey } from "../domain/key-changes.js";
import type { DisableKeyRequest } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const disableKey = defineOperation<DisableKeyRequest, Record<string, never>>(
  "DisableKey",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "DisableKey", { allowAlias: false });
    await changeKey(ctx, key, "DisableKey", (current) =>
      current.keyState === "Enabled" ? { ...current, keyState: "Disabled" } : current,
    );
    return {};
  },
);
