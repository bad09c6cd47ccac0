/**
 * RetireGrant: deletes a grant named by a grant token, or by key and grant id. The grant decides
 * who may: its retiring principal, its grantee if it allows RetireGrant, and the account that
 * issued it; accounts may delegate to their principals through IAM policies. A token works
 * even before the grant has propagated.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_RetireGrant.html
 */
import { dryRunSucceeded } from "../domain/dry-run.js";
import { grantIdOfToken } from "../domain/grant-tokens.js";
import {
  assertWellFormedGrantId,
  invalidGrantId,
  mayRetire,
  retireDelegableTo,
} from "../domain/grants.js";
import { findKey } from "../domain/key-access.js";
import { assertKeyState } from "../domain/key-states.js";
import { accessDeniedError } from "../domain/policy/authorize.js";
import { conditionContext } from "../domain/policy/condition-keys.js";
import { evaluateIdentityPolicies } from "../domain/policy/evaluate.js";
import { principalIdentity } from "../domain/policy/principals.js";
import type { RequestContext } from "../domain/request-context.js";
import type { GrantRecord } from "../vocabulary/grant-records.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { RetireGrantRequest } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

async function grantToRetire(ctx: RequestContext, input: RetireGrantRequest): Promise<GrantRecord> {
  const { store } = ctx.services;
  if (input.GrantToken !== undefined) {
    const grantId = grantIdOfToken(ctx.services.grantTokenKey, input.GrantToken);
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

/** Whether the caller's own IAM policies allow kms:RetireGrant on the grant's key. */
function identityAllowsRetiring(ctx: RequestContext, key: KeyRecord): boolean {
  const policies = ctx.caller.identityPolicies;
  if (policies === "administrator") return true;
  const principal = principalIdentity(ctx.caller.principalArn, ctx.caller.accountId);
  const action = "kms:RetireGrant";
  const context = conditionContext({
    caller: ctx.caller,
    principal,
    now: ctx.now,
    request: ctx.request,
    action,
    key: { key },
    secureTransport: ctx.secureTransport,
  });
  const request = { principal, action, resource: key.arn, context };
  return evaluateIdentityPolicies(policies, request).decision === "allow";
}

export const retireGrant = defineOperation<RetireGrantRequest, Record<string, never>>(
  "RetireGrant",
  async (input, ctx) => {
    const grant = await grantToRetire(ctx, input);
    ctx.audit.resources.push(grant.keyArn);
    const key = await ctx.services.store.keys.get(grant.keyArn);
    if (!key) throw invalidGrantId(grant.grantId);
    assertKeyState(key, "RetireGrant");
    const allowed =
      mayRetire(ctx.caller, grant) ||
      (retireDelegableTo(ctx.caller, grant) && identityAllowsRetiring(ctx, key));
    if (!allowed) throw accessDeniedError(ctx, "kms:RetireGrant", grant.keyArn, "noIdentityAllow");
    if (input.DryRun === true) throw dryRunSucceeded("RetireGrant");
    // Another request (on another node) may have retired or revoked it since it was read.
    if (!(await ctx.services.store.grants.delete(grant.grantId)))
      throw invalidGrantId(grant.grantId);
    return {};
  },
);
