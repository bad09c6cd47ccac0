/**
 * The key policy lockout safety check of CreateKey and PutKeyPolicy: unless the request sets
 * BypassPolicyLockoutSafetyCheck, a new key policy must still let the calling principal call
 * PutKeyPolicy on the key (directly, or through its account and its identity policies), so a
 * key cannot be made unmanageable by accident. AWS refuses such a policy with
 * MalformedPolicyDocumentException: "The new key policy will not allow you to update the key
 * policy in the future."
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html
 * https://repost.aws/knowledge-center/update-key-policy-future
 */
import type { KeyRecord } from "../../vocabulary/key-records.js";
import { KmsError } from "../../vocabulary/kms-errors.js";
import type { RequestContext } from "../request-context.js";
import { decideKeyAccess } from "./authorize.js";

/**
 * Throws unless `policy` lets the caller update the policy of `key` later. `key` is the key the
 * policy is for: the stored key for PutKeyPolicy, the record about to be stored for CreateKey.
 */
export async function assertPolicyKeepsCallerAccess(
  ctx: RequestContext,
  key: KeyRecord,
  policy: string,
): Promise<void> {
  const { request } = ctx;
  if (
    (request.operation === "CreateKey" || request.operation === "PutKeyPolicy") &&
    request.input.BypassPolicyLockoutSafetyCheck === true
  )
    return;
  const refusal = await decideKeyAccess(ctx, key, {
    action: "PutKeyPolicy",
    policy,
    crossAccount: false,
    grants: false,
  });
  if (refusal)
    throw new KmsError(
      "MalformedPolicyDocumentException",
      "The new key policy will not allow you to update the key policy in the future.",
    );
}
