/**
 * RetireGrant: deletes a grant named by a grant token, or by key and grant id. The grant decides
 * who may: its retiring principal, its grantee if it allows RetireGrant, and the account that
 * issued it. A token works even before the grant has propagated.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_RetireGrant.html
 */
import { checkGrantTokens } from "../domain/grant-tokens.js";
import {
  accessDenied,
  assertWellFormedGrantId,
  type GrantRecord,
  invalidGrantId,
  mayRetire,
} from "../domain/grants.js";
import { findKey } from "../domain/key-access.js";
import { assertKeyState } from "../domain/key-states.js";
import { KmsError } from "../domain/kms-errors.js";
import type { RetireGrantRequest } from "../protocol/types.generated.js";
import type { RequestContext } from "./context.js";
import { defineOperation } from "./operation.js";

async function grantToRetire(ctx: RequestContext, input: RetireGrantRequest): Promise<GrantRecord> {
  const { store } = ctx.services;
  if (input.GrantToken !== undefined) {
    const [grantId] = checkGrantTokens(ctx, [input.GrantToken]) as [string];
    if (input.GrantId !== undefined && input.GrantId !== grantId)
      throw invalidGrantId(input.GrantId);
    const grant = await store.grants.find(grantId);
    if (!grant) throw invalidGrantId(grantId);
    if (input.KeyId !== undefined) {
      const key = await findKey(ctx, input.KeyId, { allowAlias: false });
      if (key.arn !== grant.keyArn) throw invalidGrantId(grantId);
    }
    return grant;
  }
  if (input.KeyId === undefined || input.GrantId === undefined)
    throw new KmsError(
      "ValidationException",
      "Specify a GrantToken, or both a KeyId and a GrantId, to identify the grant to retire.",
    );
  const key = await findKey(ctx, input.KeyId, { allowAlias: false });
  assertWellFormedGrantId(input.GrantId);
  const grant = await store.grants.get(key.arn, input.GrantId);
  if (!grant) throw invalidGrantId(input.GrantId);
  return grant;
}

export const retireGrant = defineOperation<RetireGrantRequest, Record<string, never>>(
  "RetireGrant",
  async (input, ctx) => {
    const grant = await grantToRetire(ctx, input);
    ctx.audit.resources.push(grant.keyArn);
    const key = await ctx.services.store.keys.get(grant.keyArn);
    if (key) assertKeyState(key, "RetireGrant");
    if (!mayRetire(ctx.caller, grant)) throw accessDenied(ctx.caller, "RetireGrant", grant.keyArn);
    if (input.DryRun === true)
      throw new KmsError(
        "DryRunOperationException",
        "The request would have succeeded, but the DryRun option is set.",
      );
    await ctx.services.store.grants.delete(grant.grantId);
    return {};
  },
);
