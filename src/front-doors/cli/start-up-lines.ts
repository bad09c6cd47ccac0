/**
 * What `trent serve` and `npm start` print once Trent listens: the URL first (tests and scripts
 * read it from "Trent listening on <url>"), then where everything is, in plain words: data
 * directory, database, root key, audit file, auth mode, account and Region, the console. A user who reads
 * these lines knows which files hold their keys and who may call. Never a password.
 */
import { join } from "node:path";
import { auditFilePath } from "../../platform/audit/sinks.js";
import { rootKeyFileName } from "../../platform/crypto/root-key.js";
import { storeFacts } from "../../platform/store/configured-store.js";
import { nameOf, type TrentConfig } from "../../vocabulary/config.js";

function dataDirectory(config: TrentConfig): string {
  if (config.databaseUrl !== undefined) return "none: the state is in PostgreSQL";
  return config.dataDir === ":memory:"
    ? ":memory: (nothing is written to disk; everything is lost when Trent stops)"
    : config.dataDir;
}

function database(config: TrentConfig): string {
  const { engine, location } = storeFacts(config, false);
  if (engine === "postgresql") {
    const user = new URL(config.databaseUrl ?? "postgres://invalid").username;
    return `PostgreSQL ${location}${user === "" ? "" : ` as ${decodeURIComponent(user)}`}`;
  }
  return location === "memory" ? "SQLite in memory" : `SQLite ${location}`;
}

function rootKey(config: TrentConfig): string {
  const previous = config.previousRootKeys.length + config.previousRootKeyFiles.length;
  const previousLabels = config.pkcs11?.previousKeyLabels.length ?? 0;
  const rotation =
    previous + previousLabels > 0
      ? `; ${previous + previousLabels} previous root key(s) of a rotation in progress`
      : "";
  let current: string;
  if (config.rootKey !== undefined) current = `given in ${nameOf(config, "rootKey")}`;
  else if (config.rootKeyFile !== undefined)
    current = `file ${config.rootKeyFile} (${nameOf(config, "rootKeyFile")})`;
  else if (config.pkcs11?.keyLabel !== undefined)
    current = `key '${config.pkcs11.keyLabel}' in PKCS#11 token '${config.pkcs11.tokenLabel}' (module ${config.pkcs11.module})`;
  else if (config.pkcs11 !== undefined) current = "none current";
  else if (config.dataDir === ":memory:") current = "random, held in memory by this process only";
  else
    current = `file ${join(config.dataDir, rootKeyFileName)}, generated on first start (for a developer's machine only: see docs/security.md)`;
  return current + rotation;
}

function audit(config: TrentConfig): string {
  const file = auditFilePath(config);
  const where = [file ?? "no file", ...(config.auditStdout ? ["standard output"] : [])].join(
    " and ",
  );
  return config.auditFsync && file !== undefined ? `${where}, flushed to disk (fsync)` : where;
}

function auth(config: TrentConfig): string {
  return config.authMode === "open"
    ? "open: any or no signature, every caller acts as the account root"
    : `sigv4: signatures verified against ${config.credentialsFile}`;
}

function consoleLine(config: TrentConfig, url: string): string {
  if (!config.console) return `off (${nameOf(config, "console")})`;
  return config.authMode === "open"
    ? `${url}/console (from this machine only: open mode signs in as the account root)`
    : `${url}/console (sign in with an access key from the credentials file)`;
}

function workersLine(workers: number): string {
  return workers === 1
    ? "  workers   1 process (TRENT_WORKERS)"
    : `  workers   ${workers} processes on one port (TRENT_WORKERS); the primary writes the audit trail and runs the sweeps`;
}

export function startUpLines(
  config: TrentConfig,
  url: string,
  version: string,
  workers = 1,
): string[] {
  return [
    `Trent listening on ${url}`,
    `  version   ${version}`,
    `  data dir  ${dataDirectory(config)}`,
    `  database  ${database(config)}`,
    `  root key  ${rootKey(config)}`,
    `  audit     ${audit(config)}`,
    `  auth      ${auth(config)}`,
    config.authMode === "open"
      ? `  account   ${config.accountId}, region ${config.region}`
      : `  account   each identity's own; region ${config.region} unless a signature names one`,
    `  console   ${consoleLine(config, url)}`,
    workersLine(workers),
  ];
}
