/**
 * Signing and verification with SIGN_VERIFY keys, for every SigningAlgorithmSpec KMS has. The
 * signatures are the standard encodings with nothing of Trent's added, so they verify with
 * OpenSSL and any other library holding the public key from GetPublicKey, and the other way
 * round: https://docs.aws.amazon.com/kms/latest/developerguide/asymmetric-key-specs.html
 *
 *   RSASSA_PKCS1_V1_5_SHA_*  EMSA-PKCS1-v1_5 (RFC 8017 §9.2) with the DigestInfo of the hash
 *   RSASSA_PSS_SHA_*         EMSA-PSS (RFC 8017 §9.1), MGF1 with the same hash, salt as long as
 *                            the hash (AWS: "salt length equal to the length of the digest")
 *   ECDSA_SHA_*              ECDSA (FIPS 186-5), DER Ecdsa-Sig-Value, S not normalized
 *   ED25519_SHA_512          pure Ed25519 (RFC 8032 §5.1), RAW messages only
 *   ED25519_PH_SHA_512       Ed25519ph with an empty context; the DIGEST the caller sends is
 *                            prehashed once more with SHA-512, as AWS documents
 *   ML_DSA_SHAKE_256         pure ML-DSA (FIPS 204) with an empty context, or a caller's
 *                            64-byte μ (EXTERNAL_MU, FIPS 204 §6.2)
 *   SM2DSA                   sm2-signature.ts
 *
 * For RSA and ECDSA a RAW message is hashed here and a DIGEST is used as it comes; both then take
 * one path, which signs the digest directly. Node can only sign messages it hashes itself, so
 * RSA goes through OpenSSL's raw private-key operation after encoding (PKCS #1 v1.5 padding by
 * OpenSSL, PSS encoding here), and ECDSA through @noble/curves. Keys come as stored: PKCS#8 DER
 * private keys (the 32-byte seed for ML-DSA) and DER SubjectPublicKeyInfo public keys.
 */
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
  privateEncrypt,
  publicDecrypt,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import { ed25519ph } from "@noble/curves/ed25519.js";
import { p256, p384, p521 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { ml_dsa44, ml_dsa65, ml_dsa87 } from "@noble/post-quantum/ml-dsa.js";
import type {
  KeySpec,
  MessageType,
  SigningAlgorithmSpec,
} from "../../vocabulary/types.generated.js";
import { ecPrivateScalar, ed25519Seed, parseSubjectPublicKeyInfo } from "./der-reader.js";
import { sm2Sign, sm2Verify } from "./sm2-signature.js";

type HashName = "sha256" | "sha384" | "sha512";

type Scheme =
  | { readonly kind: "rsa-pkcs1" | "rsa-pss" | "ecdsa"; readonly hash: HashName }
  | { readonly kind: "ed25519" | "ed25519ph" | "ml-dsa" | "sm2" };

const schemes: Record<SigningAlgorithmSpec, Scheme> = {
  RSASSA_PKCS1_V1_5_SHA_256: { kind: "rsa-pkcs1", hash: "sha256" },
  RSASSA_PKCS1_V1_5_SHA_384: { kind: "rsa-pkcs1", hash: "sha384" },
  RSASSA_PKCS1_V1_5_SHA_512: { kind: "rsa-pkcs1", hash: "sha512" },
  RSASSA_PSS_SHA_256: { kind: "rsa-pss", hash: "sha256" },
  RSASSA_PSS_SHA_384: { kind: "rsa-pss", hash: "sha384" },
  RSASSA_PSS_SHA_512: { kind: "rsa-pss", hash: "sha512" },
  ECDSA_SHA_256: { kind: "ecdsa", hash: "sha256" },
  ECDSA_SHA_384: { kind: "ecdsa", hash: "sha384" },
  ECDSA_SHA_512: { kind: "ecdsa", hash: "sha512" },
  ED25519_SHA_512: { kind: "ed25519" },
  ED25519_PH_SHA_512: { kind: "ed25519ph" },
  ML_DSA_SHAKE_256: { kind: "ml-dsa" },
  SM2DSA: { kind: "sm2" },
};

const hashLengths: Record<HashName, number> = { sha256: 32, sha384: 48, sha512: 64 };

/**
 * DER of DigestInfo ::= SEQUENCE { AlgorithmIdentifier { hash OID, NULL }, OCTET STRING } up to
 * the digest itself (RFC 8017 §9.2, note 1).
 */
const digestInfoPrefixes: Record<HashName, Buffer> = {
  sha256: Buffer.from("3031300d060960864801650304020105000420", "hex"),
  sha384: Buffer.from("3041300d060960864801650304020205000430", "hex"),
  sha512: Buffer.from("3051300d060960864801650304020305000440", "hex"),
};

const ecdsaCurves = {
  ECC_NIST_P256: p256,
  ECC_NIST_P384: p384,
  ECC_NIST_P521: p521,
  ECC_SECG_P256K1: secp256k1,
} as const;

const mlDsa = { ML_DSA_44: ml_dsa44, ML_DSA_65: ml_dsa65, ML_DSA_87: ml_dsa87 } as const;

export interface SigningKeyPair {
  /** PKCS#8 DER, or for ML-DSA keys the 32-byte FIPS 204 seed ξ. */
  readonly privateKey: Uint8Array;
  readonly publicKeySpki: Uint8Array;
}

function hash(name: HashName, data: Uint8Array): Buffer {
  return createHash(name).update(data).digest();
}

/** The digest RSA and ECDSA sign: the message hashed (RAW) or as the caller sent it (DIGEST). */
function digestOf(name: HashName, message: Uint8Array, messageType: MessageType): Uint8Array {
  if (messageType === "RAW") return hash(name, message);
  if (messageType === "DIGEST") return message;
  throw new RangeError(`${messageType} does not apply to RSA or ECDSA`);
}

function ecdsaCurve(spec: KeySpec) {
  if (!Object.hasOwn(ecdsaCurves, spec)) throw new RangeError(`${spec} is not an ECDSA key spec`);
  return ecdsaCurves[spec as keyof typeof ecdsaCurves];
}

function mlDsaFor(spec: KeySpec) {
  if (!Object.hasOwn(mlDsa, spec)) throw new RangeError(`${spec} is not an ML-DSA key spec`);
  return mlDsa[spec as keyof typeof mlDsa];
}

function rsaPrivateKey(pkcs8: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
}

function rsaPublicKey(spki: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
}

function modulusBits(key: KeyObject): number {
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (key.asymmetricKeyType !== "rsa" || bits === undefined) throw new RangeError("not an RSA key");
  return bits;
}

function leftPad(bytes: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length);
  out.set(bytes, length - bytes.length);
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** MGF1 (RFC 8017 §B.2.1): Hash(seed ‖ counter) for counter = 0, 1, …, truncated. */
function mgf1(name: HashName, seed: Uint8Array, length: number): Buffer {
  const blocks: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let i = 0; blocks.length * hashLengths[name] < length; i++) {
    counter.writeUInt32BE(i);
    blocks.push(createHash(name).update(seed).update(counter).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** H = Hash(0x00 × 8 ‖ mHash ‖ salt), the M' of RFC 8017 §9.1.1 step 5-6. */
function pssHash(name: HashName, digest: Uint8Array, salt: Uint8Array): Buffer {
  return createHash(name).update(Buffer.alloc(8)).update(digest).update(salt).digest();
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with a salt as long as the hash. */
function emsaPssEncode(name: HashName, digest: Uint8Array, emBits: number): Buffer {
  const hLen = hashLengths[name];
  const emLen = Math.ceil(emBits / 8);
  if (emLen < 2 * hLen + 2) throw new RangeError("RSA key too short for PSS with this hash");
  const salt = randomBytes(hLen);
  const h = pssHash(name, digest, salt);
  const db = Buffer.alloc(emLen - hLen - 1);
  db[db.length - hLen - 1] = 0x01;
  salt.copy(db, db.length - hLen);
  const mask = mgf1(name, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  return Buffer.concat([db, h, Buffer.of(0xbc)]);
}

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2) with a salt as long as the hash. */
function emsaPssVerify(
  name: HashName,
  digest: Uint8Array,
  em: Uint8Array,
  emBits: number,
): boolean {
  const hLen = hashLengths[name];
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || emLen < 2 * hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topBits = 0xff << (8 - (8 * emLen - emBits));
  if (maskedDb[0]! & topBits & 0xff) return false;
  const mask = mgf1(name, h, maskedDb.length);
  const db = Buffer.alloc(maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i] = maskedDb[i]! ^ mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const separator = db.length - hLen - 1;
  for (let i = 0; i < separator; i++) if (db[i] !== 0) return false;
  if (db[separator] !== 0x01) return false;
  return equalBytes(pssHash(name, digest, db.subarray(separator + 1)), h);
}

function rsaSign(
  scheme: "rsa-pkcs1" | "rsa-pss",
  name: HashName,
  pkcs8: Uint8Array,
  digest: Uint8Array,
): Uint8Array {
  const key = rsaPrivateKey(pkcs8);
  if (scheme === "rsa-pkcs1")
    return new Uint8Array(
      privateEncrypt(
        { key, padding: constants.RSA_PKCS1_PADDING },
        Buffer.concat([digestInfoPrefixes[name], digest]),
      ),
    );
  const bits = modulusBits(key);
  const em = emsaPssEncode(name, digest, bits - 1);
  return new Uint8Array(
    privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, leftPad(em, Math.ceil(bits / 8))),
  );
}

function rsaVerify(
  scheme: "rsa-pkcs1" | "rsa-pss",
  name: HashName,
  spki: Uint8Array,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  const key = rsaPublicKey(spki);
  const bits = modulusBits(key);
  const k = Math.ceil(bits / 8);
  // RFC 8017 §8.1.2 and §8.2.2 step 1: a signature is exactly as long as the modulus.
  if (signature.length !== k) return false;
  let opened: Buffer;
  try {
    opened = publicDecrypt(
      {
        key,
        padding: scheme === "rsa-pkcs1" ? constants.RSA_PKCS1_PADDING : constants.RSA_NO_PADDING,
      },
      signature,
    );
  } catch {
    return false;
  }
  if (scheme === "rsa-pkcs1")
    return equalBytes(opened, Buffer.concat([digestInfoPrefixes[name], digest]));
  const em = leftPad(opened, k);
  const emLen = Math.ceil((bits - 1) / 8);
  for (let i = 0; i < k - emLen; i++) if (em[i] !== 0) return false;
  return emsaPssVerify(name, digest, em.subarray(k - emLen), bits - 1);
}

function ecdsaSign(spec: KeySpec, pkcs8: Uint8Array, digest: Uint8Array): Uint8Array {
  const curve = ecdsaCurve(spec);
  const { scalar } = ecPrivateScalar(pkcs8);
  // OpenSSL-compatible signatures: S is not forced into the low half, k is hedged (RFC 6979
  // with fresh randomness mixed in).
  return curve.sign(digest, leftPad(scalar, curve.lengths.secretKey ?? scalar.length), {
    prehash: false,
    lowS: false,
    format: "der",
    extraEntropy: true,
  });
}

function ecdsaVerify(
  spec: KeySpec,
  spki: Uint8Array,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  const curve = ecdsaCurve(spec);
  const { publicKey } = parseSubjectPublicKeyInfo(spki);
  try {
    return curve.verify(signature, digest, publicKey, {
      prehash: false,
      lowS: false,
      format: "der",
    });
  } catch {
    return false;
  }
}

function mlDsaPublicKey(spki: Uint8Array): Uint8Array {
  return parseSubjectPublicKeyInfo(spki).publicKey;
}

/** Signs `message` (or the digest or μ it stands for, per `messageType`) with `algorithm`. */
export function signMessage(
  spec: KeySpec,
  algorithm: SigningAlgorithmSpec,
  keys: SigningKeyPair,
  message: Uint8Array,
  messageType: MessageType,
): Uint8Array {
  const scheme = schemes[algorithm];
  switch (scheme.kind) {
    case "rsa-pkcs1":
    case "rsa-pss":
      return rsaSign(
        scheme.kind,
        scheme.hash,
        keys.privateKey,
        digestOf(scheme.hash, message, messageType),
      );
    case "ecdsa":
      return ecdsaSign(spec, keys.privateKey, digestOf(scheme.hash, message, messageType));
    case "ed25519":
      return new Uint8Array(
        nodeSign(
          null,
          message,
          createPrivateKey({ key: Buffer.from(keys.privateKey), format: "der", type: "pkcs8" }),
        ),
      );
    case "ed25519ph":
      return ed25519ph.sign(message, ed25519Seed(keys.privateKey));
    case "ml-dsa": {
      const dsa = mlDsaFor(spec);
      const { secretKey } = dsa.keygen(keys.privateKey);
      return messageType === "EXTERNAL_MU"
        ? dsa.internal.sign(message, secretKey, { externalMu: true })
        : dsa.sign(message, secretKey);
    }
    case "sm2":
      return sm2Sign(
        keys.privateKey,
        parseSubjectPublicKeyInfo(keys.publicKeySpki).publicKey,
        message,
        messageType === "DIGEST" ? "DIGEST" : "RAW",
      );
  }
}

/** Whether `signature` is `algorithm`'s signature of the message under the public key. */
export function verifySignature(
  spec: KeySpec,
  algorithm: SigningAlgorithmSpec,
  publicKeySpki: Uint8Array,
  message: Uint8Array,
  messageType: MessageType,
  signature: Uint8Array,
): boolean {
  const scheme = schemes[algorithm];
  switch (scheme.kind) {
    case "rsa-pkcs1":
    case "rsa-pss":
      return rsaVerify(
        scheme.kind,
        scheme.hash,
        publicKeySpki,
        digestOf(scheme.hash, message, messageType),
        signature,
      );
    case "ecdsa":
      return ecdsaVerify(
        spec,
        publicKeySpki,
        digestOf(scheme.hash, message, messageType),
        signature,
      );
    case "ed25519":
      try {
        return nodeVerify(
          null,
          message,
          createPublicKey({ key: Buffer.from(publicKeySpki), format: "der", type: "spki" }),
          signature,
        );
      } catch {
        return false;
      }
    case "ed25519ph":
      try {
        // zip215: false keeps RFC 8032's strict encoding checks, as OpenSSL applies them.
        return ed25519ph.verify(
          signature,
          message,
          parseSubjectPublicKeyInfo(publicKeySpki).publicKey,
          { zip215: false },
        );
      } catch {
        return false;
      }
    case "ml-dsa": {
      const dsa = mlDsaFor(spec);
      const publicKey = mlDsaPublicKey(publicKeySpki);
      try {
        return messageType === "EXTERNAL_MU"
          ? dsa.internal.verify(signature, message, publicKey, { externalMu: true })
          : dsa.verify(signature, message, publicKey);
      } catch {
        return false;
      }
    }
    case "sm2":
      return sm2Verify(
        parseSubjectPublicKeyInfo(publicKeySpki).publicKey,
        message,
        messageType === "DIGEST" ? "DIGEST" : "RAW",
        signature,
      );
  }
}
