/**
 * The root key inside a real PKCS#11 token (SoftHSM2), end to end through the AWS SDK: Trent
 * generates the key in the token (sensitive, not extractable: its value cannot be read out),
 * CreateKey, GenerateDataKeyPair and Decrypt work, and after a restart the same again with old
 * blobs still decrypting; nothing in the data directory holds the key. A wrong PIN, a missing
 * token, or a token without the key on a store that holds data refuse start-up in one line. A
 * rotation moves a store from a raw root key onto the HSM, and a lost session is reopened.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyPairCommand,
} from "@aws-sdk/client-kms";
import pkcs11js from "pkcs11js";
import { Pkcs11Token } from "../../src/platform/crypto/pkcs11-root-key.js";
import { keyMaterialAad } from "../../src/platform/crypto/sealing.js";
import { type Pkcs11Config, Pkcs11Pin } from "../../src/vocabulary/config.js";
import {
  createTestToken,
  softhsmModule,
  softhsmSkipReason,
  type TestToken,
  tokenKeys,
} from "../support/softhsm.js";
import { startTestTrent } from "../support/trent.js";
import { type FailedStart, runTrentCommand, startTrentProcess } from "../support/trent-process.js";

const pin = "4711-user-pin";
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "trent-pkcs11-"));
  dirs.push(dir);
  return dir;
}

describe("a root key in a PKCS#11 token (SoftHSM2)", { skip: softhsmSkipReason() }, () => {
  let token: TestToken;
  const previousConf = process.env.SOFTHSM2_CONF;

  before(async () => {
    token = await createTestToken("trent-e2e", pin);
    await token.addToken("other-token");
    process.env.SOFTHSM2_CONF = token.conf;
  });
  after(() => {
    if (previousConf === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = previousConf;
    token?.remove();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const pkcs11 = (changes: Partial<Pkcs11Config> = {}): Pkcs11Config => ({
    module: softhsmModule,
    tokenLabel: "trent-e2e",
    pin: new Pkcs11Pin(pin),
    pinFile: undefined,
    keyLabel: "trent-root-key",
    previousKeyLabels: [],
    ...changes,
  });
  const env = (changes: Record<string, string> = {}) => ({
    TRENT_PKCS11_MODULE: softhsmModule,
    TRENT_PKCS11_TOKEN_LABEL: "trent-e2e",
    TRENT_PKCS11_PIN: pin,
    ...changes,
  });

  it("generates the key in the token and serves the SDK, across a restart", async () => {
    const dataDir = tempDir();
    const logs: string[] = [];
    const first = await startTestTrent({ dataDir, pkcs11: pkcs11() }, { log: (l) => logs.push(l) });
    let blobs: { pair: Uint8Array; plaintext: Uint8Array; symmetric: Uint8Array; keyId: string };
    try {
      const kms = first.client();
      const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      const pair = await kms.send(
        new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: "ECC_NIST_P384" }),
      );
      const opened = await kms.send(
        new DecryptCommand({ CiphertextBlob: pair.PrivateKeyCiphertextBlob }),
      );
      assert.deepEqual(opened.Plaintext, pair.PrivateKeyPlaintext);
      const symmetric = await kms.send(
        new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("in the HSM") }),
      );
      blobs = {
        pair: pair.PrivateKeyCiphertextBlob!,
        plaintext: pair.PrivateKeyPlaintext!,
        symmetric: symmetric.CiphertextBlob!,
        keyId,
      };
      assert.deepEqual(logs, [
        "generated root key 'trent-root-key' inside PKCS#11 token 'trent-e2e' (not extractable)",
      ]);
      assert.equal(
        first.rootKeys,
        "root keys: TRENT_PKCS11_KEY_LABEL 'trent-root-key' on token 'trent-e2e' is version 1 (current); registered versions: 1",
      );
    } finally {
      await first.close();
    }

    assert.deepEqual(await tokenKeys(token), [
      {
        label: "trent-root-key",
        sensitive: true,
        extractable: false,
        readValue: "CKR_ATTRIBUTE_SENSITIVE",
      },
    ]);
    // The data directory has the store and the audit trail (and its index), and no root key.
    assert.deepEqual(
      readdirSync(dataDir)
        .filter((f) => !f.startsWith("trent.sqlite-") && !f.startsWith("audit-index.sqlite-"))
        .sort(),
      ["audit-index.sqlite", "audit.jsonl", "trent.sqlite"],
    );

    const second = await startTestTrent({ dataDir, pkcs11: pkcs11() });
    try {
      const kms = second.client();
      const pair = await kms.send(new DecryptCommand({ CiphertextBlob: blobs.pair }));
      assert.deepEqual(pair.Plaintext, blobs.plaintext);
      const text = await kms.send(new DecryptCommand({ CiphertextBlob: blobs.symmetric }));
      assert.equal(Buffer.from(text.Plaintext!).toString(), "in the HSM");
      const fresh = await kms.send(
        new GenerateDataKeyPairCommand({ KeyId: blobs.keyId, KeyPairSpec: "ECC_NIST_P256" }),
      );
      const back = await kms.send(
        new DecryptCommand({ CiphertextBlob: fresh.PrivateKeyCiphertextBlob }),
      );
      assert.deepEqual(back.Plaintext, fresh.PrivateKeyPlaintext);
      // Still one key in the token: the restart found it, it did not make another.
      assert.equal((await tokenKeys(token)).length, 1);
    } finally {
      await second.close();
    }
  });

  async function refused(changes: Record<string, string>, dataDir = tempDir()) {
    try {
      const started = await startTrentProcess({ TRENT_DATA_DIR: dataDir, ...env(changes) });
      await started.stop();
    } catch (failure) {
      return failure as FailedStart;
    }
    assert.fail("Trent started");
  }

  it("refuses a wrong PIN and a missing token in one line, never showing the PIN", async () => {
    const wrongPin = await refused({ TRENT_PKCS11_PIN: "not-the-pin-999" });
    assert.equal(wrongPin.code, 1);
    assert.equal(
      wrongPin.stderr,
      "trent: the PKCS#11 token 'trent-e2e' refused the PIN from TRENT_PKCS11_PIN (CKR_PIN_INCORRECT)\n",
    );
    const missing = await refused({ TRENT_PKCS11_TOKEN_LABEL: "no-such-token" });
    assert.equal(missing.code, 1);
    assert.equal(
      missing.stderr,
      `trent: no PKCS#11 token labelled 'no-such-token' (TRENT_PKCS11_TOKEN_LABEL) in ${softhsmModule}; tokens present: 'other-token', 'trent-e2e'\n`,
    );
    const badModule = await refused({ TRENT_PKCS11_MODULE: "/nonexistent/libpkcs11.so" });
    assert.match(
      badModule.stderr,
      /^trent: TRENT_PKCS11_MODULE names \/nonexistent\/libpkcs11\.so, which cannot be loaded as a PKCS#11 module: .*\n$/,
    );
    for (const failure of [wrongPin, missing, badModule])
      assert.doesNotMatch(failure.stderr, /4711/);
  });

  it("refuses a token without the key on a store that holds data, generating nothing", async () => {
    const dataDir = tempDir();
    const raw = Buffer.alloc(32, 7).toString("base64");
    const first = await startTrentProcess({ TRENT_DATA_DIR: dataDir, TRENT_ROOT_KEY: raw });
    await first.stop();
    const failure = await refused({ TRENT_PKCS11_TOKEN_LABEL: "other-token" }, dataDir);
    assert.equal(
      failure.stderr,
      `trent: the root key (TRENT_PKCS11_KEY_LABEL 'trent-root-key' on token 'other-token') does not open the data in ${dataDir}/trent.sqlite: it was sealed under root key version 1, which none of the configured root keys opens\n`,
    );
    assert.deepEqual(await tokenKeys({ ...token, label: "other-token" }), []);
  });

  it("moves a store from a raw root key into the HSM with `trent root-key rotate`", async () => {
    const dataDir = tempDir();
    const rawKey = new Uint8Array(32).fill(0x5e);
    const before = await startTestTrent({ dataDir, rootKey: rawKey });
    const kms = before.client();
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const blob = (
      await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("moving") }))
    ).CiphertextBlob!;
    await before.close();

    // Restarted with a new key in the token as current (generated there) and the raw one as
    // previous; the rotation runs beside it.
    const rawText = Buffer.from(rawKey).toString("base64");
    const moving = await startTestTrent({
      dataDir,
      pkcs11: pkcs11({ keyLabel: "trent-root-key-2" }),
      previousRootKeys: [rawKey],
    });
    const rotation = await runTrentCommand(["root-key", "rotate"], {
      TRENT_DATA_DIR: dataDir,
      ...env({ TRENT_PKCS11_KEY_LABEL: "trent-root-key-2", TRENT_ROOT_KEY_PREVIOUS: rawText }),
    });
    const during = await moving.client().send(new DecryptCommand({ CiphertextBlob: blob }));
    assert.equal(Buffer.from(during.Plaintext!).toString(), "moving");
    await moving.close();
    assert.equal(rotation.code, 0, rotation.stderr);
    assert.match(rotation.stdout, /^root key version 1 is retired: /m);

    const after = await startTestTrent({
      dataDir,
      pkcs11: pkcs11({ keyLabel: "trent-root-key-2" }),
    });
    try {
      const opened = await after.client().send(new DecryptCommand({ CiphertextBlob: blob }));
      assert.equal(Buffer.from(opened.Plaintext!).toString(), "moving");
      assert.deepEqual(
        (await after.services.store.rootKeys.list()).map((r) => [r.version, !!r.retiredAt]),
        [
          [1, true],
          [2, false],
        ],
      );
    } finally {
      await after.close();
    }
    const status = await runTrentCommand(["root-key", "status"], {
      TRENT_DATA_DIR: dataDir,
      ...env({ TRENT_PKCS11_KEY_LABEL: "trent-root-key-2" }),
    });
    assert.match(
      status.stdout,
      /^ {2}TRENT_PKCS11_KEY_LABEL 'trent-root-key-2' on token 'trent-e2e' \(current\): version 2$/m,
    );
    assert.match(
      status.stdout,
      /^ {2}version 1: registered \S+, retired \S+; key materials 0, sealed secrets 0$/m,
    );
  });

  it("reopens a lost session once and carries on", async () => {
    const logs: string[] = [];
    const opened = Pkcs11Token.open(
      { module: softhsmModule, tokenLabel: "trent-e2e", pin, pinOrigin: "TRENT_PKCS11_PIN" },
      (line) => logs.push(line),
    );
    try {
      const key = opened.findKey("trent-root-key");
      assert.ok(key);
      const aad = keyMaterialAad("arn", "m");
      const sealed = key.seal(new Uint8Array(32).fill(3), aad);
      // Another user of the same module closes every session on the token, as a token that
      // was pulled out and put back would.
      const library = new pkcs11js.PKCS11();
      library.load(softhsmModule);
      try {
        library.C_Initialize();
      } catch {
        // Initialised already by Trent's use of the module in this process.
      }
      const slot = library
        .C_GetSlotList(true)
        .find((s) => library.C_GetTokenInfo(s).label.trim() === "trent-e2e");
      assert.ok(slot);
      library.C_CloseAllSessions(slot);
      assert.deepEqual(key.open(sealed, aad), new Uint8Array(32).fill(3));
      assert.deepEqual(logs, [
        "PKCS#11 session on token 'trent-e2e' was lost (CKR_SESSION_HANDLE_INVALID); opened a new one",
      ]);
      assert.throws(() => key.open(sealed, keyMaterialAad("arn", "other")), /does not open/);
    } finally {
      opened.close();
    }
  });
});
