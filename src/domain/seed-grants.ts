/**
 * Seeding grants: a grant with a fixed grant id on a key of the seed or the store, checked
 * against CreateGrant's rules (grants.ts) and the model's constraints, and written unless a grant
 * with that id exists. Tokens are minted when the seed is applied (core/seeding.ts), never
 * stored.
 */
import type { Store } from "../platform/store/store.js";
import { accountRootArn } from "../vocabulary/arns.js";
import type { GrantRecord } from "../vocabulary/grant-records.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import type { GrantConstraints } from "../vocabulary/types.generated.js";
import { assertWellFormedGrantId, checkGrantRequest } from "./grants.js";
import { assertKeyState } from "./key-states.js";
import { checkModel, type KeyLookup, referencedArn, type SeedProblems } from "./seed-checks.js";
import type { SeedGrant } from "./seed-plan.js";

/**
 * Checks a seeded grant: CreateGrant's model constraints, the operations and constraints its
 * key supports, a well-formed grant id; builds its record. A key the store holds must be in a
 * state CreateGrant accepts; a key the seed creates is new.
 */
export function prepareSeedGrant(
  problems: SeedProblems,
  grant: SeedGrant,
  findKey: KeyLookup,
  now: Date,
): GrantRecord | undefined {
  const { place } = grant;
  const before = problems.list.length;
  problems.check(place, "id", () => assertWellFormedGrantId(grant.grantId));
  checkModel(
    problems,
    place,
    "CreateGrantRequest",
    {
      KeyId: grant.keyId,
      GranteePrincipal: grant.granteePrincipal,
      RetiringPrincipal: grant.retiringPrincipal,
      Operations: [...grant.operations],
      Constraints: grant.constraints,
      Name: grant.name,
    },
    {
      keyId: "key",
      granteePrincipal: "grantee",
      retiringPrincipal: "retiringPrincipal",
      operations: "operations",
      constraints: "constraints",
      name: "name",
    },
    grant.region,
  );
  const arn = referencedArn(problems, place, "key", grant.accountId, grant.region, grant.keyId);
  if (arn === undefined || problems.list.length > before) return undefined;
  const key = findKey(arn);
  if (!key) {
    problems.add(place, "key", `no key ${arn} in the seed or the store`);
    return undefined;
  }
  const checked = problems.check(place, "operations", () =>
    checkGrantRequest(key, grant.operations, grant.constraints as GrantConstraints | undefined),
  );
  if (checked === undefined) return undefined;
  return {
    grantId: grant.grantId,
    keyArn: key.arn,
    region: key.region,
    name: grant.name,
    creationDate: now,
    granteePrincipal: grant.granteePrincipal,
    retiringPrincipal: grant.retiringPrincipal,
    issuingAccount: accountRootArn(key.region, key.accountId),
    operations: checked.operations,
    constraints: checked.constraints,
  };
}

/** Checks that a stored key accepts a new grant now (CreateGrant's state rule). */
export function checkGrantableState(
  problems: SeedProblems,
  grant: SeedGrant,
  key: KeyRecord,
): void {
  problems.check(grant.place, "key", () => assertKeyState(key, "CreateGrant"));
}

export async function seedGrant(tx: Store, grant: GrantRecord): Promise<boolean> {
  if (await tx.grants.find(grant.grantId)) return false;
  await tx.grants.insert(grant);
  return true;
}
