/**
 * The seed front door: a seed file (Trent's format or local-kms's, told apart by their
 * top-level fields), YAML text, or a seed document given as an object is read into a plan and
 * handed to the core's seeding entry (core/seeding.ts), which checks it all and applies it in
 * one transaction. Start-up (TRENT_SEED_FILE, KMS_SEED_PATH), `trent seed apply` and the
 * embedding API all come through applySeed.
 */
import { readFileSync } from "node:fs";
import { applySeedPlan, type SeedReport } from "../../core/seeding.js";
import { SeedError, type SeedPlan } from "../../domain/seed-plan.js";
import type { Services } from "../../domain/services.js";
import { looksLikeLocalKms, readLocalKmsSeed } from "./local-kms-seed-format.js";
import { SeedDocument } from "./seed-document.js";
import { readTrentSeed, type SeedDefaults } from "./trent-seed-format.js";

/**
 * A seed: the path of a seed file; `{ yaml, name }`, the text of one; or a seed document as a
 * plain object (Trent's format, or local-kms's), as an embedder writes it in code.
 */
export type SeedInput =
  | string
  | { readonly path: string }
  | { readonly yaml: string; readonly name?: string }
  | Readonly<Record<string, unknown>>;

/** What applySeed needs of a running Trent (or of one opened without listening). */
export interface SeedTarget {
  readonly services: Services;
}

function readFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SeedError([`${path}: cannot read the seed file: ${reason}`]);
  }
}

function documentOf(input: SeedInput): SeedDocument {
  if (typeof input === "string") return SeedDocument.parse(readFile(input), input);
  const { path, yaml, name } = input as Readonly<Record<string, unknown>>;
  if (typeof path === "string" && Object.keys(input).length === 1)
    return SeedDocument.parse(readFile(path), path);
  if (typeof yaml === "string")
    return SeedDocument.parse(yaml, typeof name === "string" ? name : "seed");
  return SeedDocument.of(input, "seed");
}

/**
 * Reads a seed into a plan, in whichever format it is written. Throws SeedError naming every
 * problem (file:line:col and the path in the document) when its shape or values are wrong.
 */
export function readSeed(input: SeedInput, defaults: SeedDefaults): SeedPlan {
  const doc = documentOf(input);
  if (doc.problems.length > 0) throw new SeedError(doc.problems);
  const plan = looksLikeLocalKms(doc.root)
    ? readLocalKmsSeed(doc, defaults)
    : readTrentSeed(doc, defaults);
  if (doc.problems.length > 0) throw new SeedError(doc.problems);
  return plan;
}

/**
 * Applies a seed to Trent: every key, alias and grant it declares is created unless it exists
 * already (then it is left as it is, and reported). A seed with any problem changes nothing.
 * Top-level items of Trent's format and every item of local-kms's go to the configured account
 * and Region.
 */
export async function applySeed(target: SeedTarget, input: SeedInput): Promise<SeedReport> {
  const { accountId, region } = target.services.config;
  return applySeedPlan(target.services, readSeed(input, { accountId, region }));
}

/** A report as lines for an operator: what was created, skipped and warned about. */
export function seedReportLines(report: SeedReport): string[] {
  const count = (n: number, what: string) =>
    `${n} ${what}${n === 1 ? "" : what.endsWith("s") ? "es" : "s"}`;
  const lines = [
    `seed ${report.source} (${report.format === "trent" ? "Trent" : "local-kms"} format): created ${count(report.createdKeys.length, "key")}, ${count(report.createdAliases.length, "alias")}, ${count(report.createdGrants.length, "grant")}; ${report.skipped.length} already there`,
  ];
  for (const line of report.skipped) lines.push(`  skipped: ${line}`);
  for (const line of report.warnings) lines.push(`  warning: ${line}`);
  return lines;
}
