/**
 * The one way an operation gets at an existing key: parse the reference (key id, key ARN,
 * alias name, alias ARN), load the key, check the state table for the operation, and note the
 * ARN for the audit record. The order of these checks decides which error a client sees.
 *
 * AWS's NotFoundException wording, by kind of reference:
 *   malformed key id (not a UUID or mrk- id)   Invalid keyId <reference>
 *   unknown key id or key ARN                  Key '<key ARN>' does not exist
 *   ARN of another Region                      Invalid arn <the ARN's Region>
 *   unknown alias name or alias ARN            Alias <alias ARN> is not found.
 * Operations whose KeyId takes only a key id or key ARN (EnableKey, DisableKey,
 * ScheduleKeyDeletion, ...) pass allowAlias: false, so an alias there is an invalid key id.
 */

import { aliasArn, keyArn, parseKmsArn } from "../vocabulary/arns.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { OperationName } from "../vocabulary/model.generated.js";
import { assertKeyState } from "./key-states.js";
import { authorizeKey } from "./policy/authorize.js";
import type { RequestContext } from "./request-context.js";

export interface KeyLocation {
  readonly accountId: string;
  readonly region: string;
}

export interface ResolveOptions {
  /** Whether an alias name or alias ARN may name the key (true for most operations). */
  readonly allowAlias?: boolean;
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
  return new KmsError("NotFoundException", `Invalid keyId ${reference}`);
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
      return findByAlias(ctx, { accountId: arn.accountId, region: arn.region }, arn.resource);
    const key = await store.keys.get(reference);
    if (!key) throw keyNotFound(reference);
    return key;
  }
  if (reference.startsWith("alias/")) {
    if (!allowAlias) throw invalidKeyId(reference);
    return findByAlias(ctx, { accountId, region }, reference);
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
): Promise<KeyRecord> {
  const { store } = ctx.services;
  const alias = await store.aliases.get(where.accountId, where.region, aliasName);
  if (!alias) {
    const arn = aliasArn(where.region, where.accountId, aliasName);
    throw new KmsError("NotFoundException", `Alias ${arn} is not found.`);
  }
  const arn = keyArn(where.region, where.accountId, alias.targetKeyId);
  const key = await store.keys.get(arn);
  if (!key) throw keyNotFound(arn);
  return key;
}

/** Finds the key and checks that `operation` may use it in its current state. */
export async function resolveKey(
  ctx: RequestContext,
  reference: string,
  operation: OperationName,
  options: ResolveOptions = {},
): Promise<KeyRecord> {
  const key = await findKey(ctx, reference, options);
  ctx.audit.resources.push(key.arn);
  // AWS's order: a key that does not exist, then access denied, then the key's state.
  await authorizeKey(ctx, key, operation, { reference });
  assertKeyState(key, operation);
  return key;
}
