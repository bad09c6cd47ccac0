/**
 * The root key that seals all key material. Given by config, or for the embedded default
 * generated on first start into the data directory with mode 0600 (only the owner can read it).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const rootKeyFileName = "root.key";

export function loadOrCreateRootKey(dataDir: string): Uint8Array {
  if (dataDir === ":memory:") return new Uint8Array(randomBytes(32));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, rootKeyFileName);
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
    if (key.length !== 32) throw new Error(`${file} does not hold a base64 32-byte root key`);
    return new Uint8Array(key);
  }
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return new Uint8Array(key);
}
