/**
 * PutKeyPolicy: replaces the key's policy with a document that follows the key policy
 * grammar. The policy is stored exactly as sent, so GetKeyPolicy returns the caller's text.
 * Unless BypassPolicyLockoutSafetyCheck is true, the new policy must still let the caller
 * update it (the lockout safety check, policy/lockout.ts).
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html
 */
import { resolveKey } from "../domain/key-access.js";
import { changeKey } from "../domain/key-changes.js";
import { assertPolicyKeepsCallerAccess } from "../domain/policy/lockout.js";
import { parsePolicyDocument } from "../domain/policy/policy-document.js";
import { assertDefaultPolicyName } from "../domain/policy/policy-names.js";
import type { PutKeyPolicyRequest } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const putKeyPolicy = defineOperation<PutKeyPolicyRequest, void>(
  "PutKeyPolicy",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "PutKeyPolicy", { allowAlias: false });
    assertDefaultPolicyName(input.PolicyName);
    parsePolicyDocument(input.Policy);
    await assertPolicyKeepsCallerAccess(ctx, key, input.Policy);
    await changeKey(ctx, key, "PutKeyPolicy", (current) => ({ ...current, policy: input.Policy }));
  },
);
