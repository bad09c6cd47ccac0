/**
 * The `trent` command: one program, one help style, every setting a flag of the commands that
 * use it (setting-flags.ts). `trent serve` starts the service (npm start runs the same command);
 * `trent status` asks a running one how it is; `trent root-key` prints a fresh root key, and
 * rotates or shows the root keys sealing the store (root-key-commands.ts); `trent backup` and
 * `trent restore` copy the embedded SQLite store out of and into a data directory
 * (docs/backup.md); `trent seed apply` and `trent export` (seed-commands.ts); `trent audit`
 * queries and verifies the audit trail (audit-commands.ts).
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Command } from "commander";
import { rootKeyFileName } from "../../platform/crypto/root-key.js";
import { backupSqliteStore, restoreSqliteStore } from "../../platform/store/sqlite-backup.js";
import {
  ConfigError,
  currentRootKeySources,
  nameOf,
  type TrentConfig,
} from "../../vocabulary/config.js";
import { workerCount } from "../cluster/worker-count.js";
import { addAuditCommands } from "./audit-commands.js";
import { addRootKeyCommands, restoredRootKeyFit } from "./root-key-commands.js";
import { addSeedCommands, type OpenTrent } from "./seed-commands.js";
import { type ServingTrent, serveUntilStopped } from "./serving.js";
import { addSettingFlags, configOfFlags } from "./setting-flags.js";
import { startUpLines } from "./start-up-lines.js";
import { addStatusCommand } from "./status-command.js";

interface CopyFlags {
  force?: boolean;
}

/**
 * The data directory a backup or restore works on, as `trent serve` would find it. Refused
 * for PostgreSQL, whose own tools do this job, and for an in-memory store, which has no file.
 */
function sqliteDataDir(
  flags: Readonly<Record<string, unknown>>,
  command: string,
  postgresAdvice: string,
): TrentConfig {
  const config = configOfFlags(flags);
  if (config.databaseUrl !== undefined)
    throw new ConfigError(
      `trent ${command} works on the embedded SQLite store, but ${nameOf(config, "databaseUrl")} is set: ${postgresAdvice} (see docs/backup.md)`,
    );
  if (config.dataDir === ":memory:")
    throw new ConfigError(
      `${nameOf(config, "dataDir")} is :memory:, which has no database file: name a data directory`,
    );
  return config;
}

/** Where this store's root key is, for the reminder that a backup does not hold it. */
function rootKeySource(config: TrentConfig): string {
  const sources = currentRootKeySources(config);
  if (sources.length > 0) return `this store's root key comes from ${sources.join(", ")}`;
  const file = join(config.dataDir, rootKeyFileName);
  return existsSync(file)
    ? `this store's root key is ${file}`
    : `the root key is neither configured (${(["rootKey", "rootKeyFile", "pkcs11Module"] as const).map((key) => nameOf(config, key)).join(", ")}) nor in ${file}: keep the one its server runs with`;
}

/** Where the embedded default keeps the root key, when that is where this one comes from. */
function rootKeyFile(config: TrentConfig): string | undefined {
  return currentRootKeySources(config).length === 0
    ? join(config.dataDir, rootKeyFileName)
    : undefined;
}

/** What `trent serve` starts: given by the composition root, so this front door wires nothing. */
export type StartTrent = (config: TrentConfig) => Promise<ServingTrent>;

/** TRENT_WORKERS > 1: the primary and its workers, composed by src/cluster.ts. */
export interface ClusterParts {
  /** True in a process the primary forked. */
  readonly isWorker: boolean;
  startPrimary(config: TrentConfig, count: number): Promise<ServingTrent>;
  startWorker(config: TrentConfig, count: number): Promise<void>;
}

export interface TrentProgramParts {
  readonly startTrent: StartTrent;
  /** Serves with several processes; without it `trent serve` always runs one. */
  readonly cluster?: ClusterParts;
  /** Opens a store without serving it, for `trent seed apply` and `trent export`. */
  readonly openTrent?: OpenTrent;
  /** Trent's version, from its package.json. */
  readonly version: string;
}

/** The `trent` command line; src/trent.ts and src/main.ts run it. */
export function trentProgram({
  startTrent,
  openTrent,
  cluster,
  version,
}: TrentProgramParts): Command {
  const program = new Command()
    .name("trent")
    .description(
      "Trent: a key management service that speaks the AWS KMS API. Every flag of `trent serve` has an environment variable, named in its help; a flag wins over its variable.",
    )
    .version(version, "-v, --version", "print Trent's version")
    .helpOption("-h, --help", "show the help of trent or of a command")
    .helpCommand("help [command]", "show the help of a command")
    .showHelpAfterError("(trent <command> --help lists the command's options)");

  addSettingFlags(
    program
      .command("serve")
      .description(
        "start Trent: the KMS endpoint, /health and /_trent/status (npm start runs this)",
      ),
    ["Server", "Store", "Root key", "Callers", "Audit", "Limits"],
  ).action(async (flags: Readonly<Record<string, unknown>>) => {
    const config = configOfFlags(flags);
    const workers = cluster ? workerCount(config) : 1;
    if (cluster?.isWorker) {
      // A worker runs this same command; the primary prints and handles signals for all.
      await cluster.startWorker(config, workers);
      return;
    }
    const trent =
      cluster && workers > 1
        ? await cluster.startPrimary(config, workers)
        : await startTrent(config);
    serveUntilStopped(
      trent,
      startUpLines(config, trent.url, version, workers),
      config.tlsCertFile !== undefined,
    );
  });

  addStatusCommand(program);
  addRootKeyCommands(program);
  if (openTrent) addSeedCommands(program, openTrent);
  addAuditCommands(program);

  addSettingFlags(
    program
      .command("backup")
      .description(
        "write a consistent snapshot of a SQLite store to <file>, while its server keeps running; the root key is not in it",
      )
      .argument("<file>", "backup file to create (mode 0600)")
      .option("--force", "overwrite <file> if it exists"),
    ["Store", "Root key"],
  ).action(async (file: string, flags: CopyFlags & Readonly<Record<string, unknown>>) => {
    const config = sqliteDataDir(flags, "backup", "back PostgreSQL up with pg_dump");
    const result = await backupSqliteStore(config.dataDir, file, { force: flags.force === true });
    process.stdout.write(
      `Backed up ${result.source} to ${result.file} (${result.keys} keys, ${result.bytes} bytes, integrity check ok).\n` +
        `The root key is NOT in the backup: keep it separately, never beside the backup; without it the keys in the backup cannot be used (${rootKeySource(config)}).\n`,
    );
    if (resolve(dirname(result.file)) === resolve(config.dataDir))
      process.stdout.write(
        "Warning: the backup is in the data directory itself; move it elsewhere, away from the root key.\n",
      );
  });

  addSettingFlags(
    program
      .command("restore")
      .description(
        "restore a backup written by `trent backup` into a data directory; Trent must not be running on it",
      )
      .argument("<file>", "backup file written by `trent backup`")
      .option("--force", "replace the database the data directory already holds"),
    ["Store", "Root key"],
  ).action(async (file: string, flags: CopyFlags & Readonly<Record<string, unknown>>) => {
    const config = sqliteDataDir(flags, "restore", "restore PostgreSQL with pg_restore or psql");
    const result = await restoreSqliteStore(file, config.dataDir, {
      force: flags.force === true,
    });
    const keyFile = rootKeyFile(config);
    let rootKeyNote =
      "Trent opens the restored keys only with the root key they were sealed under: start it with that key.\n";
    if (keyFile !== undefined)
      rootKeyNote = existsSync(keyFile)
        ? `Trent opens the restored keys only with the root key they were sealed under: ${keyFile} must be that key.\n`
        : `Warning: ${keyFile} does not exist and no root key is configured. Put the root key the backup's keys were sealed under there before starting Trent: otherwise Trent generates a new root key, which cannot open them.\n`;
    const fit = await restoredRootKeyFit(config);
    process.stdout.write(
      `Restored ${file} into ${result.database} (${result.keys} keys).\n${rootKeyNote}${fit === undefined ? "" : `${fit}\n`}`,
    );
  });
  return program;
}

/**
 * Runs the program on `args` (the words after the command's name). A configuration error or a
 * failed command ends the process with one line on standard error and status 1, never a stack.
 */
export async function runTrentCommand(program: Command, args: readonly string[]): Promise<void> {
  try {
    await program.parseAsync([...args], { from: "user" });
  } catch (error) {
    const message =
      error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`trent: ${message}\n`);
    process.exit(1);
  }
}
