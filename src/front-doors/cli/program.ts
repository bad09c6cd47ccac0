/**
 * The `trent` command. `trent serve` starts the service (configuration from TRENT_* variables,
 * overridden by flags); `trent root-key` prints a fresh root key, and rotates or shows the root
 * keys sealing the store (root-key-commands.ts).
 * `trent backup` and `trent restore` copy the embedded SQLite store out of and into a data
 * directory (docs/backup.md). `trent audit` queries and verifies the audit trail
 * (audit-commands.ts).
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Command } from "commander";
import { rootKeyFileName } from "../../platform/crypto/root-key.js";
import { backupSqliteStore, restoreSqliteStore } from "../../platform/store/sqlite-backup.js";
import {
  ConfigError,
  configFromEnv,
  currentRootKeySources,
  storeLocation,
  type TrentConfig,
} from "../../vocabulary/config.js";
import { addAuditCommands } from "./audit-commands.js";
import { addRootKeyCommands, restoredRootKeyFit } from "./root-key-commands.js";

interface ServeFlags {
  host?: string;
  port?: string;
  dataDir?: string;
  accountId?: string;
  region?: string;
}

function applyFlags(flags: ServeFlags): TrentConfig {
  const env = { ...process.env };
  if (flags.host !== undefined) env.TRENT_HOST = flags.host;
  if (flags.port !== undefined) env.TRENT_PORT = flags.port;
  if (flags.dataDir !== undefined) env.TRENT_DATA_DIR = flags.dataDir;
  if (flags.accountId !== undefined) env.TRENT_ACCOUNT_ID = flags.accountId;
  if (flags.region !== undefined) env.TRENT_REGION = flags.region;
  return configFromEnv(env);
}

interface CopyFlags {
  dataDir?: string;
  force?: boolean;
}

/**
 * The data directory a backup or restore works on, as `trent serve` would find it. Refused
 * for PostgreSQL, whose own tools do this job, and for an in-memory store, which has no file.
 */
function sqliteDataDir(flags: CopyFlags, command: string, postgresAdvice: string): TrentConfig {
  const config = applyFlags({ dataDir: flags.dataDir });
  if (config.databaseUrl !== undefined)
    throw new ConfigError(
      `trent ${command} works on the embedded SQLite store, but TRENT_DATABASE_URL is set: ${postgresAdvice} (see docs/backup.md)`,
    );
  if (config.dataDir === ":memory:")
    throw new ConfigError(
      "the data directory is :memory:, which has no database file; use --data-dir or TRENT_DATA_DIR",
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
    : `the root key is neither configured (TRENT_ROOT_KEY, TRENT_ROOT_KEY_FILE, TRENT_PKCS11_MODULE) nor in ${file}: keep the one its server runs with`;
}

/** Where the embedded default keeps the root key, when that is where this one comes from. */
function rootKeyFile(config: TrentConfig): string | undefined {
  return currentRootKeySources(config).length === 0
    ? join(config.dataDir, rootKeyFileName)
    : undefined;
}

/** What `trent serve` starts: given by the composition root, so this front door wires nothing. */
export type StartTrent = (
  config: TrentConfig,
) => Promise<{ readonly url: string; readonly rootKeys: string; close(): Promise<void> }>;

/** The `trent` command line; src/trent.ts runs it. */
export function trentProgram(startTrent: StartTrent): Command {
  const program = new Command()
    .name("trent")
    .description("Trent: a key management service that speaks the AWS KMS API");

  program
    .command("serve")
    .description("start the KMS endpoint")
    .option("--host <host>", "address to listen on (TRENT_HOST)")
    .option("--port <port>", "port to listen on (TRENT_PORT)")
    .option("--data-dir <dir>", "data directory, or :memory: (TRENT_DATA_DIR)")
    .option("--account-id <id>", "account of open-mode callers (TRENT_ACCOUNT_ID)")
    .option("--region <region>", "default region (TRENT_REGION)")
    .action(async (flags: ServeFlags) => {
      const config = applyFlags(flags);
      const trent = await startTrent(config);
      const stop = () => void trent.close().then(() => process.exit(0));
      // Before the listening line: whoever waits for it may signal at once.
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
      process.stderr.write(`${trent.rootKeys}\n`);
      process.stdout.write(`Trent listening on ${trent.url} (${storeLocation(config)})\n`);
    });

  addRootKeyCommands(program);
  addAuditCommands(program);

  program
    .command("backup")
    .description(
      "write a consistent snapshot of a SQLite store to <file>, while its server keeps running; the root key is not in it",
    )
    .argument("<file>", "backup file to create (mode 0600)")
    .option("--data-dir <dir>", "data directory of the store (TRENT_DATA_DIR)")
    .option("--force", "overwrite <file> if it exists")
    .action(async (file: string, flags: CopyFlags) => {
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

  program
    .command("restore")
    .description(
      "restore a backup written by `trent backup` into a data directory; Trent must not be running on it",
    )
    .argument("<file>", "backup file written by `trent backup`")
    .option("--data-dir <dir>", "data directory to restore into (TRENT_DATA_DIR)")
    .option("--force", "replace the database the data directory already holds")
    .action(async (file: string, flags: CopyFlags) => {
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
