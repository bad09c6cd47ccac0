/**
 * Alias rules shared by CreateAlias, UpdateAlias, DeleteAlias and ListAliases: what a valid
 * alias name is, which key an alias may point at, and how an alias looks on the wire.
 * https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html
 *
 * The model already checks AliasName's length (1-256) and pattern (^[a-zA-Z0-9:/_-]+$) before
 * an operation runs; these are the rules KMS adds on top, with KMS's own errors.
 */

import type { Store } from "../platform/store/store.js";
import { aliasArn, keyArn, parseKmsArn } from "../vocabulary/arns.js";
import type { AliasRecord, KeyRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import { messagelessError } from "../vocabulary/messageless-errors.js";
import type { OperationName } from "../vocabulary/model.generated.js";
import type { AliasListEntry } from "../vocabulary/types.generated.js";
import { awsAliasPrefix, predefinedAliasEntries } from "./aws-managed-keys.js";
import { checkKeyAccess, findKey } from "./key-access.js";
import { keySpecs } from "./key-specs.js";
import type { RequestContext } from "./request-context.js";

/** Resource quota "Aliases per KMS key". */
export const maxAliasesPerKey = 50;

const aliasPrefix = "alias/";

/**
 * Checks an alias name the caller wants to create, repoint or delete. KMS's wording, in its
 * order: the prefix (ValidationException with a link to the alias guide), the reserved
 * alias/aws/ prefix (NotAuthorizedException with no message, as KMS answers), then the colon,
 * which the model's pattern admits but KMS refuses.
 */
export function assertAliasName(aliasName: string): void {
  if (!aliasName.startsWith(aliasPrefix) || aliasName.length === aliasPrefix.length)
    throw new KmsError(
      "ValidationException",
      'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
    );
  if (aliasName.startsWith(awsAliasPrefix)) throw messagelessError("reservedAlias");
  if (aliasName.includes(":"))
    throw new KmsError(
      "ValidationException",
      `${aliasName} contains invalid characters for an alias`,
    );
}

function isAliasReference(reference: string): boolean {
  return reference.startsWith(aliasPrefix) || parseKmsArn(reference)?.resourceType === "alias";
}

/** TargetKeyId names a key by key id or key ARN; an alias cannot point at another alias. */
export function assertNotAlias(targetKeyId: string): void {
  if (isAliasReference(targetKeyId))
    throw new KmsError("ValidationException", "Aliases must refer to keys. Not aliases");
}

/**
 * The same request seen through a store transaction, so the alias rules below read and write
 * through it: with SQLite's single connection, a read outside an open transaction would wait
 * for that transaction to end.
 */
export function withStore(ctx: RequestContext, store: Store): RequestContext {
  return { ...ctx, services: { ...ctx.services, store } };
}

export function aliasArnOf(ctx: RequestContext, aliasName: string): string {
  return aliasArn(ctx.caller.region, ctx.caller.accountId, aliasName);
}

/**
 * The caller's alias of that name, locked until the transaction of `ctx`'s store ends (UpdateAlias
 * and DeleteAlias decide from its target), or NotFoundException as KMS words it (with the ARN).
 */
export async function findAlias(ctx: RequestContext, aliasName: string): Promise<AliasRecord> {
  const { accountId, region } = ctx.caller;
  const alias = await ctx.services.store.aliases.lock(accountId, region, aliasName);
  if (!alias)
    throw new KmsError("NotFoundException", `Alias ${aliasArnOf(ctx, aliasName)} is not found.`);
  return alias;
}

/** The key an alias points at now; undefined only if it was deleted underneath the alias. */
export function currentTarget(
  ctx: RequestContext,
  alias: AliasRecord,
): Promise<KeyRecord | undefined> {
  return ctx.services.store.keys.get(keyArn(alias.region, alias.accountId, alias.targetKeyId));
}

/**
 * Finds the key an alias is to point at: a key of the caller's own account and Region (aliases
 * never cross accounts) that the caller may alias, in a state `operation` accepts. An AWS
 * managed key is refused by key access like any management of it (key-managers.ts). Runs
 * inside a transaction and locks the key, so the alias quota counted next stays true until
 * the alias is written.
 */
export async function findAliasTarget(
  ctx: RequestContext,
  targetKeyId: string,
  operation: OperationName,
): Promise<KeyRecord> {
  assertNotAlias(targetKeyId);
  const found = await findKey(ctx, targetKeyId, { allowAlias: false });
  const key =
    found.accountId === ctx.caller.accountId
      ? await ctx.services.store.keys.lock(found.arn)
      : undefined;
  if (!key) throw new KmsError("NotFoundException", `Key '${found.arn}' does not exist`);
  return checkKeyAccess(ctx, key, operation);
}

/** Refuses a 51st alias for one key (LimitExceededException, the "Aliases per KMS key" quota). */
export async function assertAliasQuota(ctx: RequestContext, key: KeyRecord): Promise<void> {
  const existing = await ctx.services.store.aliases.list(key.accountId, key.region, {
    limit: maxAliasesPerKey,
    targetKeyId: key.keyId,
  });
  if (existing.length >= maxAliasesPerKey)
    throw new KmsError(
      "LimitExceededException",
      `Key ${key.arn} already has ${maxAliasesPerKey} aliases, the most a KMS key can have.`,
    );
}

type KeyKind = "symmetric" | "asymmetric" | "hmac";

function keyKindOf(key: KeyRecord): KeyKind {
  const family = keySpecs[key.keySpec].family;
  if (family === "symmetric" || family === "hmac") return family;
  return "asymmetric";
}

/**
 * UpdateAlias may only move an alias between keys of the same type (symmetric, asymmetric or
 * HMAC) and key usage, so code using the alias keeps working.
 */
export function assertSameKind(current: KeyRecord, next: KeyRecord, aliasName: string): void {
  if (keyKindOf(current) === keyKindOf(next) && current.keyUsage === next.keyUsage) return;
  throw new KmsError(
    "ValidationException",
    `Alias ${aliasName} refers to a ${keyKindOf(current)} ${current.keyUsage} key and cannot be associated with ${next.arn}, a ${keyKindOf(next)} ${next.keyUsage} key.`,
  );
}

/**
 * One page of ListAliases fetched with one entry of lookahead (limit + 1): the stored aliases
 * after `after` in name order, and, when not filtering by key, the predefined AWS aliases whose
 * key does not exist yet (listed without TargetKeyId, as AWS lists them).
 */
export async function aliasListing(
  ctx: RequestContext,
  page: {
    readonly limit: number;
    readonly after?: string | undefined;
    readonly targetKeyId?: string | undefined;
  },
): Promise<AliasListEntry[]> {
  const { accountId, region } = ctx.caller;
  const fetched = await ctx.services.store.aliases.list(accountId, region, {
    limit: page.limit + 1,
    after: page.after,
    targetKeyId: page.targetKeyId,
  });
  const stored = fetched.map(toAliasListEntry);
  if (page.targetKeyId !== undefined) return stored;
  // A predefined alias whose key exists is stored. It is among the stored aliases fetched when
  // it sorts before the last of them, or when the store had no more to give.
  const names = new Set(stored.map((entry) => entry.AliasName));
  const last = stored.at(-1)?.AliasName;
  const complete = fetched.length <= page.limit;
  const predefined = predefinedAliasEntries({ accountId, region }).filter(
    ({ AliasName: name = "" }) =>
      (page.after === undefined || name > page.after) &&
      !names.has(name) &&
      (complete || (last !== undefined && name < last)),
  );
  return [...stored, ...predefined]
    .sort((a, b) => ((a.AliasName ?? "") < (b.AliasName ?? "") ? -1 : 1))
    .slice(0, page.limit + 1);
}

export function toAliasListEntry(alias: AliasRecord): AliasListEntry {
  return {
    AliasName: alias.aliasName,
    AliasArn: aliasArn(alias.region, alias.accountId, alias.aliasName),
    TargetKeyId: alias.targetKeyId,
    CreationDate: alias.creationDate,
    LastUpdatedDate: alias.lastUpdatedDate,
  };
}
