/**
 * Turns the root key configuration into root keys: TRENT_ROOT_KEY, TRENT_ROOT_KEY_FILE, a
 * PKCS#11 token (TRENT_PKCS11_*), or for the embedded default data/root.key; plus the previous
 * keys of a rotation in progress. Shared by `trent serve` and `trent root-key rotate|status`, so
 * both read the same variables the same way. Also says what in this setup deserves a warning:
 * a key file others can read, a root key kept inside the data directory.
 */
import { realpathSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import {
  filePermissionRisk,
  loadOrCreateRootKey,
  RawRootKey,
  readRootKeyFile,
  readSecretFile,
  rootKeyFileName,
} from "../platform/crypto/root-key.js";
import { ConfigError, type TrentConfig } from "../vocabulary/config.js";
import type { LogTarget } from "../vocabulary/ports.js";
import type { ConfiguredRootKey, ConfiguredRootKeys, PendingRootKey } from "./root-keys.js";

export interface OpenedRootKeys {
  readonly configured: ConfiguredRootKeys;
  /** Lines to log at start-up. */
  readonly warnings: readonly string[];
  /** Ends the PKCS#11 session, if any. */
  close(): void;
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function isInside(file: string, dir: string): boolean {
  const path = relative(realPath(dir), realPath(file));
  return path !== "" && !path.startsWith("..") && !isAbsolute(path);
}

export async function openRootKeys(config: TrentConfig, log: LogTarget): Promise<OpenedRootKeys> {
  const warnings: string[] = [];
  const dataDir = config.dataDir === ":memory:" ? undefined : config.dataDir;
  const keyFile = (file: string, variable: string) => {
    const key = readRootKeyFile(file, variable);
    const risk = filePermissionRisk(file);
    if (risk !== undefined) warnings.push(`warning: root key file ${risk}`);
    if (dataDir !== undefined && isInside(file, dataDir))
      warnings.push(
        `warning: the root key file ${file} (${variable}) is inside the data directory ${dataDir}: whoever copies or backs up that directory has the key with the data; keep it elsewhere (docs/security.md)`,
      );
    return key;
  };

  const previous: ConfiguredRootKey[] = config.previousRootKeys.map((bytes, i) => ({
    key: new RawRootKey(bytes, `TRENT_ROOT_KEY_PREVIOUS entry ${i + 1}`),
    source: `TRENT_ROOT_KEY_PREVIOUS entry ${i + 1}`,
  }));
  for (const file of config.previousRootKeyFiles)
    previous.push({
      key: keyFile(file, "TRENT_ROOT_KEY_PREVIOUS_FILE"),
      source: `TRENT_ROOT_KEY_PREVIOUS_FILE ${file}`,
    });

  let current: ConfiguredRootKey | PendingRootKey | undefined;
  let close = () => {};
  if (config.rootKey !== undefined)
    current = { key: new RawRootKey(config.rootKey, "TRENT_ROOT_KEY"), source: "TRENT_ROOT_KEY" };
  else if (config.rootKeyFile !== undefined)
    current = {
      key: keyFile(config.rootKeyFile, "TRENT_ROOT_KEY_FILE"),
      source: `TRENT_ROOT_KEY_FILE ${config.rootKeyFile}`,
    };

  const pkcs11 = config.pkcs11;
  if (pkcs11 !== undefined) {
    let pin: string;
    let pinOrigin = "TRENT_PKCS11_PIN";
    if (pkcs11.pin !== undefined) pin = pkcs11.pin.reveal();
    else {
      const file = pkcs11.pinFile as string;
      pinOrigin = `TRENT_PKCS11_PIN_FILE (${file})`;
      pin = readSecretFile(file, "TRENT_PKCS11_PIN_FILE").replace(/\r?\n$/, "");
      const risk = filePermissionRisk(file);
      if (risk !== undefined) warnings.push(`warning: PIN file ${risk}`);
    }
    // Loaded only when configured: a node without an HSM never loads the native module.
    const { Pkcs11Token } = await import("../platform/crypto/pkcs11-root-key.js");
    const token = Pkcs11Token.open(
      { module: pkcs11.module, tokenLabel: pkcs11.tokenLabel, pin, pinOrigin },
      log,
    );
    close = () => token.close();
    try {
      for (const label of pkcs11.previousKeyLabels) {
        const key = token.findKey(label);
        if (key === undefined)
          throw new ConfigError(
            `TRENT_PKCS11_PREVIOUS_KEY_LABELS names '${label}', which is not a key in PKCS#11 token '${pkcs11.tokenLabel}'`,
          );
        previous.push({ key, source: `TRENT_PKCS11_PREVIOUS_KEY_LABELS '${label}'` });
      }
      const label = pkcs11.keyLabel;
      if (label !== undefined) {
        const source = `TRENT_PKCS11_KEY_LABEL '${label}' on token '${pkcs11.tokenLabel}'`;
        const key = token.findKey(label);
        current =
          key !== undefined
            ? { key, source }
            : { source, generate: () => token.generateKey(label) };
      }
    } catch (error) {
      token.close();
      throw error;
    }
  }

  if (current === undefined) {
    const key = loadOrCreateRootKey(config.dataDir);
    current = {
      key,
      source:
        dataDir === undefined
          ? "a random root key for this in-memory store"
          : `the generated ${dataDir}/${rootKeyFileName}`,
    };
    if (dataDir !== undefined && config.authMode === "sigv4")
      warnings.push(
        `warning: sigv4 mode with the root key generated into the data directory (${dataDir}/${rootKeyFileName}): whoever copies that directory has every key. Set TRENT_ROOT_KEY_FILE to a file outside it, TRENT_ROOT_KEY, or TRENT_PKCS11_MODULE (docs/security.md)`,
      );
  } else if (
    config.authMode === "sigv4" &&
    dataDir !== undefined &&
    config.rootKeyFile !== undefined &&
    isInside(config.rootKeyFile, dataDir)
  ) {
    warnings.push(
      "warning: sigv4 mode with the root key inside the data directory: the data and the key that opens it travel together",
    );
  }
  return { configured: { current, previous }, warnings, close };
}
