/**
 * SM2PKE against an independent implementation: OpenSSL's own SM2 encryption (`openssl pkeyutl`,
 * which Node's crypto does not expose) must open what Trent writes, and Trent must open what
 * OpenSSL writes. Plus determinism for a fixed ephemeral scalar, and tamper detection.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { sm2Decrypt, sm2Encrypt, sm2EncryptWithK } from "../../src/platform/crypto/sm2.js";

const run = promisify(execFile);

describe("SM2PKE", () => {
  let dir: string;
  let pemPath: string;
  let privateKey: Uint8Array;
  let otherKey: Uint8Array;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trent-sm2-"));
    const pair = generateKeyPairSync("ec", { namedCurve: "SM2" });
    privateKey = new Uint8Array(pair.privateKey.export({ format: "der", type: "pkcs8" }));
    pemPath = join(dir, "key.pem");
    await writeFile(pemPath, pair.privateKey.export({ format: "pem", type: "pkcs8" }));
    const other = generateKeyPairSync("ec", { namedCurve: "SM2" });
    otherKey = new Uint8Array(other.privateKey.export({ format: "der", type: "pkcs8" }));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function opensslDecrypt(ciphertext: Uint8Array): Promise<Buffer> {
    const input = join(dir, "ciphertext.bin");
    await writeFile(input, ciphertext);
    const { stdout } = await run(
      "openssl",
      ["pkeyutl", "-decrypt", "-inkey", pemPath, "-in", input],
      { encoding: "buffer" },
    );
    return stdout;
  }

  async function opensslEncrypt(plaintext: Uint8Array): Promise<Uint8Array> {
    const input = join(dir, "plaintext.bin");
    const output = join(dir, "openssl-ciphertext.bin");
    await writeFile(input, plaintext);
    await run("openssl", ["pkeyutl", "-encrypt", "-inkey", pemPath, "-in", input, "-out", output]);
    return new Uint8Array(await readFile(output));
  }

  for (const length of [1, 31, 32, 33, 200, 1024]) {
    it(`OpenSSL opens Trent's ciphertext of ${length} bytes`, async () => {
      const plaintext = Uint8Array.from({ length }, (_, i) => (i * 7 + length) % 256);
      const ciphertext = sm2Encrypt(privateKey, plaintext);
      assert.deepEqual(new Uint8Array(await opensslDecrypt(ciphertext)), plaintext);
    });

    it(`Trent opens OpenSSL's ciphertext of ${length} bytes`, async () => {
      const plaintext = Uint8Array.from({ length }, (_, i) => (i * 13 + 1) % 256);
      const ciphertext = await opensslEncrypt(plaintext);
      assert.deepEqual(sm2Decrypt(privateKey, ciphertext), plaintext);
    });
  }

  it("is deterministic for a fixed ephemeral scalar and random otherwise", () => {
    const plaintext = new TextEncoder().encode("same input");
    const k = 0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdefn;
    const one = sm2EncryptWithK(privateKey, plaintext, k);
    const two = sm2EncryptWithK(privateKey, plaintext, k);
    assert.ok(one && two);
    assert.deepEqual(one, two);
    assert.notDeepEqual(sm2Encrypt(privateKey, plaintext), sm2Encrypt(privateKey, plaintext));
    assert.throws(() => sm2EncryptWithK(privateKey, plaintext, 0n), RangeError);
  });

  it("writes the GM/T 0009 DER layout: SEQUENCE { INTEGER, INTEGER, OCTET STRING(32), OCTET STRING }", async () => {
    const plaintext = new TextEncoder().encode("layout");
    const ciphertext = sm2Encrypt(privateKey, plaintext);
    const path = join(dir, "layout.bin");
    await writeFile(path, ciphertext);
    const parsed = (await run("openssl", ["asn1parse", "-inform", "DER", "-in", path])).stdout;
    const kinds = [...parsed.matchAll(/prim: (\w+ ?\w*)/g)].map((m) => m[1]!.trim());
    assert.deepEqual(kinds, ["INTEGER", "INTEGER", "OCTET STRING", "OCTET STRING"]);
    assert.match(parsed, /l= +32 prim: OCTET STRING/);
    assert.match(parsed, new RegExp(`l= +${plaintext.length} prim: OCTET STRING`));
  });

  it("rejects a ciphertext for another key, tampering and malformed DER", async () => {
    const plaintext = new TextEncoder().encode("tamper me");
    const ciphertext = sm2Encrypt(privateKey, plaintext);
    assert.equal(sm2Decrypt(otherKey, ciphertext), undefined);
    for (let offset = 4; offset < ciphertext.length; offset += 9) {
      const tampered = Uint8Array.from(ciphertext);
      tampered[offset]! ^= 0x01;
      assert.equal(sm2Decrypt(privateKey, tampered), undefined, `byte ${offset}`);
    }
    assert.equal(sm2Decrypt(privateKey, ciphertext.subarray(0, ciphertext.length - 1)), undefined);
    assert.equal(sm2Decrypt(privateKey, Uint8Array.of(...ciphertext, 0)), undefined);
    assert.equal(sm2Decrypt(privateKey, new Uint8Array(0)), undefined);
    assert.equal(sm2Decrypt(privateKey, new TextEncoder().encode("not DER at all")), undefined);
  });
});
