/**
 * Root key configuration: every source (TRENT_ROOT_KEY, TRENT_ROOT_KEY_FILE, PKCS#11, the
 * generated default), the previous keys of a rotation, the conflicts refused with the variables
 * named, a PIN that never shows, and the warnings about where a key file lies.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { inspect } from "node:util";
import { openRootKeys } from "../../src/domain/root-key-sources.js";
import { RawRootKey } from "../../src/platform/crypto/root-key.js";
import {
  ConfigError,
  checkRootKeyConfig,
  checkServable,
  configFromEnv,
  withDefaults,
} from "../../src/vocabulary/config.js";

const key1 = Buffer.alloc(32, 1).toString("base64");
const key2 = Buffer.alloc(32, 2).toString("base64");
const pkcs11 = {
  TRENT_PKCS11_MODULE: "/usr/lib/softhsm/libsofthsm2.so",
  TRENT_PKCS11_TOKEN_LABEL: "trent",
  TRENT_PKCS11_PIN: "s3cret-pin-4711",
};

function refuses(env: NodeJS.ProcessEnv, message: string) {
  assert.throws(
    () => configFromEnv(env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, message);
      assert.doesNotMatch(error.message, /s3cret-pin-4711/);
      return true;
    },
  );
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "trent-root-key-config-"));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("root key configuration", () => {
  it("reads TRENT_ROOT_KEY, TRENT_ROOT_KEY_FILE and the previous keys of a rotation", () => {
    const config = configFromEnv({
      TRENT_ROOT_KEY: key2,
      TRENT_ROOT_KEY_PREVIOUS: `${key1}, ${key2}`,
      TRENT_ROOT_KEY_PREVIOUS_FILE: "/run/a.key,/run/b.key",
    });
    assert.deepEqual(config.rootKey, new Uint8Array(Buffer.alloc(32, 2)));
    assert.deepEqual(config.previousRootKeys, [
      new Uint8Array(Buffer.alloc(32, 1)),
      new Uint8Array(Buffer.alloc(32, 2)),
    ]);
    assert.deepEqual(config.previousRootKeyFiles, ["/run/a.key", "/run/b.key"]);
    assert.equal(config.pkcs11, undefined);
    const file = configFromEnv({ TRENT_ROOT_KEY_FILE: "/run/secrets/root.key" });
    assert.equal(file.rootKeyFile, "/run/secrets/root.key");
    assert.equal(file.rootKey, undefined);
    const none = configFromEnv({});
    assert.equal(none.rootKey, undefined);
    assert.equal(none.rootKeyFile, undefined);
    assert.deepEqual(none.previousRootKeys, []);
  });

  it("refuses keys that are not base64 of 32 bytes, naming the entry", () => {
    refuses(
      { TRENT_ROOT_KEY: "c2hvcnQ=" },
      "TRENT_ROOT_KEY must be the base64 encoding of exactly 32 bytes",
    );
    refuses(
      { TRENT_ROOT_KEY: key1, TRENT_ROOT_KEY_PREVIOUS: `${key2},nope` },
      "TRENT_ROOT_KEY_PREVIOUS entry 2 must be the base64 encoding of exactly 32 bytes",
    );
    refuses(
      { TRENT_ROOT_KEY: key1, TRENT_ROOT_KEY_PREVIOUS: `${key2},` },
      "TRENT_ROOT_KEY_PREVIOUS must be a comma-separated list without empty entries",
    );
  });

  it("reads a PKCS#11 token, with the default key label, and never shows the PIN", () => {
    const config = configFromEnv(pkcs11);
    assert.equal(config.pkcs11?.module, "/usr/lib/softhsm/libsofthsm2.so");
    assert.equal(config.pkcs11?.tokenLabel, "trent");
    assert.equal(config.pkcs11?.keyLabel, "trent-root-key");
    assert.equal(config.pkcs11?.pin?.reveal(), "s3cret-pin-4711");
    assert.deepEqual(config.pkcs11?.previousKeyLabels, []);
    for (const shown of [
      JSON.stringify(config),
      inspect(config, { depth: 9 }),
      String(config.pkcs11?.pin),
    ])
      assert.doesNotMatch(shown, /s3cret-pin-4711/);
    const labelled = configFromEnv({
      ...pkcs11,
      TRENT_PKCS11_PIN: undefined,
      TRENT_PKCS11_PIN_FILE: "/run/pin",
      TRENT_PKCS11_KEY_LABEL: "root-2",
      TRENT_PKCS11_PREVIOUS_KEY_LABELS: "root-1",
    });
    assert.equal(labelled.pkcs11?.pin, undefined);
    assert.equal(labelled.pkcs11?.pinFile, "/run/pin");
    assert.equal(labelled.pkcs11?.keyLabel, "root-2");
    assert.deepEqual(labelled.pkcs11?.previousKeyLabels, ["root-1"]);
    checkRootKeyConfig(withDefaults({ databaseUrl: "postgres://db/trent", pkcs11: config.pkcs11 }));
  });

  it("refuses an incomplete PKCS#11 configuration, naming what is missing", () => {
    refuses(
      { TRENT_PKCS11_TOKEN_LABEL: "trent" },
      "TRENT_PKCS11_TOKEN_LABEL is set but TRENT_PKCS11_MODULE, the HSM's PKCS#11 module, is not",
    );
    refuses(
      { TRENT_PKCS11_PIN: "s3cret-pin-4711" },
      "TRENT_PKCS11_PIN is set but TRENT_PKCS11_MODULE, the HSM's PKCS#11 module, is not",
    );
    refuses(
      { ...pkcs11, TRENT_PKCS11_TOKEN_LABEL: undefined },
      "TRENT_PKCS11_MODULE needs TRENT_PKCS11_TOKEN_LABEL, the label of the token holding the root key",
    );
    refuses(
      { ...pkcs11, TRENT_PKCS11_PIN: undefined },
      "TRENT_PKCS11_MODULE needs the token's user PIN in TRENT_PKCS11_PIN or TRENT_PKCS11_PIN_FILE",
    );
    refuses(
      { ...pkcs11, TRENT_PKCS11_PIN_FILE: "/run/pin" },
      "set one of TRENT_PKCS11_PIN and TRENT_PKCS11_PIN_FILE, not both",
    );
    refuses(
      { ...pkcs11, TRENT_PKCS11_PREVIOUS_KEY_LABELS: "trent-root-key" },
      "TRENT_PKCS11_PREVIOUS_KEY_LABELS names 'trent-root-key', the current key (TRENT_PKCS11_KEY_LABEL)",
    );
  });

  it("takes exactly one current root key source, naming the conflict", () => {
    const both = "set exactly one of TRENT_ROOT_KEY, TRENT_ROOT_KEY_FILE and TRENT_PKCS11_MODULE";
    refuses(
      { TRENT_ROOT_KEY: key1, TRENT_ROOT_KEY_FILE: "/run/root.key" },
      `TRENT_ROOT_KEY and TRENT_ROOT_KEY_FILE both name the current root key: ${both}`,
    );
    const moving =
      "(to move from the HSM to a raw key, name the HSM's keys in TRENT_PKCS11_PREVIOUS_KEY_LABELS and leave TRENT_PKCS11_KEY_LABEL unset)";
    refuses(
      { ...pkcs11, TRENT_ROOT_KEY: key1 },
      `TRENT_ROOT_KEY and TRENT_PKCS11_MODULE both name the current root key: ${both} ${moving}`,
    );
    refuses(
      { ...pkcs11, TRENT_ROOT_KEY_FILE: "/run/root.key", TRENT_PKCS11_KEY_LABEL: "k" },
      `TRENT_ROOT_KEY_FILE and TRENT_PKCS11_MODULE both name the current root key: ${both} ${moving}`,
    );
    assert.throws(
      () => checkServable(withDefaults({ rootKey: new Uint8Array(32), rootKeyFile: "/k" })),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message ===
          `TRENT_ROOT_KEY and TRENT_ROOT_KEY_FILE both name the current root key: ${both}`,
    );
  });

  it("opens a token only for previous keys when moving off the HSM to a raw key", () => {
    const config = configFromEnv({
      ...pkcs11,
      TRENT_ROOT_KEY: key1,
      TRENT_PKCS11_PREVIOUS_KEY_LABELS: "trent-root-key",
    });
    assert.equal(config.pkcs11?.keyLabel, undefined);
    assert.deepEqual(config.pkcs11?.previousKeyLabels, ["trent-root-key"]);
    checkRootKeyConfig(config);
  });
});

describe("root key sources", () => {
  const log = () => {};

  it("reads key files and warns about one others can read or one inside the data directory", async () => {
    const dir = tempDir();
    const dataDir = join(dir, "data");
    const outside = join(dir, "root.key");
    writeFileSync(outside, `${key1}\n`, { mode: 0o600 });
    const previous = join(dir, "old.key");
    writeFileSync(previous, key2, { mode: 0o644 });
    chmodSync(previous, 0o644);
    const opened = await openRootKeys(
      withDefaults({ dataDir, rootKeyFile: outside, previousRootKeyFiles: [previous] }),
      log,
    );
    const current = opened.configured.current;
    assert.ok("key" in current && current.key instanceof RawRootKey);
    assert.equal(current.source, `TRENT_ROOT_KEY_FILE ${outside}`);
    assert.equal(opened.configured.previous[0]?.source, `TRENT_ROOT_KEY_PREVIOUS_FILE ${previous}`);
    assert.deepEqual(opened.warnings, [
      `warning: root key file ${previous} is readable or writable by other users (mode 0644); chmod 600 it, or mount it for Trent's user only`,
    ]);

    const inside = join(dataDir, "root-key.b64");
    mkdirSync(dataDir);
    writeFileSync(inside, key1, { mode: 0o600 });
    const beside = await openRootKeys(
      withDefaults({ dataDir, rootKeyFile: inside, authMode: "sigv4" }),
      log,
    );
    assert.deepEqual(beside.warnings, [
      `warning: the root key file ${inside} (TRENT_ROOT_KEY_FILE) is inside the data directory ${dataDir}: whoever copies or backs up that directory has the key with the data; keep it elsewhere (docs/security.md)`,
      "warning: sigv4 mode with the root key inside the data directory: the data and the key that opens it travel together",
    ]);
  });

  it("refuses a key file that is missing or does not hold a key", async () => {
    const dir = tempDir();
    await assert.rejects(
      openRootKeys(withDefaults({ dataDir: dir, rootKeyFile: join(dir, "absent") }), log),
      new ConfigError(
        `TRENT_ROOT_KEY_FILE names ${join(dir, "absent")}, which cannot be read (ENOENT)`,
      ),
    );
    const bad = join(dir, "bad.key");
    writeFileSync(bad, "not a key", { mode: 0o600 });
    await assert.rejects(
      openRootKeys(withDefaults({ dataDir: dir, rootKeyFile: bad }), log),
      new ConfigError(
        `TRENT_ROOT_KEY_FILE (${bad}) must hold the base64 encoding of exactly 32 bytes`,
      ),
    );
  });

  it("generates data/root.key for the embedded default, warning only in sigv4 mode", async () => {
    const dataDir = join(tempDir(), "data");
    const open = await openRootKeys(withDefaults({ dataDir }), log);
    assert.deepEqual(open.warnings, []);
    assert.equal(open.configured.current.source, `the generated ${dataDir}/root.key`);
    const signed = await openRootKeys(withDefaults({ dataDir, authMode: "sigv4" }), log);
    assert.deepEqual(signed.warnings, [
      `warning: sigv4 mode with the root key generated into the data directory (${dataDir}/root.key): whoever copies that directory has every key. Set TRENT_ROOT_KEY_FILE to a file outside it, TRENT_ROOT_KEY, or TRENT_PKCS11_MODULE (docs/security.md)`,
    ]);
  });
});
