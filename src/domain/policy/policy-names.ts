/**
 * Key policy names. A KMS key has exactly one key policy and its only valid name is "default"
 * (GetKeyPolicy, PutKeyPolicy, ListKeyPolicies); PolicyName may be omitted and then means it.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html
 */
import { KmsError } from "../../vocabulary/kms-errors.js";

export const defaultPolicyName = "default";

/** The names ListKeyPolicies reports for every key. */
export const keyPolicyNames: readonly string[] = [defaultPolicyName];

/** Any other name (the model allows `[\w]+`) names a policy that does not exist. */
export function assertDefaultPolicyName(policyName: string | undefined): void {
  if (policyName !== undefined && policyName !== defaultPolicyName)
    throw new KmsError("NotFoundException", "No such policy exists");
}
