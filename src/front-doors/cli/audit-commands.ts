/**
 * `trent audit`: lists audit records from the audit index, newest first, filtered by key,
 * operation, caller, error and time, as a table or JSON lines; `--follow` keeps printing new
 * ones as they arrive, oldest first, like `tail -f`. `trent audit verify` checks the rotated
 * audit files against their chained, signed digests and names what was edited or removed.
 *
 * Configured like `trent serve` (the same TRENT_* variables, `--data-dir`): the commands find
 * the same audit files and index. They read only; the running server keeps the index
 * (docs/audit.md). verify opens the key store with the root key to get the audit digest key
 * that signs digests; `--without-key` checks the hashes and the chain alone.
 */
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import type { Command } from "commander";
import { openRootKeys } from "../../domain/root-key-sources.js";
import { proveRootKeys } from "../../domain/root-keys.js";
import { AuditFiles } from "../../platform/audit/audit-files.js";
import { openAuditReader } from "../../platform/audit/audit-outputs.js";
import type { AuditFilter, AuditReader } from "../../platform/audit/audit-query.js";
import { maxPageSize } from "../../platform/audit/audit-query.js";
import type { AuditRecord } from "../../platform/audit/cloudtrail-record.js";
import { auditFileName, auditFilePath } from "../../platform/audit/sinks.js";
import { verifyAuditTrail } from "../../platform/audit/verify.js";
import { createSystemRandom } from "../../platform/crypto/random.js";
import { rootKeyFileName } from "../../platform/crypto/root-key.js";
import { openConfiguredStore, storeDescription } from "../../platform/store/configured-store.js";
import { sqliteFileName } from "../../platform/store/sqlite.js";
import {
  ConfigError,
  checkRootKeyConfig,
  configFromEnv,
  currentRootKeySources,
  type TrentConfig,
} from "../../vocabulary/config.js";

interface QueryFlags {
  dataDir?: string;
  key?: string;
  operation?: string;
  caller?: string;
  error?: string;
  since?: string;
  until?: string;
  limit: string;
  nextToken?: string;
  follow?: boolean;
  output: string;
  interval: string;
}

interface VerifyFlags {
  dataDir?: string;
  dir?: string;
  withoutKey?: boolean;
}

const stdout = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const stderr = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function configOf(flags: { dataDir?: string }): TrentConfig {
  const env = { ...process.env };
  if (flags.dataDir !== undefined) env.TRENT_DATA_DIR = flags.dataDir;
  return configFromEnv(env);
}

const relative = /^(\d+)(s|m|h|d)$/;
const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** An ISO 8601 time, or a duration ago: 90s, 15m, 2h, 7d. */
export function parseTime(flag: string, text: string, now: Date = new Date()): Date {
  const match = relative.exec(text);
  if (match) {
    const [, amount, unit] = match as unknown as [string, string, keyof typeof unitMs];
    return new Date(now.getTime() - Number(amount) * unitMs[unit]);
  }
  const time = Date.parse(text);
  if (Number.isNaN(time))
    throw new ConfigError(
      `${flag} must be an ISO 8601 time (2025-05-20T10:00:00Z) or a duration ago (90s, 15m, 2h, 7d), got '${text}'`,
    );
  return new Date(time);
}

function filterOf(flags: QueryFlags): AuditFilter {
  return {
    ...(flags.key === undefined ? {} : { key: flags.key }),
    ...(flags.operation === undefined ? {} : { operation: flags.operation }),
    ...(flags.caller === undefined ? {} : { caller: flags.caller }),
    ...(flags.error === undefined ? {} : { error: flags.error }),
    ...(flags.since === undefined ? {} : { since: parseTime("--since", flags.since) }),
    ...(flags.until === undefined ? {} : { until: parseTime("--until", flags.until) }),
  };
}

function positive(flag: string, text: string, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new ConfigError(`${flag} must be an integer from 1 to ${max}, got '${text}'`);
  return value;
}

function callerOf(record: AuditRecord): string {
  const identity = record.userIdentity as { arn?: string; invokedBy?: string; type?: string };
  return identity.arn ?? identity.invokedBy ?? identity.type ?? "-";
}

function resourcesOf(record: AuditRecord): string {
  const names = record.resources.map((resource) => resource.ARN.replace(/^.*:/, ""));
  return names.length === 0 ? "-" : names.join(",");
}

const columns = ["TIME", "OPERATION", "CALLER", "ERROR", "RESOURCES", "EVENT ID"] as const;

function rowOf(record: AuditRecord): string[] {
  return [
    record.eventTime,
    record.eventName,
    callerOf(record),
    ("errorCode" in record ? record.errorCode : undefined) ?? "-",
    resourcesOf(record),
    record.eventID,
  ];
}

function printTable(records: readonly AuditRecord[], header: boolean): void {
  const rows = records.map(rowOf);
  if (header) rows.unshift([...columns]);
  const widths = columns.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
  for (const row of rows)
    stdout(
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  "),
    );
}

function print(records: readonly AuditRecord[], output: string, header: boolean): void {
  if (output === "json") for (const record of records) stdout(JSON.stringify(record));
  else printTable(records, header);
}

async function readerOf(config: TrentConfig): Promise<AuditReader> {
  const reader = await openAuditReader(config, stderr);
  if (reader) return reader;
  const file = auditFilePath(config);
  if (file === undefined)
    throw new ConfigError(
      "no audit file is configured (TRENT_AUDIT_FILE=none, or a :memory: data directory), so there is no audit index",
    );
  if (config.auditIndex === "none")
    throw new ConfigError("TRENT_AUDIT_INDEX=none: there is no audit index to query");
  throw new ConfigError(
    `the audit index of ${file} does not exist yet: Trent creates it when it starts with this configuration`,
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function list(reader: AuditReader, filter: AuditFilter, flags: QueryFlags): Promise<void> {
  let wanted = positive("--limit", flags.limit, 1_000_000);
  let nextToken = flags.nextToken;
  let header = true;
  while (wanted > 0) {
    const page = await reader.query(filter, {
      limit: Math.min(wanted, maxPageSize),
      ...(nextToken === undefined ? {} : { nextToken }),
    });
    print(page.records, flags.output, header);
    header = false;
    wanted -= page.records.length;
    nextToken = page.nextToken;
    if (nextToken === undefined) return;
  }
  if (nextToken !== undefined) stderr(`more records: --next-token ${nextToken}`);
}

async function follow(reader: AuditReader, filter: AuditFilter, flags: QueryFlags): Promise<void> {
  const intervalMs = positive("--interval", flags.interval, 3_600_000);
  const recent = positive("--limit", flags.limit, maxPageSize);
  // The newest matching records first, in the order they happened, then whatever comes.
  let position = await reader.newestPosition();
  const page = await reader.query(filter, { limit: recent });
  print([...page.records].reverse(), flags.output, true);
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  while (!stopped) {
    const tail = await reader.tail(filter, position, maxPageSize);
    print(tail.records, flags.output, false);
    position = tail.position;
    if (tail.records.length < maxPageSize) await sleep(intervalMs);
  }
}

/**
 * The audit digest key, read from the key store with the configured root key, as `trent serve`
 * does. Refused where no store is: a generated root key must not appear in a wrong directory.
 */
async function auditDigestKey(config: TrentConfig): Promise<Uint8Array> {
  checkRootKeyConfig(config);
  if (config.databaseUrl === undefined) {
    const database = join(config.dataDir, sqliteFileName);
    if (config.dataDir === ":memory:" || !existsSync(database))
      throw new ConfigError(
        `no key store at ${database}: verify reads the audit digest key from it; give --data-dir, or --without-key to check the hashes and the chain only`,
      );
    if (
      currentRootKeySources(config).length === 0 &&
      !existsSync(join(config.dataDir, rootKeyFileName))
    )
      throw new ConfigError(
        `no root key is configured and ${join(config.dataDir, rootKeyFileName)} does not exist: configure the root key the server uses, or use --without-key`,
      );
  }
  const keys = await openRootKeys(config, stderr);
  try {
    const store = await openConfiguredStore(config, stderr);
    try {
      const random = createSystemRandom();
      const custody = await proveRootKeys(store, keys.configured, {
        now: () => new Date(),
        randomBytes: (length) => random.bytes(length),
        location: storeDescription(config, false),
      });
      return custody.auditDigestKey;
    } finally {
      await store.close();
    }
  } finally {
    keys.close();
  }
}

async function verify(flags: VerifyFlags): Promise<void> {
  const config = configOf(flags);
  const configured = auditFilePath(config);
  const name = basename(configured ?? auditFileName);
  const live = flags.dir !== undefined ? join(flags.dir, name) : configured;
  if (live === undefined)
    throw new ConfigError(
      "no audit file is configured (TRENT_AUDIT_FILE=none, or a :memory: data directory): give --dir",
    );
  const key = flags.withoutKey ? undefined : await auditDigestKey(config);
  const files = new AuditFiles(live);
  const report = await verifyAuditTrail(files, key);
  const problems = new Map<string, string[]>();
  for (const problem of report.problems) {
    const list = problems.get(problem.file) ?? [];
    list.push(problem.message);
    problems.set(problem.file, list);
  }
  for (const file of report.files)
    if (file.ok) stdout(`ok      ${file.file} (${file.records} records)`);
  for (const [file, messages] of problems)
    for (const message of messages) stdout(`FAILED  ${file}: ${message}`);
  for (const note of report.notes) stdout(`note    ${note}`);
  if (report.newest)
    stdout(
      `newest digest ${report.newest.file} sha256 ${report.newest.sha256}: keep it elsewhere to detect later removal of the newest files`,
    );
  if (report.problems.length > 0) {
    stdout(`audit trail in ${files.dir}: ${report.problems.length} problems`);
    process.exitCode = 1;
  } else stdout(`audit trail in ${files.dir}: verified`);
}

export function addAuditCommands(program: Command): void {
  const audit = program
    .command("audit")
    .description(
      "list audit records from the audit index, newest first (filters combine); see also `audit verify`",
    )
    .option("--data-dir <dir>", "data directory (TRENT_DATA_DIR)")
    .option("--key <key>", "key id, key ARN, alias name or alias ARN")
    .option("--operation <name>", "operation (eventName), e.g. Decrypt")
    .option("--caller <arn>", "caller's principal ARN, or 'AWS Internal' for service events")
    .option("--error <code>", "error code, e.g. AccessDeniedException, or 'any'")
    .option("--since <time>", "from this time: ISO 8601, or a duration ago (15m, 2h, 7d)")
    .option("--until <time>", "up to this time: ISO 8601, or a duration ago")
    .option("--limit <n>", "records to print (with --follow: recent ones first)", "50")
    .option("--next-token <token>", "continue a listing where the previous one stopped")
    .option("--follow", "keep printing new records as they arrive, oldest first")
    .option("--interval <ms>", "with --follow: how often to look for new records", "1000")
    .option("--output <format>", "table or json (one record per line)", "table")
    .action(async (flags: QueryFlags) => {
      if (flags.output !== "table" && flags.output !== "json")
        throw new ConfigError(`--output must be table or json, got '${flags.output}'`);
      const filter = filterOf(flags);
      const reader = await readerOf(configOf(flags));
      try {
        if (flags.follow) await follow(reader, filter, flags);
        else await list(reader, filter, flags);
      } finally {
        await reader.close();
      }
    });

  audit
    .command("verify")
    .description(
      "check the rotated audit files against their digests and the digest chain; names each file and record that was edited or removed",
    )
    .option("--data-dir <dir>", "data directory (TRENT_DATA_DIR)")
    .option("--dir <dir>", "directory of the audit files (default: that of TRENT_AUDIT_FILE)")
    .option("--without-key", "do not read the audit digest key: check hashes and the chain only")
    // `trent audit` has a --data-dir of its own, which commander gives the value wherever it is.
    .action((flags: VerifyFlags) =>
      verify({ ...flags, dataDir: flags.dataDir ?? audit.opts<VerifyFlags>().dataDir }),
    );
}
