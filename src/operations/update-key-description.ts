/**
 * UpdateKeyDescription: replaces the key's description (an empty string clears it). Takes a
 * key id or key ARN, not an alias.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdateKeyDescription.html
 */
import { resolveKey } from "../domain/key-access.js";
import { changeKey } from "../domain/key-changes.js";
import type { UpdateKeyDescriptionRequest } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const updateKeyDescription = defineOperation<
  UpdateKeyDescriptionRequest,
  Record<string, never>
>("UpdateKeyDescription", async (input, ctx) => {
  const key = await resolveKey(ctx, input.KeyId, "UpdateKeyDescription", { allowAlias: false });
  await changeKey(ctx, key, "UpdateKeyDescription", (current) => ({
    ...current,
    description: input.Description,
  }));
  return {};
});
