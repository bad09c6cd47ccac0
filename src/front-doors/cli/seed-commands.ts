/**
 * `trent seed apply FILE` applies a seed file (Trent's format or local-kms's) to a store, and
 * `trent export` writes a store as a seed file (docs/seeding.md). Both open the store the way
 * `trent serve` would (the same TRENT_* variables, --data-dir overriding TRENT_DATA_DIR),
 * without listening, so they work beside a running server on SQLite (WAL) or PostgreSQL: the
 * server reads keys from the store on every request and sees what a seed wrote at once.
 * The composition root hands in how to open Trent, so this front door wires nothing itself.
 */
import { closeSync, existsSync, fchmodSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import type { Services } from "../../domain/services.js";
import { sqliteFileName } from "../../platform/store/sqlite.js";
import { ConfigError, configFromEnv, type TrentConfig } from "../../vocabulary/config.js";
import { applySeed, seedReportLines } from "../seed/apply-seed.js";
import { exportSeed } from "../seed/export-seed.js";

/** Opens Trent on the store `config` names, without listening (app.ts's openTrent). */
export type OpenTrent = (
  config: TrentConfig,
) => Promise<{ readonly services: Services; close(): Promise<void> }>;

interface StoreFlags {
  dataDir?: string;
}

const stdout = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const stderr = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/**
 * The configuration of an existing store: an in-memory one would be gone with the command, and
 * a data directory without a database is a typo more often than a wish for a new store.
 */
function storeConfig(flags: StoreFlags, command: string): TrentConfig {
  const env = { ...process.env };
  if (flags.dataDir !== undefined) env.TRENT_DATA_DIR = flags.dataDir;
  const config = configFromEnv(env);
  if (config.databaseUrl !== undefined) return config;
  if (config.dataDir === ":memory:")
    throw new ConfigError(
      `trent ${command} works on a store that outlives it; the data directory is :memory: (use --data-dir or TRENT_DATA_DIR)`,
    );
  return config;
}

async function withTrent<T>(
  open: OpenTrent,
  config: TrentConfig,
  work: (services: Services) => Promise<T>,
): Promise<T> {
  const trent = await open(config);
  try {
    return await work(trent.services);
  } finally {
    await trent.close();
  }
}

/** Writes `text` to a new or truncated file only its owner can read or write. */
function writeOwnerOnly(file: string, text: string): void {
  const fd = openSync(file, "w", 0o600);
  try {
    // The mode given to open applies only to a file it creates.
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

export function addSeedCommands(program: Command, open: OpenTrent): void {
  const seed = program
    .command("seed")
    .description("apply seed files: keys with fixed ids and material, aliases, grants");

  seed
    .command("apply")
    .description(
      "apply a seed file (Trent's format or local-kms's) to a store; what exists already is left as it is",
    )
    .argument("<file>", "seed file (docs/seeding.md)")
    .option("--data-dir <dir>", "data directory of the store (TRENT_DATA_DIR)")
    .action(async (file: string, flags: StoreFlags) => {
      const config = storeConfig(flags, "seed apply");
      const report = await withTrent(open, config, (services) => applySeed({ services }, file));
      for (const line of seedReportLines(report)) stdout(line);
      // Tokens are minted for this run and stored nowhere: this is the only place to get them
      // (or CreateGrant with the grant's Name and parameters, as AWS answers a retried grant).
      for (const grant of report.grants)
        stdout(`grant ${grant.grantId} of ${grant.keyArn}: token ${grant.token}`);
    });

  program
    .command("export")
    .description("write the store's keys, aliases and grants as a seed file (Trent's format)")
    .option("--data-dir <dir>", "data directory of the store (TRENT_DATA_DIR)")
    .option(
      "--include-material",
      "include plaintext key material (needs -o; the file is created with mode 0600)",
    )
    .option("-o, --output <file>", "write to this file instead of standard output")
    .action(async (flags: StoreFlags & { includeMaterial?: boolean; output?: string }) => {
      const includeMaterial = flags.includeMaterial === true;
      if (includeMaterial && flags.output === undefined)
        throw new ConfigError(
          "--include-material writes plaintext key material: name a file with -o FILE (created with mode 0600), not standard output",
        );
      const config = storeConfig(flags, "export");
      if (config.databaseUrl === undefined && !existsSync(join(config.dataDir, sqliteFileName)))
        throw new ConfigError(
          `${config.dataDir} holds no Trent store (${sqliteFileName}); use --data-dir or TRENT_DATA_DIR`,
        );
      const result = await withTrent(open, config, (services) =>
        exportSeed(services, { includeMaterial, now: new Date() }),
      );
      if (flags.output === undefined) process.stdout.write(result.yaml);
      else writeOwnerOnly(flags.output, result.yaml);
      for (const note of result.notes) stderr(`not exported: ${note}`);
      const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
      const summary = `exported ${count(result.keys, "key", "keys")}, ${count(result.aliases, "alias", "aliases")}, ${count(result.grants, "grant", "grants")}`;
      stderr(flags.output === undefined ? summary : `${summary} to ${flags.output}`);
      if (includeMaterial)
        stderr(
          `Warning: ${flags.output} holds the plaintext key material of ${result.keys} keys. Whoever reads it can use them outside Trent: keep it like the root key, and delete it once applied.`,
        );
    });
}
