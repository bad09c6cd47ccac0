/**
 * Root keys: what seals every secret Trent stores. A RootKey seals and opens in the format of
 * sealing.ts; RawRootKey holds 32 bytes in memory (from TRENT_ROOT_KEY, a key file, or for the
 * embedded default a root.key generated into the data directory with mode 0600), and
 * pkcs11-root-key.ts keeps the key inside a token. Calls are synchronous: sealing is a short
 * GCM computation and runs on the event loop, one call at a time.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../../vocabulary/config.js";
import { deriveGrantTokenKey } from "./grant-token.js";
import { deriveImportKey } from "./import-wrapping.js";
import { type GcmCipher, openWith, sealTagLength, sealWith } from "./sealing.js";

export const rootKeyFileName = "root.key";

/**
 * The key's source failed (an HSM unreachable), as opposed to the key not opening the data:
 * start-up reports it as it is instead of concluding that the key is the wrong one.
 */
export class RootKeySourceError extends Error {}

export interface RootKey {
  /** Seals `plaintext` in the sealed format, bound to `aad`. */
  seal(plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Opens a sealed blob; throws when this key did not seal it with this `aad`. */
  open(sealed: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Where the key comes from, for logs and errors (never the key itself). */
  readonly description: string;
  /**
   * The grant-token and import keys as Trent derived them from the raw root key before they
   * were stored sealed: only a raw key can give them, and only a store from before root key
   * versions needs them (tokens issued then must keep working).
   */
  legacyDerivedKeys?(): { grantTokenKey: Uint8Array; importKey: Uint8Array };
}

/** A 32-byte AES-256-GCM key held in this process's memory. */
export class RawRootKey implements RootKey {
  readonly #key: Buffer;
  readonly #cipher: GcmCipher;

  constructor(
    key: Uint8Array,
    readonly description: string,
  ) {
    if (key.length !== 32) throw new Error(`${description} is not a 32-byte root key`);
    this.#key = Buffer.from(key);
    const secret = this.#key;
    this.#cipher = {
      encrypt(iv, plaintext, aad) {
        const cipher = createCipheriv("aes-256-gcm", secret, iv);
        cipher.setAAD(aad);
        return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      },
      decrypt(iv, ciphertextAndTag, aad) {
        const body = ciphertextAndTag.subarray(0, ciphertextAndTag.length - sealTagLength);
        const decipher = createDecipheriv("aes-256-gcm", secret, iv);
        decipher.setAAD(aad);
        decipher.setAuthTag(ciphertextAndTag.subarray(ciphertextAndTag.length - sealTagLength));
        return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
      },
    };
  }

  seal(plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    return sealWith(this.#cipher, plaintext, aad);
  }

  open(sealed: Uint8Array, aad: Uint8Array): Uint8Array {
    return openWith(this.#cipher, sealed, aad);
  }

  legacyDerivedKeys() {
    return { grantTokenKey: deriveGrantTokenKey(this.#key), importKey: deriveImportKey(this.#key) };
  }
}

/** A fresh random root key, base64, as `trent root-key` prints it. */
export function newRootKeyText(): string {
  return randomBytes(32).toString("base64");
}

function decodeRootKey(text: string, origin: string): Uint8Array {
  const trimmed = text.trim();
  const bytes = Buffer.from(trimmed, "base64");
  if (bytes.length !== 32 || bytes.toString("base64") !== trimmed)
    throw new ConfigError(`${origin} must hold the base64 encoding of exactly 32 bytes`);
  return new Uint8Array(bytes);
}

/** Why a secret file's permissions are a risk, or undefined when only its owner can use it. */
export function filePermissionRisk(file: string): string | undefined {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) === 0) return undefined;
  return `${file} is readable or writable by other users (mode ${mode.toString(8).padStart(4, "0")}); chmod 600 it, or mount it for Trent's user only`;
}

/** Reads a secret file (a root key, a PIN), naming the variable that pointed at it on failure. */
export function readSecretFile(file: string, variable: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    throw new ConfigError(`${variable} names ${file}, which cannot be read (${code})`);
  }
}

/** A root key file: base64 of 32 bytes, surrounding whitespace ignored. */
export function readRootKeyFile(file: string, variable: string): RawRootKey {
  return new RawRootKey(
    decodeRootKey(readSecretFile(file, variable), `${variable} (${file})`),
    `${variable} (${file})`,
  );
}

/**
 * The embedded default's root key: data/root.key, generated on first start with mode 0600.
 * Fine on a developer's machine; anywhere else it puts the key beside the data it protects.
 */
export function loadOrCreateRootKey(dataDir: string): RawRootKey {
  if (dataDir === ":memory:") return new RawRootKey(randomBytes(32), "a random in-memory root key");
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, rootKeyFileName);
  const description = `the generated root key ${file}`;
  if (existsSync(file))
    return new RawRootKey(decodeRootKey(readFileSync(file, "utf8"), file), description);
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return new RawRootKey(key, description);
}
