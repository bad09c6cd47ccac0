/**
 * RevokeGrant: deletes a grant of a key. Unlike RetireGrant it is authorized by the key policy
 * (kms:RevokeGrant), takes no grant token, and is how administrators take permissions away.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_RevokeGrant.html
 */
import { dryRunSucceeded } from "../domain/dry-run.js";
import { assertWellFormedGrantId, invalidGrantId } from "../domain/grants.js";
import { resolveKey } from "../domain/key-access.js";
import type { RevokeGrantRequest } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const revokeGrant = defineOperation<RevokeGrantRequest, Record<string, never>>(
  "RevokeGrant",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "RevokeGrant", { allowAlias: false });
    assertWellFormedGrantId(input.GrantId);
    const grant = await ctx.services.store.grants.get(key.arn, input.GrantId);
    if (!grant) throw invalidGrantId(input.GrantId);
    if (input.DryRun === true) throw dryRunSucceeded("RevokeGrant");
    // Another request (on another node) may have retired or revoked it since it was read.
    if (!(await ctx.services.store.grants.delete(grant.grantId)))
      throw invalidGrantId(grant.grantId);
    return {};
  },
);
