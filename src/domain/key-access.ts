/**
 * The one way an operation gets at an existing key: parse the reference (key id, key ARN,
 * alias name, alias ARN), load the key, check the state table for the operation, and note the
 * ARN for the audit record. The order of these checks decides which error a client sees.
 */
import type { RequestContext } from "../operations/context.js";
import type { OperationName } from "../protocol/model.generated.js";
import { aliasArn, keyArn, parseKmsArn } from "./arns.js";
import type { KeyRecord } from "./key.js";
import { assertKeyState } from "./key-states.js";
import { KmsError } from "./kms-errors.js";

export interface KeyLocation {
  readonly accountId: string;
  readonly region: string;
}

export interface ResolveOptions {
  /** Whether an alias name or alias ARN may name the key (true for most operations). */
  readonly allowAlias?: boolean;
}

function keyNotFound(arn: string): KmsError {
  return new KmsError("NotFoundException", `Key '${arn}' does not exist`);
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
    if (arn.resourceType === "alias") {
      if (!allowAlias) throw new KmsError("NotFoundException", `Invalid keyId ${reference}`);
      return findByAlias(ctx, { accountId: arn.accountId, region: arn.region }, arn.resource);
    }
    const key = arn.region === region ? await store.keys.get(reference) : undefined;
    if (!key) throw keyNotFound(reference);
    return key;
  }
  if (reference.startsWith("alias/")) {
    if (!allowAlias) throw new KmsError("NotFoundException", `Invalid keyId ${reference}`);
    return findByAlias(ctx, { accountId, region }, reference);
  }
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
  const alias =
    where.region === ctx.caller.region
      ? await store.aliases.get(where.accountId, where.region, aliasName)
      : undefined;
  if (!alias) {
    const arn = aliasArn(where.region, where.accountId, aliasName);
    throw new KmsError("NotFoundException", `Alias ${arn} is not found.`);
  }
  const key = await store.keys.get(keyArn(where.region, where.accountId, alias.targetKeyId));
  if (!key) throw keyNotFound(keyArn(where.region, where.accountId, alias.targetKeyId));
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
  assertKeyState(key, operation);
  return key;
}
