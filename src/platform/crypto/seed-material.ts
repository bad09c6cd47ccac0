/**
 * Key material as people write it in seed files, turned into the forms Trent stores
 * (key-generation.ts): private keys from PEM (PKCS#8 "PRIVATE KEY", SEC1 "EC PRIVATE KEY",
 * PKCS#1 "RSA PRIVATE KEY"), from DER, or from a raw private scalar (elliptic curves, SM2) or
 * seed (Ed25519); the PEM of a stored private key for `trent export`; and the material id of
 * seeded material.
 *
 * Nothing here decides whether material fits a key: domain/import.ts checks that, for imports
 * and seeds alike. Errors say what is wrong with the encoding, never the bytes.
 */
import { createECDH, createHash, createPrivateKey, type KeyObject } from "node:crypto";
import type { KeySpec } from "../../vocabulary/types.generated.js";
import {
  bitString,
  explicit,
  objectIdentifier,
  octetString,
  oids,
  sequence,
  smallInteger,
} from "./der.js";
import { parsePrivateKeyInfo } from "./der-reader.js";

export class KeyEncodingError extends Error {}

function pkcs8Of(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ type: "pkcs8", format: "der" }));
}

const pemHeader = /-----BEGIN ([A-Z0-9 ]+)-----/;

/** A PEM private key (PKCS#8, SEC1 or PKCS#1, unencrypted) as PKCS#8 DER. */
export function privateKeyFromPem(pem: string): Uint8Array {
  const label = pemHeader.exec(pem)?.[1];
  if (label === undefined) throw new KeyEncodingError("is not PEM (no -----BEGIN ...----- line)");
  if (label === "ENCRYPTED PRIVATE KEY" || /Proc-Type:\s*4,ENCRYPTED/.test(pem))
    throw new KeyEncodingError("is an encrypted private key; give it unencrypted");
  if (!["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"].includes(label))
    throw new KeyEncodingError(
      `is a PEM '${label}', not a private key (PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)`,
    );
  try {
    return pkcs8Of(createPrivateKey({ key: pem, format: "pem" }));
  } catch {
    throw new KeyEncodingError(`is a PEM '${label}' that does not decode as a private key`);
  }
}

/** A DER private key in any of the PEM forms' encodings, as PKCS#8 DER. */
export function privateKeyFromDer(der: Uint8Array): Uint8Array {
  for (const type of ["pkcs8", "pkcs1", "sec1"] as const) {
    try {
      return pkcs8Of(createPrivateKey({ key: Buffer.from(der), format: "der", type }));
    } catch {
      // Try the next encoding.
    }
  }
  throw new KeyEncodingError("is not a DER private key (PKCS#8, PKCS#1 or SEC1)");
}

/** Curves whose private key is a bare scalar, with OpenSSL's name, OID and scalar length. */
const scalarCurves: Partial<Record<KeySpec, { name: string; oid: string; bytes: number }>> = {
  ECC_NIST_P256: { name: "prime256v1", oid: "1.2.840.10045.3.1.7", bytes: 32 },
  ECC_NIST_P384: { name: "secp384r1", oid: "1.3.132.0.34", bytes: 48 },
  ECC_NIST_P521: { name: "secp521r1", oid: "1.3.132.0.35", bytes: 66 },
  ECC_SECG_P256K1: { name: "secp256k1", oid: "1.3.132.0.10", bytes: 32 },
  SM2: { name: "SM2", oid: "1.2.156.10197.1.301", bytes: 32 },
};

/** The DER PKCS#8 prefix of an Ed25519 key, before its 32-byte seed (RFC 8410 §7). */
const ed25519Prefix = Buffer.from("302e020100300506032b657004220420", "hex");

/** Which key specs take a raw private key, and how long it is, for messages. */
export function rawPrivateKeyLength(spec: KeySpec): number | undefined {
  if (spec === "ECC_NIST_EDWARDS25519") return 32;
  return scalarCurves[spec]?.bytes;
}

/**
 * The private key of `spec` whose raw form is `raw`: the big-endian private scalar of an
 * elliptic-curve or SM2 key (a secp256k1 key as Ethereum tools print it), or the 32-byte seed
 * of an Ed25519 key. As PKCS#8 DER, with the public key, as OpenSSL writes it.
 */
export function privateKeyFromRaw(spec: KeySpec, raw: Uint8Array): Uint8Array {
  if (spec === "ECC_NIST_EDWARDS25519") {
    if (raw.length !== 32) throw new KeyEncodingError("must be the 32-byte Ed25519 seed");
    return pkcs8Of(
      createPrivateKey({
        key: Buffer.concat([ed25519Prefix, raw]),
        format: "der",
        type: "pkcs8",
      }),
    );
  }
  const curve = scalarCurves[spec];
  if (curve === undefined)
    throw new KeyEncodingError(`has no raw form for KeySpec ${spec}; give a PEM private key`);
  if (raw.length !== curve.bytes)
    throw new KeyEncodingError(`must be the ${curve.bytes}-byte private scalar of ${spec}`);
  let publicPoint: Buffer;
  try {
    const ecdh = createECDH(curve.name);
    ecdh.setPrivateKey(Buffer.from(raw));
    publicPoint = ecdh.getPublicKey();
  } catch {
    throw new KeyEncodingError(
      `is not a valid private scalar of ${spec} (0 or not below the order)`,
    );
  }
  // ECPrivateKey ::= SEQUENCE { version 1, privateKey, [0] parameters, [1] publicKey } (RFC 5915)
  const sec1 = sequence(
    smallInteger(1),
    octetString(raw),
    explicit(0, objectIdentifier(curve.oid)),
    explicit(1, bitString(publicPoint)),
  );
  return pkcs8Of(createPrivateKey({ key: Buffer.from(sec1), format: "der", type: "sec1" }));
}

const rsaSpecs: Readonly<Record<number, KeySpec>> = {
  2048: "RSA_2048",
  3072: "RSA_3072",
  4096: "RSA_4096",
};
const curveSpecs: Readonly<Record<string, KeySpec>> = {
  prime256v1: "ECC_NIST_P256",
  secp384r1: "ECC_NIST_P384",
  secp521r1: "ECC_NIST_P521",
  secp256k1: "ECC_SECG_P256K1",
};

/**
 * The KeySpec a PKCS#8 private key is a key of, or undefined when KMS has none for it (an RSA
 * modulus of another length, another curve). local-kms seed files name no spec: the PEM does.
 */
export function keySpecOfPrivateKey(pkcs8: Uint8Array): KeySpec | undefined {
  try {
    const key = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
    if (key.asymmetricKeyType === "rsa")
      return rsaSpecs[key.asymmetricKeyDetails?.modulusLength ?? 0];
    if (key.asymmetricKeyType === "ec")
      return curveSpecs[key.asymmetricKeyDetails?.namedCurve ?? ""];
    if (key.asymmetricKeyType === "ed25519") return "ECC_NIST_EDWARDS25519";
    // Node maps no key type to OpenSSL's SM2 keys: recognise the curve in the DER.
    return parsePrivateKeyInfo(pkcs8).namedCurve === oids.sm2 ? "SM2" : undefined;
  } catch {
    return undefined;
  }
}

/** PEM text ("PRIVATE KEY") of PKCS#8 DER, 64 base64 characters a line. */
export function pemOfPrivateKey(pkcs8: Uint8Array): string {
  const lines =
    Buffer.from(pkcs8)
      .toString("base64")
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join("\n")}\n-----END PRIVATE KEY-----\n`;
}

/**
 * The material id of material a seed file gives without an id: SHA-256 over the account, key
 * id and material, domain-separated, as 64 hex digits (the shape of AWS's KeyMaterialId). The
 * same seed applied to a fresh store names its material alike, so ciphertexts made under a
 * seeded key before still decrypt; the key id keeps one material under two keys apart. The id
 * lets nobody learn the material: whoever can confirm a guess with it could confirm it by
 * decrypting a ciphertext blob that names it, too.
 */
export function seededKeyMaterialId(
  accountId: string,
  keyId: string,
  material: Uint8Array,
): string {
  const hash = createHash("sha256").update("trent-seeded-key-material-v1\0");
  for (const part of [Buffer.from(accountId), Buffer.from(keyId), material]) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(part.length);
    hash.update(length).update(part);
  }
  return hash.digest("hex");
}
