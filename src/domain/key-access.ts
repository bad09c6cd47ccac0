/**
 * The one way an operation gets at an existing key, with one order of checks, which decides the
 * error a client sees: parse the reference (key id, key ARN, alias name, alias ARN) → load the
 * key → verify the request's grant tokens (once per request) → authorize (key policy, identity
 * policies, grants) → check the state table → check the key fits the operation (key-usage.ts).
 * The key's ARN is noted for the audit record as soon as it is loaded, so a refusal names it.
 * Operations that load their key another way (from a ciphertext blob, through an alias inside a
 * transaction) hand the loaded key to `checkKeyAccess` for the same checks in the same order.
 *
 * AWS's NotFoundException wording, by kind of reference (recorded answers in
 * test/fixtures/aws-recordings: 2023-11-07, 2025-09-08, 2025-11-10):
 *   malformed key id (not a UUID or mrk- id)   Invalid keyId '<reference>'
 *   unknown key id or key ARN                  Key '<key ARN>' does not exist
 *   ARN of another Region                      Invalid arn <the ARN's Region>
 *   unknown alias name or alias ARN            Alias <alias ARN> is not found.
 * Operations whose KeyId takes only a key id or key ARN (EnableKey, DisableKey,
 * ScheduleKeyDeletion, ...) pass allowAlias: false, so an alias there is an invalid key id.
 *
 * A predefined AWS alias (alias/aws/s3) whose AWS managed key does not exist yet is not "not
 * found" for DescribeKey and the operations that encrypt under the key they name: loading it
 * creates the key (aws-managed-keys.ts). Who may then do what with it is decided by the same
 * checks as for any key (key-managers.ts is the table authorization consults).
 */

import { aliasArn, keyArn, parseKmsArn } from "../vocabulary/arns.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { OperationName } from "../vocabulary/model.generated.js";
import { awsManagedKeyOnFirstUse } from "./aws-managed-keys.js";
import type { GrantAction } from "./grants.js";
import { assertKeyState } from "./key-states.js";
import { assertKeyFitsOperation } from "./key-usage.js";
import { authorizeKey } from "./policy/authorize.js";
import type { RequestContext } from "./request-context.js";

export interface KeyLocation {
  readonly accountId: string;
  readonly region: string;
}

export interface ResolveOptions extends AccessOptions {
  /** Whether an alias name or alias ARN may name the key (true for most operations). */
  readonly allowAlias?: boolean;
  /**
   * The permission the key is loaded for, when naming a predefined AWS alias may create its
   * AWS managed key (resolveKey sets it; aws-managed-keys.ts says which permissions do).
   */
  readonly firstUse?: GrantAction;
}

export interface AccessOptions {
  /** The permission to authorize when it is not the operation's own: a side of ReEncrypt. */
  readonly action?: GrantAction;
  /** False where the operation accepts a key in any state (the key UpdateAlias moves off). */
  readonly checkState?: boolean;
}

/** Key ids are UUIDs; multi-Region key ids are "mrk-" and 32 hex digits. */
const keyIdPattern =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/i;

export function isWellFormedKeyId(keyId: string): boolean {
  return keyIdPattern.test(keyId);
}

function keyNotFound(arn: string): KmsError {
  return new KmsError("NotFoundException", `Key '${arn}' does not exist`);
}

function invalidKeyId(reference: string): KmsError {
  return new KmsError("NotFoundException", `Invalid keyId '${reference}'`);
}

/**
 * Finds the key a reference names, without checking its state. Throws NotFoundException
 * with AWS's wording when nothing matches.
 */
export async function findKey(
  ctx: RequestContext,
  reference: string,
  options: ResolveOptions = {},
): Promise<KeyRecord> {
  const { store } = ctx.services;
  const { accountId, region } = ctx.caller;
  const allowAlias = options.allowAlias ?? true;

  if (reference.startsWith("arn:")) {
    const arn = parseKmsArn(reference);
    if (!arn) throw new KmsError("NotFoundException", `Invalid arn ${reference}`);
    if (arn.resourceType === "alias" && !allowAlias) throw invalidKeyId(reference);
    // KMS is regional: an ARN naming another Region is rejected before any lookup.
    if (arn.region !== region) throw new KmsError("NotFoundException", `Invalid arn ${arn.region}`);
    if (arn.resourceType === "alias")
      return findByAlias(
        ctx,
        { accountId: arn.accountId, region: arn.region },
        arn.resource,
        options.firstUse,
      );
    const key = await store.keys.get(reference);
    if (!key) throw keyNotFound(reference);
    return key;
  }
  if (reference.startsWith("alias/")) {
    if (!allowAlias) throw invalidKeyId(reference);
    return findByAlias(ctx, { accountId, region }, reference, options.firstUse);
  }
  if (!isWellFormedKeyId(reference)) throw invalidKeyId(reference);
  const arn = keyArn(region, accountId, reference);
  const key = await store.keys.get(arn);
  if (!key) throw keyNotFound(arn);
  return key;
}

async function findByAlias(
  ctx: RequestContext,
  where: KeyLocation,
  aliasName: string,
  firstUse: GrantAction | undefined,
): Promise<KeyRecord> {
  const { store } = ctx.services;
  const alias = await store.aliases.get(where.accountId, where.region, aliasName);
  if (!alias) {
    const created =
      firstUse === undefined
        ? undefined
        : await awsManagedKeyOnFirstUse(ctx, where, aliasName, firstUse);
    if (created) return created;
    const arn = aliasArn(where.region, where.accountId, aliasName);
    throw new KmsError("NotFoundException", `Alias ${arn} is not found.`);
  }
  const arn = keyArn(where.region, where.accountId, alias.targetKeyId);
  const key = await store.keys.get(arn);
  if (!key) throw keyNotFound(arn);
  return key;
}

/** Finds the key a reference names and checks that `operation` may use it (checkKeyAccess). */
export async function resolveKey(
  ctx: RequestContext,
  reference: string,
  operation: OperationName,
  options: ResolveOptions = {},
): Promise<KeyRecord> {
  const key = await findKey(ctx, reference, {
    ...options,
    firstUse: options.action ?? operation,
  });
  return checkKeyAccess(ctx, key, operation, options);
}

/**
 * Every check after loading, in AWS's order: grant tokens, then access denied, then the key's
 * state, then whether the key fits the operation. Returns the key.
 */
export async function checkKeyAccess(
  ctx: RequestContext,
  key: KeyRecord,
  operation: OperationName,
  options: AccessOptions = {},
): Promise<KeyRecord> {
  ctx.audit.resources.push(key.arn);
  // Under TRENT_QUOTAS=aws, a cryptographic operation's quota depends on the key's type.
  ctx.services.requestQuotas?.admitKeyUse(ctx, key);
  const presentedGrants = ctx.grantTokens.grantIds();
  await authorizeKey(ctx, key, operation, { action: options.action, presentedGrants });
  if (options.checkState === false) return key;
  assertKeyState(key, operation);
  assertKeyFitsOperation(key, operation, options.action);
  return key;
}
