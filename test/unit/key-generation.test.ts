/**
 * Key material of every KeySpec: sizes of the secret bytes, PKCS#8/SPKI that node:crypto reads
 * back with the right algorithm and parameters, ML-DSA public keys as NIST-OID
 * SubjectPublicKeyInfo, and RSA generated off the event loop.
 */
import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { describe, it } from "node:test";
import { ml_dsa44, ml_dsa65, ml_dsa87 } from "@noble/post-quantum/ml-dsa.js";
import { generateKeyMaterial } from "../../src/platform/crypto/key-generation.js";
import { createSystemRandom } from "../../src/platform/crypto/random.js";
import type { Random } from "../../src/vocabulary/ports.js";

const systemRandom = createSystemRandom();

/** A Random whose bytes are 0, 1, 2, ... so tests can tell where secrets come from. */
const countingRandom: Random = {
  bytes: (length) => Uint8Array.from({ length }, (_, i) => i),
  uuid: () => "00000000-0000-4000-8000-000000000000",
};

function pkcs8(secret: Uint8Array) {
  return createPrivateKey({ key: Buffer.from(secret), format: "der", type: "pkcs8" });
}

function spki(publicKey: Uint8Array | undefined) {
  assert.ok(publicKey);
  return createPublicKey({ key: Buffer.from(publicKey), format: "der", type: "spki" });
}

describe("key generation", () => {
  it("draws symmetric and HMAC keys from the injected randomness, at AWS's sizes", async () => {
    const sizes = { SYMMETRIC_DEFAULT: 32, HMAC_224: 28, HMAC_256: 32, HMAC_384: 48, HMAC_512: 64 };
    for (const [spec, size] of Object.entries(sizes)) {
      const material = await generateKeyMaterial(spec as keyof typeof sizes, countingRandom);
      assert.deepEqual(material.secret, countingRandom.bytes(size), spec);
      assert.equal(material.publicKey, undefined, spec);
    }
  });

  it("makes RSA key pairs of the spec's modulus with exponent 65537", async () => {
    for (const [spec, bits] of [
      ["RSA_2048", 2048],
      ["RSA_3072", 3072],
    ] as const) {
      const { secret, publicKey } = await generateKeyMaterial(spec, systemRandom);
      const privateKey = pkcs8(secret);
      assert.equal(privateKey.asymmetricKeyType, "rsa");
      assert.equal(privateKey.asymmetricKeyDetails?.modulusLength, bits);
      assert.equal(privateKey.asymmetricKeyDetails?.publicExponent, 65537n);
      assert.deepEqual(
        spki(publicKey).export({ type: "spki", format: "der" }),
        createPublicKey(privateKey).export({ type: "spki", format: "der" }),
      );
    }
  });

  it("generates RSA on the thread pool, not on the event loop", async () => {
    // Generated synchronously, the key would be ready before the timer below could ever fire.
    const pending = generateKeyMaterial("RSA_4096", systemRandom);
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
    }, 1);
    const material = await pending;
    clearInterval(timer);
    assert.ok(ticks > 0, "the event loop did not run while the key was generated");
    assert.equal(pkcs8(material.secret).asymmetricKeyDetails?.modulusLength, 4096);
  });

  it("makes EC key pairs on the spec's named curve", async () => {
    const curves = {
      ECC_NIST_P256: "prime256v1",
      ECC_NIST_P384: "secp384r1",
      ECC_NIST_P521: "secp521r1",
      ECC_SECG_P256K1: "secp256k1",
    };
    for (const [spec, curve] of Object.entries(curves)) {
      const { secret, publicKey } = await generateKeyMaterial(
        spec as keyof typeof curves,
        systemRandom,
      );
      assert.equal(pkcs8(secret).asymmetricKeyType, "ec", spec);
      assert.equal(pkcs8(secret).asymmetricKeyDetails?.namedCurve, curve, spec);
      assert.equal(spki(publicKey).asymmetricKeyDetails?.namedCurve, curve, spec);
    }
  });

  it("makes SM2 key pairs as id-ecPublicKey on the SM2 curve", async () => {
    // OpenSSL re-imports SM2 keys as their own key type, which node:crypto does not name, so
    // check the DER: AlgorithmIdentifier { id-ecPublicKey, sm2 (1.2.156.10197.1.301) }.
    const algorithm = "301306072a8648ce3d020106082a811ccf5501822d";
    const { secret, publicKey } = await generateKeyMaterial("SM2", systemRandom);
    assert.ok(publicKey);
    assert.ok(Buffer.from(secret).toString("hex").startsWith(`308187020100${algorithm}`));
    assert.ok(Buffer.from(publicKey).toString("hex").startsWith(`3059${algorithm}034200`));
  });

  it("makes Ed25519 key pairs", async () => {
    const { secret, publicKey } = await generateKeyMaterial("ECC_NIST_EDWARDS25519", systemRandom);
    assert.equal(pkcs8(secret).asymmetricKeyType, "ed25519");
    assert.equal(spki(publicKey).asymmetricKeyType, "ed25519");
  });

  it("keeps the ML-DSA seed as the secret and publishes the NIST-OID public key", async () => {
    const cases = [
      { spec: "ML_DSA_44", scheme: ml_dsa44, oidLast: 0x11, rawLength: 1312, spkiLength: 1334 },
      { spec: "ML_DSA_65", scheme: ml_dsa65, oidLast: 0x12, rawLength: 1952, spkiLength: 1974 },
      { spec: "ML_DSA_87", scheme: ml_dsa87, oidLast: 0x13, rawLength: 2592, spkiLength: 2614 },
    ] as const;
    for (const c of cases) {
      const { secret, publicKey } = await generateKeyMaterial(c.spec, countingRandom);
      assert.deepEqual(secret, countingRandom.bytes(32), c.spec);
      assert.ok(publicKey);
      assert.equal(publicKey.length, c.spkiLength, c.spec);
      const length = c.spkiLength - 4;
      const bitStringLength = c.rawLength + 1;
      const header = [
        ...[0x30, 0x82, length >> 8, length & 0xff],
        ...[0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, c.oidLast],
        ...[0x03, 0x82, bitStringLength >> 8, bitStringLength & 0xff, 0x00],
      ];
      assert.deepEqual([...publicKey.subarray(0, header.length)], header, c.spec);
      assert.deepEqual(
        publicKey.subarray(header.length),
        c.scheme.keygen(secret).publicKey,
        `${c.spec} public key is derived from the seed`,
      );
    }
  });
});
