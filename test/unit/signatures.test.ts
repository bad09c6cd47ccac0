/**
 * The signature schemes against independent implementations and published vectors: RFC 8032's
 * Ed25519ph vector, RSA (PKCS #1 v1.5 and PSS) and ECDSA against node:crypto in both directions,
 * SM2DSA against OpenSSL's own SM2 signatures, and the strictness of the DER reader.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import {
  constants,
  createHash,
  generateKeyPairSync,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { p256 } from "@noble/curves/nist.js";
import {
  DerError,
  decodeSignaturePair,
  parseSubjectPublicKeyInfo,
} from "../../src/platform/crypto/der-reader.js";
import { signMessage, verifySignature } from "../../src/platform/crypto/signatures.js";
import { sm2Sign, sm2Verify } from "../../src/platform/crypto/sm2-signature.js";

const run = promisify(execFile);
const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
const message = new TextEncoder().encode("signed by the book");
const der = (key: KeyObject, type: "pkcs8" | "spki") =>
  new Uint8Array(key.export({ format: "der", type }));
const sha = (name: string, data: Uint8Array) =>
  new Uint8Array(createHash(name).update(data).digest());

describe("Ed25519ph", () => {
  it("matches RFC 8032 §7.3 (message 'abc')", () => {
    // PKCS#8 and SPKI wrappings of the RFC's raw seed and public key (RFC 8410).
    const seed = "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42";
    const publicKey = "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf";
    const keys = {
      privateKey: hex(`302e020100300506032b657004220420${seed}`),
      publicKeySpki: hex(`302a300506032b6570032100${publicKey}`),
    };
    const signature = signMessage(
      "ECC_NIST_EDWARDS25519",
      "ED25519_PH_SHA_512",
      keys,
      hex("616263"),
      "DIGEST",
    );
    assert.equal(
      Buffer.from(signature).toString("hex"),
      "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41" +
        "31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406",
    );
    const verify = (data: Uint8Array) =>
      verifySignature(
        "ECC_NIST_EDWARDS25519",
        "ED25519_PH_SHA_512",
        keys.publicKeySpki,
        data,
        "DIGEST",
        signature,
      );
    assert.equal(verify(hex("616263")), true);
    assert.equal(verify(hex("616264")), false);
  });
});

describe("RSA signatures", () => {
  const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keys = {
    privateKey: der(pair.privateKey, "pkcs8"),
    publicKeySpki: der(pair.publicKey, "spki"),
  };

  for (const [hash, bytes, pss, pkcs1] of [
    ["sha256", 32, "RSASSA_PSS_SHA_256", "RSASSA_PKCS1_V1_5_SHA_256"],
    ["sha384", 48, "RSASSA_PSS_SHA_384", "RSASSA_PKCS1_V1_5_SHA_384"],
    ["sha512", 64, "RSASSA_PSS_SHA_512", "RSASSA_PKCS1_V1_5_SHA_512"],
  ] as const) {
    it(`writes PKCS #1 v1.5 with ${hash} byte for byte as OpenSSL does`, () => {
      const expected = nodeSign(hash, message, {
        key: pair.privateKey,
        padding: constants.RSA_PKCS1_PADDING,
      });
      for (const [data, type] of [
        [message, "RAW"],
        [sha(hash, message), "DIGEST"],
      ] as const) {
        const signature = signMessage("RSA_2048", pkcs1, keys, data, type);
        assert.deepEqual(Buffer.from(signature), expected);
        assert.equal(
          verifySignature("RSA_2048", pkcs1, keys.publicKeySpki, data, type, signature),
          true,
        );
      }
    });

    it(`PSS with ${hash}: salt of ${bytes} bytes, checked by OpenSSL both ways`, () => {
      const ours = signMessage("RSA_2048", pss, keys, sha(hash, message), "DIGEST");
      const options = { key: pair.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING };
      assert.equal(nodeVerify(hash, message, { ...options, saltLength: bytes }, ours), true);
      const theirs = nodeSign(hash, message, {
        key: pair.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: bytes,
      });
      assert.equal(
        verifySignature("RSA_2048", pss, keys.publicKeySpki, message, "RAW", theirs),
        true,
      );
      // EMSA-PSS-VERIFY with a fixed salt length: OpenSSL's maximum-salt signature is refused.
      const maxSalt = nodeSign(hash, message, {
        key: pair.privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN,
      });
      assert.equal(
        verifySignature("RSA_2048", pss, keys.publicKeySpki, message, "RAW", maxSalt),
        false,
      );
      assert.equal(
        verifySignature("RSA_2048", pkcs1, keys.publicKeySpki, message, "RAW", ours),
        false,
      );
    });
  }

  it("refuses signatures of the wrong length or above the modulus", () => {
    const signature = signMessage("RSA_2048", "RSASSA_PSS_SHA_256", keys, message, "RAW");
    const verify = (s: Uint8Array) =>
      verifySignature("RSA_2048", "RSASSA_PSS_SHA_256", keys.publicKeySpki, message, "RAW", s);
    assert.equal(verify(signature), true);
    assert.equal(verify(Uint8Array.from([0, ...signature])), false);
    assert.equal(verify(signature.subarray(1)), false);
    assert.equal(verify(new Uint8Array(256).fill(0xff)), false);
  });
});

describe("ECDSA signatures", () => {
  const curves = [
    ["ECC_NIST_P256", "prime256v1", "ECDSA_SHA_256", "sha256"],
    ["ECC_NIST_P384", "secp384r1", "ECDSA_SHA_384", "sha384"],
    ["ECC_NIST_P521", "secp521r1", "ECDSA_SHA_512", "sha512"],
    ["ECC_SECG_P256K1", "secp256k1", "ECDSA_SHA_256", "sha256"],
  ] as const;
  for (const [spec, curve, algorithm, hash] of curves)
    it(`${spec}: DER signatures that OpenSSL accepts, and OpenSSL's accepted`, () => {
      const pair = generateKeyPairSync("ec", { namedCurve: curve });
      const keys = {
        privateKey: der(pair.privateKey, "pkcs8"),
        publicKeySpki: der(pair.publicKey, "spki"),
      };
      for (const [data, type] of [
        [message, "RAW"],
        [sha(hash, message), "DIGEST"],
      ] as const) {
        const ours = signMessage(spec, algorithm, keys, data, type);
        assert.equal(nodeVerify(hash, message, pair.publicKey, ours), true);
        const theirs = nodeSign(hash, message, pair.privateKey);
        assert.equal(
          verifySignature(spec, algorithm, keys.publicKeySpki, data, type, theirs),
          true,
        );
        assert.equal(
          verifySignature(spec, algorithm, keys.publicKeySpki, data, type, message),
          false,
        );
      }
    });

  it("accepts high-S signatures, as OpenSSL writes them", () => {
    const pair = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const spki = der(pair.publicKey, "spki");
    const { r, s } = decodeSignaturePair(nodeSign("sha256", message, pair.privateKey));
    const n = p256.Point.Fn.ORDER;
    for (const candidate of [s, n - s]) {
      const signature = new p256.Signature(r, candidate).toBytes("der");
      assert.equal(
        verifySignature("ECC_NIST_P256", "ECDSA_SHA_256", spki, message, "RAW", signature),
        true,
      );
    }
  });
});

describe("SM2DSA", () => {
  let dir: string;
  let privateKey: Uint8Array;
  let publicKey: Uint8Array;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trent-sm2dsa-"));
    const pair = generateKeyPairSync("ec", { namedCurve: "SM2" });
    privateKey = der(pair.privateKey, "pkcs8");
    publicKey = parseSubjectPublicKeyInfo(der(pair.publicKey, "spki")).publicKey;
    await writeFile(join(dir, "key.pem"), pair.privateKey.export({ format: "pem", type: "pkcs8" }));
    await writeFile(join(dir, "public.der"), der(pair.publicKey, "spki"));
    await writeFile(join(dir, "message.txt"), message);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("verifies what OpenSSL signed with distid 1234567812345678, and nothing else", async () => {
    await run(
      "openssl",
      [
        "dgst",
        "-sm3",
        "-sign",
        "key.pem",
        "-sigopt",
        "distid:1234567812345678",
        "-out",
        "sig.der",
        "message.txt",
      ],
      { cwd: dir },
    );
    const signature = new Uint8Array(await readFile(join(dir, "sig.der")));
    assert.equal(sm2Verify(publicKey, message, "RAW", signature), true);
    assert.equal(sm2Verify(publicKey, new TextEncoder().encode("other"), "RAW", signature), false);
    await run(
      "openssl",
      [
        "dgst",
        "-sm3",
        "-sign",
        "key.pem",
        "-sigopt",
        "distid:someone-else",
        "-out",
        "other.der",
        "message.txt",
      ],
      { cwd: dir },
    );
    const other = new Uint8Array(await readFile(join(dir, "other.der")));
    assert.equal(sm2Verify(publicKey, message, "RAW", other), false);
  });

  it("signs what OpenSSL verifies", async () => {
    await writeFile(join(dir, "ours.der"), sm2Sign(privateKey, publicKey, message, "RAW"));
    const { stdout } = await run(
      "openssl",
      [
        "dgst",
        "-sm3",
        "-verify",
        "public.der",
        "-keyform",
        "DER",
        "-sigopt",
        "distid:1234567812345678",
        "-signature",
        "ours.der",
        "message.txt",
      ],
      { cwd: dir },
    );
    assert.equal(stdout.trim(), "Verified OK");
  });

  it("refuses signatures with r or s out of range", () => {
    const n = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
    for (const bytes of [
      hex("3006020100020101"), // r = 0
      hex("3006020101020100"), // s = 0
      hex(`3026022100${n.toString(16)}020101`), // r = n
    ])
      assert.equal(sm2Verify(publicKey, message, "RAW", bytes), false);
  });
});

describe("DER reader", () => {
  it("reads only canonical signature pairs", () => {
    assert.deepEqual(decodeSignaturePair(hex("3006020101020102")), { r: 1n, s: 2n });
    for (const bad of [
      "300702010102010200", // a byte after s inside the SEQUENCE
      "300602010102010200", // trailing byte after the SEQUENCE
      "300702020001020102", // non-minimal INTEGER (leading zero)
      "3006020181020102", // negative INTEGER
      "308106020101020102", // non-minimal length
      "3003020101", // s missing
    ])
      assert.throws(() => decodeSignaturePair(hex(bad)), DerError, bad);
  });

  it("parses SubjectPublicKeyInfo of RSA, EC and Ed25519 keys", () => {
    const rsa = parseSubjectPublicKeyInfo(
      der(generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey, "spki"),
    );
    assert.equal(rsa.algorithm, "1.2.840.113549.1.1.1");
    assert.equal(rsa.namedCurve, undefined);
    const ec = parseSubjectPublicKeyInfo(
      der(generateKeyPairSync("ec", { namedCurve: "secp521r1" }).publicKey, "spki"),
    );
    assert.deepEqual(
      [ec.algorithm, ec.namedCurve, ec.publicKey.length],
      ["1.2.840.10045.2.1", "1.3.132.0.35", 133],
    );
    const ed = parseSubjectPublicKeyInfo(der(generateKeyPairSync("ed25519").publicKey, "spki"));
    assert.deepEqual([ed.algorithm, ed.publicKey.length], ["1.3.101.112", 32]);
  });
});
