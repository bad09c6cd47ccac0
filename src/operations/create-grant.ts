/**
 * CreateGrant: adds a grant to a key, letting a grantee principal use the key for the listed
 * operations (optionally under an encryption context constraint). With a Name, a retry with
 * the same parameters returns the existing grant's id with a fresh grant token.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateGrant.html
 */

import { dryRunSucceeded } from "../domain/dry-run.js";
import { checkGrantRequest, newGrantId, sameGrantParameters } from "../domain/grants.js";
import { resolveKey } from "../domain/key-access.js";
import { lockKey } from "../domain/key-changes.js";
import type { RequestContext } from "../domain/request-context.js";
import { mintGrantToken } from "../platform/crypto/grant-token.js";
import { accountRootArn } from "../vocabulary/arns.js";
import type { GrantRecord } from "../vocabulary/grant-records.js";
import type { CreateGrantRequest, CreateGrantResponse } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

/** Each CreateGrant answer carries a token of its own (16 random bytes of nonce). */
function tokenFor(ctx: RequestContext, grantId: string): string {
  return mintGrantToken(ctx.services.grantTokenKey, grantId, ctx.services.random.bytes(16));
}

export const createGrant = defineOperation<CreateGrantRequest, CreateGrantResponse>(
  "CreateGrant",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "CreateGrant", { allowAlias: false });
    const checked = checkGrantRequest(key, input.Operations, input.Constraints);
    if (input.DryRun === true) throw dryRunSucceeded("CreateGrant");

    const wanted = {
      granteePrincipal: input.GranteePrincipal,
      retiringPrincipal: input.RetiringPrincipal,
      operations: checked.operations,
      constraints: checked.constraints,
    };
    const { store } = ctx.services;
    const grantId = await store.transaction(async (tx) => {
      // Locked, so the same named grant asked for twice at once is made once, and no grant is
      // added to a key being disabled or deleted.
      await lockKey(tx, key.arn, "CreateGrant");
      if (input.Name !== undefined) {
        const retried = (await tx.grants.findByName(key.arn, input.Name)).find((grant) =>
          sameGrantParameters(grant, wanted),
        );
        if (retried) return retried.grantId;
      }
      const grant: GrantRecord = {
        ...wanted,
        grantId: newGrantId(ctx),
        keyArn: key.arn,
        region: key.region,
        name: input.Name,
        creationDate: ctx.now,
        issuingAccount: accountRootArn(ctx.caller.region, ctx.caller.accountId),
      };
      await tx.grants.insert(grant);
      return grant.grantId;
    });
    return { GrantToken: tokenFor(ctx, grantId), GrantId: grantId };
  },
);
