/**
 * What every seeded item's checks share: the list of problems found (each named by its place in
 * the seed document), how a broken KMS rule reads as a problem, the model's constraints checked
 * field by field, and the key a seeded alias or grant refers to. Seeding (seed-keys.ts,
 * seed-aliases.ts, seed-grants.ts) checks everything before anything is written.
 */
import { keyArn, parseKmsArn } from "../vocabulary/arns.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import { isKmsError } from "../vocabulary/kms-errors.js";
import { validationErrors } from "../vocabulary/validation.js";
import { isWellFormedKeyId } from "./key-access.js";
import { fieldLocation, type SeedPlace, seedProblem } from "./seed-plan.js";

/** Problems found while preparing, each with its place in the seed document. */
export class SeedProblems {
  readonly list: string[] = [];

  add(place: SeedPlace, field: string | undefined, problem: string): void {
    this.list.push(seedProblem(fieldLocation(place, field), problem));
  }

  /** Runs `rule`; whether it held (a rule it breaks becomes a problem at `field`). */
  passes(place: SeedPlace, field: string | undefined, rule: () => void): boolean {
    return (
      this.check(place, field, () => {
        rule();
        return true;
      }) === true
    );
  }

  /** Runs `check`; a rule it breaks becomes a problem at `field`, and the result undefined. */
  check<T>(place: SeedPlace, field: string | undefined, check: () => T): T | undefined {
    try {
      return check();
    } catch (error) {
      this.add(place, field, describeFailure(error));
      return undefined;
    }
  }
}

/** A KMS rule's error as a line of a seed problem: AWS's message, or its type when it has none. */
export function describeFailure(error: unknown): string {
  if (isKmsError(error)) return error.message === "" ? error.type : error.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * The model's constraint failures of `input` (a request shape made in `region`, whose enums
 * hold the Region's values), each at its field.
 */
export function checkModel(
  problems: SeedProblems,
  place: SeedPlace,
  shape: string,
  input: unknown,
  fields: Readonly<Record<string, string>>,
  region: string,
): boolean {
  const errors = validationErrors(shape, input, region);
  for (const error of errors) {
    // "Value '…' at 'tags.1.member.tagKey' failed to satisfy …": the member names the field.
    const member = /at '([^'.]+)/.exec(error)?.[1];
    problems.add(place, member === undefined ? undefined : (fields[member] ?? member), error);
  }
  return errors.length === 0;
}

/** The key a seeded alias or grant names, looked up among the seed's keys and the store's. */
export type KeyLookup = (arn: string) => KeyRecord | undefined;

/** The ARN a key reference of a seeded alias or grant names (key id or key ARN). */
export function referencedArn(
  problems: SeedProblems,
  place: SeedPlace,
  field: string,
  accountId: string,
  region: string,
  reference: string,
): string | undefined {
  if (reference.startsWith("arn:")) {
    const arn = parseKmsArn(reference);
    if (arn?.resourceType !== "key") {
      problems.add(place, field, `'${reference}' is not a key ARN`);
      return undefined;
    }
    if (arn.accountId !== accountId || arn.region !== region) {
      problems.add(
        place,
        field,
        `${reference} is not a key of account ${accountId} in ${region}, where this item is`,
      );
      return undefined;
    }
    return reference;
  }
  if (!isWellFormedKeyId(reference)) {
    problems.add(place, field, `'${reference}' is not a key id or key ARN`);
    return undefined;
  }
  return keyArn(region, accountId, reference);
}
