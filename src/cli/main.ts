#!/usr/bin/env node
/**
 * The `trent` command. `trent serve` starts the service (configuration from TRENT_* variables,
 * overridden by flags); `trent root-key` prints a fresh root key, and rotates or shows the root
 * keys sealing the store (root-key-commands.ts).
 */
import { Command } from "commander";
import { startTrent } from "../app.js";
import { ConfigError, configFromEnv, storeLocation, type TrentConfig } from "../config.js";
import { addRootKeyCommands } from "./root-key-commands.js";

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
    process.stderr.write(`${trent.rootKeys}\n`);
    process.stdout.write(`Trent listening on ${trent.url} (${storeLocation(config)})\n`);
    const stop = () => void trent.close().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });

addRootKeyCommands(program);

program.parseAsync().catch((error: unknown) => {
  const message =
    error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`trent: ${message}\n`);
  process.exit(1);
});
