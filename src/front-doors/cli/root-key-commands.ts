/**
 * `trent root-key`: prints a new random root key; `trent root-key rotate` re-seals everything
 * under the current root key and retires old versions; `trent root-key status` shows the
 * registry. The subcommands are configured like `trent serve` (the same TRENT_* variables: the
 * new key as current, the old ones as previous) and connect to the store directly, beside
 * running servers.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { rotateRootKey } from "../../domain/root-key-rotation.js";
import { openRootKeys } from "../../domain/root-key-sources.js";
import { legacyRootKeyVersion } from "../../domain/root-keyring.js";
import { proveRootKeys, rootKeyStatus } from "../../domain/root-keys.js";
import { createSystemRandom } from "../../platform/crypto/random.js";
import { newRootKeyText, rootKeyFileName } from "../../platform/crypto/root-key.js";
import { openConfiguredStore, storeDescription } from "../../platform/store/configured-store.js";
import type { Store } from "../../platform/store/store.js";
import {
  ConfigError,
  checkRootKeyConfig,
  currentRootKeySources,
  type TrentConfig,
} from "../../vocabulary/config.js";
import { addSettingFlags, configOfFlags } from "./setting-flags.js";

type StoreFlags = Readonly<Record<string, unknown>>;

const stderr = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const stdout = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function configOf(flags: StoreFlags): TrentConfig {
  const config = configOfFlags(flags);
  checkRootKeyConfig(config);
  return config;
}

async function withStore<T>(
  config: TrentConfig,
  work: (store: Store, keys: Awaited<ReturnType<typeof openRootKeys>>) => Promise<T>,
): Promise<T> {
  const keys = await openRootKeys(config, stderr);
  try {
    const store = await openConfiguredStore(config, stderr);
    try {
      return await work(store, keys);
    } finally {
      await store.close();
    }
  } finally {
    keys.close();
  }
}

function date(value: Date | undefined): string {
  return value === undefined ? "-" : value.toISOString();
}

export function addRootKeyCommands(program: Command): void {
  const rootKey = program
    .command("root-key")
    .description(
      "print a new random root key (base64) for TRENT_ROOT_KEY or TRENT_ROOT_KEY_FILE; see also `root-key rotate` and `root-key status`",
    )
    .action(() => {
      stdout(newRootKeyText());
    });

  addSettingFlags(
    rootKey
      .command("rotate")
      .description(
        "re-seal everything under the current root key, online and resumable, then retire root key versions nothing refers to",
      )
      .option("--batch-size <rows>", "rows re-sealed per transaction", "200")
      .option(
        "--pause <ms>",
        "milliseconds to wait between batches, to spare a busy database",
        "0",
      ),
    ["Store", "Root key"],
  ).action(async (flags: StoreFlags & { batchSize: string; pause: string }) => {
    const batchSize = Number(flags.batchSize);
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new ConfigError(`--batch-size must be a positive integer, got '${flags.batchSize}'`);
    const pauseMs = Number(flags.pause);
    if (!Number.isInteger(pauseMs) || pauseMs < 0)
      throw new ConfigError(`--pause must be an integer >= 0, got '${flags.pause}'`);
    const config = configOf(flags);
    const random = createSystemRandom();
    const result = await withStore(config, async (store, keys) => {
      const custody = await proveRootKeys(store, keys.configured, {
        now: () => new Date(),
        randomBytes: (length) => random.bytes(length),
        location: storeDescription(config, false),
      });
      for (const warning of keys.warnings) stderr(warning);
      stdout(custody.summary);
      return rotateRootKey(store, custody.keyring, {
        now: () => new Date(),
        batchSize,
        pauseMs,
        progress: stdout,
      });
    });
    stdout(
      `done: ${result.resealed} rows re-sealed${result.changed > 0 ? `, ${result.changed} changed or deleted while the run read them` : ""}`,
    );
    if (result.remaining.length > 0) process.exitCode = 2;
  });

  addSettingFlags(
    rootKey
      .command("status")
      .description(
        "show the root key versions, which configured key is which, and rows per version",
      ),
    ["Store", "Root key"],
  ).action(async (flags: StoreFlags) => {
    const config = configOf(flags);
    const status = await withStore(config, (store, keys) => rootKeyStatus(store, keys.configured));
    const counts = new Map(status.counts.map((count) => [count.version, count]));
    stdout(`root key versions in ${storeDescription(config, false)}:`);
    if (status.registry.length === 0) stdout("  none registered yet");
    for (const record of status.registry) {
      const count = counts.get(record.version);
      stdout(
        `  version ${record.version}: registered ${date(record.createdAt)}, ${record.retiredAt ? `retired ${date(record.retiredAt)}` : "in use"}; key materials ${count?.keyMaterials ?? 0}, sealed secrets ${count?.sealedSecrets ?? 0}`,
      );
    }
    const unversioned = counts.get(undefined);
    if (unversioned !== undefined)
      stdout(
        `  no version recorded (from before root key versions): key materials ${unversioned.keyMaterials}`,
      );
    stdout("configured root keys:");
    for (const key of status.configured)
      stdout(
        `  ${key.source} (${key.role}): ${key.version === undefined ? "opens no registered version" : `version ${key.version}`}`,
      );
  });
}

/**
 * After `trent restore`: whether the configured root keys open every root key version that
 * seals the restored data, as a line to print; undefined when no root key is configured and the
 * data directory has none (then there is nothing to check, and nothing must be generated).
 */
export async function restoredRootKeyFit(config: TrentConfig): Promise<string | undefined> {
  if (
    currentRootKeySources(config).length === 0 &&
    !existsSync(join(config.dataDir, rootKeyFileName))
  )
    return undefined;
  const status = await withStore(config, (store, keys) => rootKeyStatus(store, keys.configured));
  const opened = new Set(status.configured.map((key) => key.version));
  const inUse = status.counts
    .filter((count) => count.keyMaterials + count.sealedSecrets > 0)
    .map((count) => count.version ?? legacyRootKeyVersion);
  const missing = [...new Set(inUse)].filter((version) => !opened.has(version));
  if (missing.length > 0)
    return `Warning: none of the configured root keys opens root key version ${missing.join(", ")}, which seals keys in the restored database: Trent will refuse to start until it is given that key.`;
  return `The configured root key opens every key in the restored database (root key version ${[...new Set(inUse)].join(", ") || "none in use"}).`;
}
