/**
 * Seeding aliases: an alias of a fixed name for a key of the seed or the store, checked against
 * CreateAlias's rules (aliases.ts) and the model's constraints, and written unless an alias of
 * that name exists.
 */
import type { Store } from "../platform/store/store.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import { assertAliasName, assertNotAlias, maxAliasesPerKey } from "./aliases.js";
import { assertKeyState } from "./key-states.js";
import { checkModel, type KeyLookup, referencedArn, type SeedProblems } from "./seed-checks.js";
import type { SeedAlias } from "./seed-plan.js";

/**
 * Checks a seeded alias: CreateAlias's name rules and model constraints, and a customer managed
 * key of the alias's account and Region as its target. `aliasesOf` counts the aliases its
 * target has and will have before this one, for the quota of 50.
 */
export function prepareSeedAlias(
  problems: SeedProblems,
  alias: SeedAlias,
  findKey: KeyLookup,
  aliasesOf: (target: KeyRecord) => number,
): { readonly target: KeyRecord } | undefined {
  const { place } = alias;
  const before = problems.list.length;
  checkModel(
    problems,
    place,
    "CreateAliasRequest",
    { AliasName: alias.aliasName, TargetKeyId: alias.targetKeyId },
    { aliasName: "name", targetKeyId: "target" },
    alias.region,
  );
  if (alias.aliasName.startsWith("alias/aws/"))
    problems.add(
      place,
      "name",
      "alias names beginning with alias/aws/ are reserved for AWS managed keys",
    );
  else problems.check(place, "name", () => assertAliasName(alias.aliasName));
  if (!problems.passes(place, "target", () => assertNotAlias(alias.targetKeyId))) return undefined;
  const arn = referencedArn(
    problems,
    place,
    "target",
    alias.accountId,
    alias.region,
    alias.targetKeyId,
  );
  if (arn === undefined || problems.list.length > before) return undefined;
  const target = findKey(arn);
  if (!target) {
    problems.add(place, "target", `no key ${arn} in the seed or the store`);
    return undefined;
  }
  if (target.keyManager !== "CUSTOMER") {
    problems.add(place, "target", `${arn} is an AWS managed key: aliases of its own are AWS's`);
    return undefined;
  }
  problems.check(place, "target", () => assertKeyState(target, "CreateAlias"));
  if (aliasesOf(target) >= maxAliasesPerKey)
    problems.add(
      place,
      "target",
      `${arn} would have more than ${maxAliasesPerKey} aliases, the most a KMS key can have`,
    );
  return problems.list.length > before ? undefined : { target };
}

export async function seedAlias(
  tx: Store,
  alias: SeedAlias,
  target: KeyRecord,
  now: Date,
): Promise<boolean> {
  if (await tx.aliases.get(alias.accountId, alias.region, alias.aliasName)) return false;
  await tx.aliases.insert({
    accountId: alias.accountId,
    region: alias.region,
    aliasName: alias.aliasName,
    targetKeyId: target.keyId,
    creationDate: now,
    lastUpdatedDate: now,
  });
  return true;
}
