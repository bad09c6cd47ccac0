/**
 * GetKeyPolicy: the key's policy document, exactly as it was set.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html
 */
import { resolveKey } from "../domain/key-access.js";
import { assertDefaultPolicyName, defaultPolicyName } from "../domain/policy/policy-names.js";
import type { GetKeyPolicyRequest, GetKeyPolicyResponse } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const getKeyPolicy = defineOperation<GetKeyPolicyRequest, GetKeyPolicyResponse>(
  "GetKeyPolicy",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "GetKeyPolicy", { allowAlias: false });
    assertDefaultPolicyName(input.PolicyName);
    return { Policy: key.policy, PolicyName: defaultPolicyName };
  },
);
