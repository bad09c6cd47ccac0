/**
 * Grants: a key's second permission mechanism beside its key policy. A grant lets one grantee
 * principal call the listed operations on one key, optionally only under an encryption context
 * constraint. This module owns the grant record, the rules CreateGrant checks, who may retire
 * a grant, and findAuthorizingGrant, which authorization asks whether a grant allows a request.
 * https://docs.aws.amazon.com/kms/latest/developerguide/grants.html
 *
 * Eventual consistency, made testable: with config.grantPropagationDelayMs > 0 a new grant
 * authorizes nothing until that much time has passed since its creation, unless the request
 * carries one of its grant tokens, the way a grant in AWS needs its token until it has
 * propagated. Retired and revoked grants are deleted, so they stop authorizing at once.
 */

import { randomHex } from "../platform/crypto/random.js";
import { accountRootArn, parseKmsArn, partitionOf } from "../vocabulary/arns.js";
import type {
  EncryptionContext,
  GrantConstraintsRecord,
  GrantRecord,
} from "../vocabulary/grant-records.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { OperationName } from "../vocabulary/model.generated.js";
import type { Caller } from "../vocabulary/request.js";
import type {
  GrantConstraints,
  GrantListEntry,
  GrantOperation,
} from "../vocabulary/types.generated.js";
import { validationError } from "../vocabulary/validation.js";
import { isSymmetricEncryptionKey } from "./key-specs.js";
import type { RequestContext } from "./request-context.js";

const grantIdPattern = /^[0-9a-f]{64}$/;

export function newGrantId(ctx: RequestContext): string {
  return randomHex(ctx.services.random, 32);
}

/** InvalidGrantIdException for an id that is malformed or names no grant of the key. */
export function invalidGrantId(grantId: string): KmsError {
  return new KmsError("InvalidGrantIdException", `Invalid grantId ${grantId}`);
}

export function assertWellFormedGrantId(grantId: string): void {
  if (!grantIdPattern.test(grantId)) throw invalidGrantId(grantId);
}

/**
 * The grant operations each kind of key supports (the key type table of the developer guide):
 * a grant may only allow operations its key can perform.
 * https://docs.aws.amazon.com/kms/latest/developerguide/symm-asymm-compare.html
 */
const everyKey: readonly GrantOperation[] = ["CreateGrant", "RetireGrant", "DescribeKey"];
const symmetricEncryption: readonly GrantOperation[] = [
  "Decrypt",
  "Encrypt",
  "GenerateDataKey",
  "GenerateDataKeyWithoutPlaintext",
  "GenerateDataKeyPair",
  "GenerateDataKeyPairWithoutPlaintext",
  "ReEncryptFrom",
  "ReEncryptTo",
];
const byAsymmetricUsage: Record<KeyRecord["keyUsage"], readonly GrantOperation[]> = {
  ENCRYPT_DECRYPT: ["Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GetPublicKey"],
  SIGN_VERIFY: ["Sign", "Verify", "GetPublicKey"],
  GENERATE_VERIFY_MAC: ["GenerateMac", "VerifyMac"],
  KEY_AGREEMENT: ["DeriveSharedSecret", "GetPublicKey"],
};

export function grantOperationsFor(key: KeyRecord): readonly GrantOperation[] {
  const own = isSymmetricEncryptionKey(key.keySpec, key.keyUsage)
    ? symmetricEncryption
    : byAsymmetricUsage[key.keyUsage];
  return [...own, ...everyKey];
}

/** Operations whose requests carry an encryption context, so a constraint can apply to them. */
const contextualOperations: ReadonlySet<GrantOperation> = new Set(symmetricEncryption);

/** Each constraint holds at most 8 pairs, of at most 384 characters in all (GrantConstraints). */
const constraintLimits = { pairs: 8, characters: 384 } as const;

/**
 * Checks CreateGrant's Operations and Constraints against the key, and returns them in record
 * form (operations without duplicates, in the order given).
 */
export function checkGrantRequest(
  key: KeyRecord,
  operations: readonly GrantOperation[],
  constraints: GrantConstraints | undefined,
): { operations: GrantOperation[]; constraints: GrantConstraintsRecord | undefined } {
  const unique = [...new Set(operations)];
  if (unique.length === 0)
    throw validationError("operations", [], "have length greater than or equal to 1");
  if (unique.length === 1 && unique[0] === "CreateGrant")
    throw new KmsError(
      "ValidationException",
      "Grants must not contain only the CreateGrant operation.",
    );
  const supported = grantOperationsFor(key);
  const unsupported = unique.filter((op) => !supported.includes(op));
  if (unsupported.length > 0)
    throw new KmsError(
      "ValidationException",
      `Grant operations [${unsupported.join(", ")}] are not supported for KMS key ${key.arn} ` +
        `(KeySpec ${key.keySpec}, KeyUsage ${key.keyUsage}).`,
    );

  const equals = constraints?.EncryptionContextEquals;
  const subset = constraints?.EncryptionContextSubset;
  if (equals === undefined && subset === undefined)
    return { operations: unique, constraints: undefined };
  // A constraint needs an operation that takes an encryption context; DescribeKey, RetireGrant
  // and CreateGrant may ride along, but asymmetric and HMAC operations take no context at all.
  const uncontextual = unique.filter(
    (op) => !contextualOperations.has(op) && !everyKey.includes(op),
  );
  if (uncontextual.length > 0 || !isSymmetricEncryptionKey(key.keySpec, key.keyUsage))
    throw new KmsError(
      "ValidationException",
      "Grant constraints are supported only on grants for symmetric encryption KMS keys whose " +
        "operations accept an encryption context; " +
        `[${(uncontextual.length > 0 ? uncontextual : unique).join(", ")}] do not.`,
    );
  for (const [member, context] of [
    ["constraints.encryptionContextEquals", equals],
    ["constraints.encryptionContextSubset", subset],
  ] as const) {
    if (context === undefined) continue;
    const pairs = Object.entries(context);
    if (pairs.length > constraintLimits.pairs)
      throw validationError(
        member,
        context,
        `have length less than or equal to ${constraintLimits.pairs}`,
      );
    const characters = pairs.reduce((n, [k, v]) => n + [...k].length + [...v].length, 0);
    if (characters > constraintLimits.characters)
      throw new KmsError(
        "ValidationException",
        `The encryption context in a grant constraint cannot exceed ${constraintLimits.characters} characters.`,
      );
  }
  return {
    operations: unique,
    constraints: { encryptionContextEquals: equals, encryptionContextSubset: subset },
  };
}

/** Grant listings: AWS documents 50 as the default Limit and 100 as the most a page holds. */
export const grantPageLimit = { default: 50, max: 100 } as const;

/**
 * A grant as ListGrants and ListRetirableGrants show it. A grant created without a Name shows
 * an empty Name, as AWS's ListGrants output in the developer guide does.
 */
export function grantListEntry(grant: GrantRecord): GrantListEntry {
  return {
    KeyId: grant.keyArn,
    GrantId: grant.grantId,
    Name: grant.name ?? "",
    CreationDate: grant.creationDate,
    GranteePrincipal: grant.granteePrincipal,
    RetiringPrincipal: grant.retiringPrincipal,
    IssuingAccount: grant.issuingAccount,
    Operations: [...grant.operations],
    Constraints: constraintsToWire(grant.constraints),
  };
}

/** The Constraints member of the wire, from the record. */
function constraintsToWire(
  constraints: GrantConstraintsRecord | undefined,
): GrantConstraints | undefined {
  if (constraints === undefined) return undefined;
  return {
    EncryptionContextSubset: constraints.encryptionContextSubset,
    EncryptionContextEquals: constraints.encryptionContextEquals,
  };
}

/**
 * In a grant constraint keys compare without regard to case and values exactly (the
 * GrantConstraints page of the API reference).
 */
function pairsMatch(a: readonly [string, string], b: readonly [string, string]): boolean {
  return a[0].toLowerCase() === b[0].toLowerCase() && a[1] === b[1];
}

/** Whether every pair of `required` is in `actual`. */
function includesPairs(actual: EncryptionContext, required: EncryptionContext): boolean {
  const actualPairs = Object.entries(actual);
  return Object.entries(required).every((pair) => actualPairs.some((a) => pairsMatch(a, pair)));
}

function samePairs(a: EncryptionContext, b: EncryptionContext): boolean {
  return includesPairs(a, b) && includesPairs(b, a);
}

/** Whether a request's encryption context satisfies the grant's constraints. */
export function constraintsAllow(
  constraints: GrantConstraintsRecord | undefined,
  context: EncryptionContext | undefined,
): boolean {
  const actual = context ?? {};
  if (
    constraints?.encryptionContextEquals &&
    !samePairs(actual, constraints.encryptionContextEquals)
  )
    return false;
  if (
    constraints?.encryptionContextSubset &&
    !includesPairs(actual, constraints.encryptionContextSubset)
  )
    return false;
  return true;
}

/**
 * Whether a child grant's constraints are at least as strict as its parent's, as a grant that
 * allows CreateGrant requires of the grants made with it: a subset constraint may gain pairs or
 * become an equals constraint, an equals constraint must stay exactly as it is.
 */
export function atLeastAsStrict(
  parent: GrantConstraintsRecord | undefined,
  child: GrantConstraintsRecord | undefined,
): boolean {
  if (parent?.encryptionContextEquals) {
    return (
      child?.encryptionContextEquals !== undefined &&
      samePairs(child.encryptionContextEquals, parent.encryptionContextEquals)
    );
  }
  const required = parent?.encryptionContextSubset;
  if (required === undefined) return true;
  return [child?.encryptionContextEquals, child?.encryptionContextSubset].some(
    (context) => context !== undefined && includesPairs(context, required),
  );
}

/** Whether `principal` names a whole account: its root ARN, or a bare account id. */
function accountOf(principal: string): string | undefined {
  if (/^\d{12}$/.test(principal)) return principal;
  return /^arn:aws[a-z-]*:iam::(\d{12}):root$/.exec(principal)?.[1];
}

/** The account a principal belongs to: from its IAM or STS ARN, or a bare account id. */
export function principalAccount(principal: string): string | undefined {
  if (/^\d{12}$/.test(principal)) return principal;
  return /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
}

/** The role ARN behind an assumed-role session ARN, which grants to the role also cover. */
function roleOfSession(principalArn: string): string | undefined {
  const m = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(principalArn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : undefined;
}

/**
 * Whether a grant's principal (grantee or retiring principal) covers the caller: the caller's
 * own ARN, the role of an assumed-role session, or the caller's account as a whole (account
 * root ARN or account id), which delegates to every principal of that account.
 */
export function principalCovers(principal: string, caller: Caller): boolean {
  if (principal === caller.principalArn) return true;
  if (principal === roleOfSession(caller.principalArn)) return true;
  return accountOf(principal) === caller.accountId;
}

/** The grantee principals a grant could name and still cover this caller. */
function granteeCandidates(caller: Caller): string[] {
  const candidates = [
    caller.principalArn,
    accountRootArn(caller.region, caller.accountId),
    caller.accountId,
  ];
  const role = roleOfSession(caller.principalArn);
  if (role !== undefined) candidates.push(role);
  // The root ARN in the caller's own partition and in the partition of its principal ARN.
  const partition = /^arn:(aws[a-z-]*):/.exec(caller.principalArn)?.[1];
  if (partition !== undefined && partition !== partitionOf(caller.region))
    candidates.push(`arn:${partition}:iam::${caller.accountId}:root`);
  return [...new Set(candidates)];
}

/** Whether a principal names the caller itself (its ARN, or the role of its session). */
function namesCaller(principal: string, caller: Caller): boolean {
  return principal === caller.principalArn || principal === roleOfSession(caller.principalArn);
}

/**
 * Who may retire a grant (RetireGrant), by the grant alone: its retiring principal, its grantee
 * when the grant allows RetireGrant, and the root of the account that issued it. Accounts can
 * delegate further (see retireDelegableTo). A key policy cannot: kms:RetireGrant is not
 * effective in a key policy.
 * https://docs.aws.amazon.com/kms/latest/developerguide/grant-delete.html
 */
export function mayRetire(caller: Caller, grant: GrantRecord): boolean {
  if (grant.retiringPrincipal !== undefined && namesCaller(grant.retiringPrincipal, caller))
    return true;
  if (grant.operations.includes("RetireGrant") && namesCaller(grant.granteePrincipal, caller))
    return true;
  return caller.principalArn === grant.issuingAccount;
}

/**
 * Whether the caller's account may let its principals retire the grant through their IAM
 * policies (kms:RetireGrant): the account that issued the grant, the account that owns the key,
 * and an account named as a whole as retiring principal (or as grantee of a grant allowing
 * RetireGrant).
 */
export function retireDelegableTo(caller: Caller, grant: GrantRecord): boolean {
  const accounts = [
    principalAccount(grant.issuingAccount),
    parseKmsArn(grant.keyArn)?.accountId,
    grant.retiringPrincipal === undefined ? undefined : accountOf(grant.retiringPrincipal),
    grant.operations.includes("RetireGrant") ? accountOf(grant.granteePrincipal) : undefined,
  ];
  return accounts.includes(caller.accountId);
}

/** Actions as authorization names them: operations, and the two halves of ReEncrypt. */
export type GrantAction = OperationName | "ReEncryptFrom" | "ReEncryptTo";

const grantOperationNames: ReadonlySet<string> = new Set<GrantOperation>([
  ...symmetricEncryption,
  ...everyKey,
  "Sign",
  "Verify",
  "GetPublicKey",
  "GenerateMac",
  "VerifyMac",
  "DeriveSharedSecret",
]);

/**
 * The grant operations a grant must allow for an action. ReEncrypt touches two keys, and its
 * grants name the halves (ReEncryptFrom on the source key, ReEncryptTo on the destination);
 * asked about "ReEncrypt" without a side, a grant must allow both halves.
 */
function grantOperationsNeeded(action: GrantAction): GrantOperation[] {
  if (action === "ReEncrypt") return ["ReEncryptFrom", "ReEncryptTo"];
  return grantOperationNames.has(action) ? [action as GrantOperation] : [];
}

/** The encryption context a request presents for one grant operation. */
function requestContext(
  ctx: RequestContext,
  operation: GrantOperation,
): EncryptionContext | undefined {
  const { request } = ctx;
  if (request.operation === "ReEncrypt")
    return operation === "ReEncryptTo"
      ? request.input.DestinationEncryptionContext
      : request.input.SourceEncryptionContext;
  return "EncryptionContext" in request.input ? request.input.EncryptionContext : undefined;
}

/** For CreateGrant through a grant: the requested grant must be no broader than the parent. */
function childGrantFits(ctx: RequestContext, parent: GrantRecord): boolean {
  if (ctx.request.operation !== "CreateGrant") return false;
  const { Operations: operations, Constraints: constraints } = ctx.request.input;
  if (!operations.every((op) => parent.operations.includes(op))) return false;
  return atLeastAsStrict(parent.constraints, {
    encryptionContextEquals: constraints?.EncryptionContextEquals,
    encryptionContextSubset: constraints?.EncryptionContextSubset,
  });
}

function allowsOperation(ctx: RequestContext, grant: GrantRecord, operation: GrantOperation) {
  if (!grant.operations.includes(operation)) return false;
  if (operation === "CreateGrant") return childGrantFits(ctx, grant);
  if (!contextualOperations.has(operation)) return true;
  return constraintsAllow(grant.constraints, requestContext(ctx, operation));
}

function isEffective(ctx: RequestContext, grant: GrantRecord, presented: ReadonlySet<string>) {
  if (presented.has(grant.grantId)) return true;
  const delayMs = ctx.services.config.grantPropagationDelayMs;
  return grant.creationDate.getTime() + delayMs <= ctx.now.getTime();
}

/**
 * The grant that allows the caller to perform `action` on `key`, or undefined. The caller must
 * be covered by the grant's grantee principal, the grant must list the action's grant
 * operation(s) with constraints satisfied by the request's encryption context, and the grant
 * must have propagated or be named by one of the request's grant tokens (`presented`: the grant
 * ids of the tokens key access verified).
 */
export async function findAuthorizingGrant(
  ctx: RequestContext,
  key: KeyRecord,
  action: GrantAction,
  presented: ReadonlySet<string>,
): Promise<GrantRecord | undefined> {
  const needed = grantOperationsNeeded(action);
  if (needed.length === 0) return undefined;
  const grants = await ctx.services.store.grants.listForGrantees(
    key.arn,
    granteeCandidates(ctx.caller),
  );
  return grants.find(
    (grant) =>
      principalCovers(grant.granteePrincipal, ctx.caller) &&
      isEffective(ctx, grant, presented) &&
      needed.every((operation) => allowsOperation(ctx, grant, operation)),
  );
}

/** Whether two grant requests ask for the same grant (CreateGrant's Name idempotency). */
export function sameGrantParameters(
  existing: GrantRecord,
  wanted: Pick<
    GrantRecord,
    "granteePrincipal" | "retiringPrincipal" | "operations" | "constraints"
  >,
): boolean {
  const sameSet = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && a.every((x) => b.includes(x));
  const sameContext = (a: EncryptionContext | undefined, b: EncryptionContext | undefined) =>
    a === undefined || b === undefined
      ? a === b
      : Object.keys(a).length === Object.keys(b).length &&
        Object.entries(a).every(([k, v]) => b[k] === v);
  return (
    existing.granteePrincipal === wanted.granteePrincipal &&
    existing.retiringPrincipal === wanted.retiringPrincipal &&
    sameSet(existing.operations, wanted.operations) &&
    sameContext(
      existing.constraints?.encryptionContextEquals,
      wanted.constraints?.encryptionContextEquals,
    ) &&
    sameContext(
      existing.constraints?.encryptionContextSubset,
      wanted.constraints?.encryptionContextSubset,
    )
  );
}
