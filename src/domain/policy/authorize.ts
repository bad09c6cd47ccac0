/**
 * Authorization of every KMS operation, with AWS's permission names and AWS's decision for KMS
 * keys: the key policy is the root of trust, and identity (IAM) policies count only where the
 * key policy delegates to the caller's account.
 * https://docs.aws.amazon.com/kms/latest/developerguide/determining-access.html
 * https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html
 *
 * For an operation on a key, in this order:
 *  1. a Deny in the key policy, then a Deny in the caller's identity policies: AccessDenied;
 *  1a. an AWS managed key and a permission only AWS has on it (key-managers.ts): AccessDenied,
 *     "no resource-based policy allows";
 *  2. same account: a key policy Allow naming the caller (or everyone) allows; one naming the
 *     caller's account allows when the caller's identity policies allow too ("administrator"
 *     identities allow everything);
 *  3. another account (only operations AWS allows across accounts): a key policy Allow naming
 *     the caller or its account, and the caller's identity policies must both allow;
 *  4. otherwise a grant for the caller that covers the operation allows (grants.ts).
 * Operations without a key resource (CreateKey, ListKeys, GenerateRandom, custom key stores,
 * ...) are decided by identity policies alone on resource "*", before the handler runs; alias
 * operations are also checked on the alias ARN there. Keys are looked up in the caller's
 * account unless named by ARN, so a key id or alias name never reaches another account.
 *
 * AccessDeniedException words, as AWS sends them: "User: <principal ARN> is not authorized to
 * perform: kms:<Action> on resource: <ARN or *> because no resource-based policy allows the
 * kms:<Action> action" (or "because no identity-based policy allows ...", or "with an explicit
 * deny in a resource-based policy" / "... in an identity-based policy").
 */
import { aliasArn } from "../../vocabulary/arns.js";
import type { KeyRecord } from "../../vocabulary/key-records.js";
import { KmsError } from "../../vocabulary/kms-errors.js";
import type { OperationName } from "../../vocabulary/model.generated.js";
import { awsManagedKeyEndpoint } from "../aws-managed-keys.js";
import { findAuthorizingGrant, type GrantAction } from "../grants.js";
import { onlyAwsMay } from "../key-managers.js";
import type { RequestContext } from "../request-context.js";
import { conditionContext, type KeyFacts } from "./condition-keys.js";
import type { ConditionContext } from "./conditions.js";
import {
  type EvaluationRequest,
  evaluateIdentityPolicies,
  evaluateNormalizedPolicy,
} from "./evaluate.js";

/** How AWS authorizes one operation. */
interface AccessRule {
  /** Authorized on the key it uses; "any" when the key may be in another account. */
  readonly key?: "ownAccount" | "any";
  /** Authorized by identity policies alone before the handler: on "*", or on the alias. */
  readonly identity?: "*" | "alias";
}

const ownKey: AccessRule = { key: "ownAccount" };
const anyKey: AccessRule = { key: "any" };
const identityOnly: AccessRule = { identity: "*" };
const aliasAndKey: AccessRule = { key: "ownAccount", identity: "alias" };

/**
 * Every operation of the KMS model, from the "Cross-account use" and "Required permissions"
 * of each API reference page. RetireGrant has no rule here: who may retire a grant is decided
 * by the grant itself (grants.ts, mayRetire).
 */
export const accessRules: Readonly<Record<OperationName, AccessRule>> = {
  CancelKeyDeletion: ownKey,
  ConnectCustomKeyStore: identityOnly,
  CreateAlias: aliasAndKey,
  CreateCustomKeyStore: identityOnly,
  CreateGrant: anyKey,
  CreateKey: identityOnly,
  Decrypt: anyKey,
  DeleteAlias: aliasAndKey,
  DeleteCustomKeyStore: identityOnly,
  DeleteImportedKeyMaterial: ownKey,
  DeriveSharedSecret: anyKey,
  DescribeCustomKeyStores: identityOnly,
  DescribeKey: anyKey,
  DisableKey: ownKey,
  DisableKeyRotation: ownKey,
  DisconnectCustomKeyStore: identityOnly,
  EnableKey: ownKey,
  EnableKeyRotation: ownKey,
  Encrypt: anyKey,
  GenerateDataKey: anyKey,
  GenerateDataKeyPair: anyKey,
  GenerateDataKeyPairWithoutPlaintext: anyKey,
  GenerateDataKeyWithoutPlaintext: anyKey,
  GenerateMac: anyKey,
  GenerateRandom: identityOnly,
  GetKeyLastUsage: ownKey,
  GetKeyPolicy: ownKey,
  GetKeyRotationStatus: anyKey,
  GetParametersForImport: ownKey,
  GetPublicKey: anyKey,
  ImportKeyMaterial: ownKey,
  // ListAliases is an IAM permission on "*" even when it filters by KeyId.
  ListAliases: identityOnly,
  ListGrants: anyKey,
  ListKeyPolicies: ownKey,
  ListKeyRotations: ownKey,
  ListKeys: identityOnly,
  ListResourceTags: ownKey,
  ListRetirableGrants: identityOnly,
  PutKeyPolicy: ownKey,
  ReEncrypt: anyKey,
  ReplicateKey: ownKey,
  RetireGrant: {},
  RevokeGrant: anyKey,
  RotateKeyOnDemand: ownKey,
  ScheduleKeyDeletion: ownKey,
  Sign: anyKey,
  TagResource: ownKey,
  UntagResource: ownKey,
  UpdateAlias: aliasAndKey,
  UpdateCustomKeyStore: identityOnly,
  UpdateKeyDescription: ownKey,
  UpdatePrimaryRegion: ownKey,
  Verify: anyKey,
  VerifyMac: anyKey,
};

/** Why a request is refused; each has its own AWS wording. */
export type Refusal = "resourceDeny" | "identityDeny" | "noResourceAllow" | "noIdentityAllow";

export function accessDeniedError(
  ctx: RequestContext,
  permission: string,
  resource: string,
  refusal: Refusal,
): KmsError {
  const reason = {
    resourceDeny: "with an explicit deny in a resource-based policy",
    identityDeny: "with an explicit deny in an identity-based policy",
    noResourceAllow: `because no resource-based policy allows the ${permission} action`,
    noIdentityAllow: `because no identity-based policy allows the ${permission} action`,
  }[refusal];
  return new KmsError(
    "AccessDeniedException",
    `User: ${ctx.caller.principalArn} is not authorized to perform: ${permission} on resource: ${resource} ${reason}`,
  );
}

function identityDecision(ctx: RequestContext, request: EvaluationRequest) {
  const policies = ctx.caller.identityPolicies;
  if (policies === "administrator") return "allow" as const;
  return evaluateIdentityPolicies(policies, request).decision;
}

/**
 * Whether any of the policies that decide on `key` mention a condition key; the answers are
 * kept per policy text (PolicyCache), so no request lowercases a policy.
 */
function mentions(ctx: RequestContext, key: KeyRecord, name: string, extraPolicy?: string) {
  const needle = name.toLowerCase();
  const { policies } = ctx.services;
  const { identityPolicies } = ctx.caller;
  if (policies.mentions(key.policy, needle)) return true;
  if (extraPolicy !== undefined && policies.mentions(extraPolicy, needle)) return true;
  return (
    identityPolicies !== "administrator" &&
    policies.mentions(policies.identityPolicyText(identityPolicies), needle)
  );
}

/**
 * The key facts condition keys need. Aliases and tags cost a store read each, so they are read
 * only when a policy deciding on the key mentions kms:ResourceAliases or aws:ResourceTag.
 */
async function keyFacts(
  ctx: RequestContext,
  key: KeyRecord,
  extraPolicy?: string,
): Promise<KeyFacts> {
  const { store } = ctx.services;
  const aliases = mentions(ctx, key, "kms:ResourceAliases", extraPolicy)
    ? (
        await store.aliases.list(key.accountId, key.region, {
          limit: 100,
          targetKeyId: key.keyId,
        })
      ).map((alias) => alias.aliasName)
    : undefined;
  const tags = mentions(ctx, key, "aws:ResourceTag/", extraPolicy)
    ? await store.tags.list(key.arn)
    : undefined;
  // Trent stands in for the service of an AWS managed key, unless configured not to
  // (docs/aws-managed-keys.md): the request counts as made through that service.
  const viaService = ctx.services.config.awsManagedKeysDirectUse
    ? await awsManagedKeyEndpoint(store, key)
    : undefined;
  return {
    key,
    ...(aliases ? { aliases } : {}),
    ...(tags ? { tags } : {}),
    ...(viaService ? { viaService } : {}),
  };
}

export interface KeyCheck {
  /** The permission without its "kms:" prefix: an operation name, ReEncryptFrom or ReEncryptTo. */
  readonly action: GrantAction;
  /** The key policy to evaluate instead of the key's own (the lockout check's new policy). */
  readonly policy?: string;
  /** Whether a key of another account may be used (the operation allows cross-account use). */
  readonly crossAccount: boolean;
  /**
   * Whether a grant may allow the action, given the grant ids of the request's grant tokens
   * (grants named by a token count before they propagate); false for the lockout check.
   */
  readonly grants: ReadonlySet<string> | false;
}

const noGrantTokens: ReadonlySet<string> = new Set();

/**
 * An evaluation request whose condition context is built on first use: most policies (the
 * default key policy, administrators' identities) have no conditions or policy variables, and
 * building every condition key for every request was a tenth of a request's CPU.
 */
function evaluationRequest(
  ctx: RequestContext,
  permission: string,
  resource: string,
  key?: KeyFacts,
): EvaluationRequest {
  const principal = ctx.services.policies.principal(ctx.caller.principalArn, ctx.caller.accountId);
  let context: ConditionContext | undefined;
  return {
    principal,
    action: permission,
    resource,
    get context() {
      context ??= conditionContext({
        caller: ctx.caller,
        principal,
        now: ctx.now,
        request: ctx.request,
        action: permission,
        ...(key ? { key } : {}),
        ...(ctx.recipient ? { recipient: ctx.recipient.document } : {}),
        secureTransport: ctx.secureTransport === true,
      });
      return context;
    },
  };
}

/** Decides whether the caller may perform `check.action` on `key`; undefined means allowed. */
export async function decideKeyAccess(
  ctx: RequestContext,
  key: KeyRecord,
  check: KeyCheck,
): Promise<Refusal | undefined> {
  const permission = `kms:${check.action}`;
  const request = evaluationRequest(
    ctx,
    permission,
    key.arn,
    await keyFacts(ctx, key, check.policy),
  );

  const keyPolicy = evaluateNormalizedPolicy(
    ctx.services.policies.normalized(check.policy ?? key.policy),
    "resource",
    request,
  );
  if (keyPolicy.decision === "explicitDeny") return "resourceDeny";
  const identity = identityDecision(ctx, request);
  if (identity === "explicitDeny") return "identityDeny";
  if (onlyAwsMay(key.keyManager, check.action)) return "noResourceAllow";

  const sameAccount = key.accountId === ctx.caller.accountId;
  if (!sameAccount && !check.crossAccount) return "noResourceAllow";
  if (keyPolicy.decision === "allow") {
    if (sameAccount && keyPolicy.allowedFor === "principal") return undefined;
    if (identity === "allow") return undefined;
  }
  if (check.grants && (await findAuthorizingGrant(ctx, key, check.action, check.grants)))
    return undefined;
  return keyPolicy.decision === "allow" ? "noIdentityAllow" : "noResourceAllow";
}

/**
 * Authorizes `operation` on a loaded key, throwing AWS's AccessDeniedException when refused.
 * Called by resolveKey after loading the key and before checking its state.
 */
export async function authorizeKey(
  ctx: RequestContext,
  key: KeyRecord,
  operation: OperationName,
  options: {
    /** ReEncrypt is authorized twice: kms:ReEncryptFrom on the source, kms:ReEncryptTo on the destination. */
    readonly action?: GrantAction;
    /** Grant ids of the request's verified grant tokens. */
    readonly presentedGrants?: ReadonlySet<string>;
  } = {},
): Promise<void> {
  const rule = accessRules[operation];
  if (!rule.key) return;
  const action = options.action ?? operation;
  const refusal = await decideKeyAccess(ctx, key, {
    action,
    crossAccount: rule.key === "any",
    grants: options.presentedGrants ?? noGrantTokens,
  });
  if (refusal) throw accessDeniedError(ctx, `kms:${action}`, key.arn, refusal);
}

/**
 * Identity policies alone on one resource (a "*" operation, or an alias; ReplicateKey's
 * kms:CreateKey in the replica Region).
 */
export function authorizeByIdentity(ctx: RequestContext, action: string, resource: string): void {
  const permission = `kms:${action}`;
  const request = evaluationRequest(ctx, permission, resource);
  const decision = identityDecision(ctx, request);
  if (decision === "explicitDeny")
    throw accessDeniedError(ctx, permission, resource, "identityDeny");
  if (decision !== "allow") throw accessDeniedError(ctx, permission, resource, "noIdentityAllow");
}

/**
 * The checks that need no key: called by the pipeline before the handler. Operations without
 * a key resource are authorized on "*" (CreateKey with Tags also needs kms:TagResource); alias
 * operations need their permission on the alias (the key is checked when the handler loads it).
 */
export function authorizeRequest(ctx: RequestContext): void {
  const { request } = ctx;
  const rule = accessRules[request.operation];
  if (rule.identity === "*") {
    // ListRetirableGrants is authorized on the retiring principal it asks about.
    const resource =
      request.operation === "ListRetirableGrants" ? request.input.RetiringPrincipal : "*";
    authorizeByIdentity(ctx, request.operation, resource);
    if (request.operation === "CreateKey" && (request.input.Tags?.length ?? 0) > 0)
      authorizeByIdentity(ctx, "TagResource", "*");
  } else if (rule.identity === "alias" && "AliasName" in request.input) {
    const name = request.input.AliasName;
    // A malformed alias name is the handler's validation error, not an authorization question.
    if (name.startsWith("alias/"))
      authorizeByIdentity(
        ctx,
        request.operation,
        aliasArn(ctx.caller.region, ctx.caller.accountId, name),
      );
  }
}
