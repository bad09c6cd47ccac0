/**
 * Importing key material (GetParametersForImport / ImportKeyMaterial): opening the material a
 * user wrapped under Trent's public wrapping key, the import token, the ids of imported key
 * material, and checking that imported private keys are what their key spec says.
 * The wrapping key pairs themselves are fresh data key pairs (RSA from the worker pool, SM2 on
 * the event loop), so this module never generates keys.
 *
 * Wrapping algorithms (https://docs.aws.amazon.com/kms/latest/developerguide/importing-keys-choose-wrapping-algorithm.html):
 *   RSAES_OAEP_SHA_1/_256        RSAES-OAEP of the material, MGF1 with the same hash, no label
 *   RSA_AES_KEY_WRAP_SHA_1/_256  RSAES-OAEP(SHA-1/256) of a 32-byte AES key, immediately followed
 *                                by the material wrapped under that AES key with AES key wrap with
 *                                padding (RFC 5649, OpenSSL's id-aes256-wrap-pad); the first part
 *                                is exactly as long as the RSA modulus
 *   SM2PKE                       SM2 public-key encryption of the material (China Regions)
 *
 * Import token, format version 1 (authenticated and encrypted, so the wrapping private key it
 * carries stays sealed; a token is useless after its ParametersValidTo):
 *   offset  size  field
 *   0       1     version = 0x01
 *   1       12    IV (random)
 *   13      n     AES-256-GCM ciphertext of the payload below
 *   13+n    16    GCM tag
 * AAD "trent-import-token-v1". Payload (integers big-endian):
 *   u16 len ‖ key ARN ‖ u16 len ‖ wrapping algorithm ‖ u16 len ‖ wrapping key spec ‖
 *   u64 valid-to (epoch milliseconds) ‖ wrapping private key (PKCS#8 DER, the rest)
 * The token key and the material-id key are derived with HKDF from the import key, which is
 * stored sealed under the root key (domain/root-keys.ts), so tokens survive restarts, root key
 * rotations, and work on every node.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  type KeyObject,
  privateDecrypt,
  randomBytes,
} from "node:crypto";
import type { AlgorithmSpec, KeySpec } from "../../vocabulary/types.generated.js";
import { objectIdentifier, oids } from "./der.js";
import { type AsymmetricKeySpec, asymmetricKeyParameters } from "./key-parameters.js";
import { sm2Decrypt } from "./sm2.js";

/** The wrapping algorithms Trent accepts (RSAES_PKCS1_V1_5 is refused before it gets here). */
export type ImportWrappingAlgorithm = Exclude<AlgorithmSpec, "RSAES_PKCS1_V1_5">;

const tokenVersion = 0x01;
const ivLength = 12;
const tagLength = 16;
const tokenLabel = Buffer.from("trent-import-token-v1", "utf8");
/** RFC 5649 §3: the alternative initial value of AES key wrap with padding. */
const kwpInitialValue = Buffer.from("a65959a6", "hex");
const wrappingAesKeyLength = 32;

/** Derives the import key (root of the token and material-id keys) from the root key. */
export function deriveImportKey(rootKey: Uint8Array): Uint8Array {
  return subkey(rootKey, "trent-import-v1");
}

function subkey(key: Uint8Array, info: string): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", key, Buffer.alloc(0), info, 32));
}

function u16(length: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(length);
  return out;
}

function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  return Buffer.concat([u16(bytes.length), bytes]);
}

export interface ImportTokenContents {
  readonly keyArn: string;
  readonly wrappingAlgorithm: string;
  readonly wrappingKeySpec: string;
  /** Epoch milliseconds after which the token is expired. */
  readonly validTo: number;
  /** PKCS#8 DER of the wrapping private key. Secret: never log or return it. */
  readonly wrappingPrivateKey: Uint8Array;
}

export function sealImportToken(importKey: Uint8Array, contents: ImportTokenContents): Uint8Array {
  const validTo = Buffer.alloc(8);
  validTo.writeBigUInt64BE(BigInt(contents.validTo));
  const payload = Buffer.concat([
    lengthPrefixed(contents.keyArn),
    lengthPrefixed(contents.wrappingAlgorithm),
    lengthPrefixed(contents.wrappingKeySpec),
    validTo,
    contents.wrappingPrivateKey,
  ]);
  const iv = randomBytes(ivLength);
  const cipher = createCipheriv("aes-256-gcm", subkey(importKey, "token"), iv);
  cipher.setAAD(tokenLabel);
  const body = Buffer.concat([cipher.update(payload), cipher.final()]);
  payload.fill(0);
  return new Uint8Array(Buffer.concat([Buffer.of(tokenVersion), iv, body, cipher.getAuthTag()]));
}

/** What a token says, or undefined when it is not a token this Trent sealed. */
export function openImportToken(
  importKey: Uint8Array,
  token: Uint8Array,
): ImportTokenContents | undefined {
  if (token.length < 1 + ivLength + tagLength || token[0] !== tokenVersion) return undefined;
  const bytes = Buffer.from(token);
  let payload: Buffer;
  try {
    const decipher = createDecipheriv(
      "aes-256-gcm",
      subkey(importKey, "token"),
      bytes.subarray(1, 1 + ivLength),
    );
    decipher.setAAD(tokenLabel);
    decipher.setAuthTag(bytes.subarray(bytes.length - tagLength));
    payload = Buffer.concat([
      decipher.update(bytes.subarray(1 + ivLength, bytes.length - tagLength)),
      decipher.final(),
    ]);
  } catch {
    return undefined;
  }
  let offset = 0;
  const text = (): string => {
    const length = payload.readUInt16BE(offset);
    const value = payload.subarray(offset + 2, offset + 2 + length).toString("utf8");
    offset += 2 + length;
    return value;
  };
  const keyArn = text();
  const wrappingAlgorithm = text();
  const wrappingKeySpec = text();
  const validTo = Number(payload.readBigUInt64BE(offset));
  offset += 8;
  return {
    keyArn,
    wrappingAlgorithm,
    wrappingKeySpec,
    validTo,
    wrappingPrivateKey: new Uint8Array(payload.subarray(offset)),
  };
}

const oaepHashes = {
  RSAES_OAEP_SHA_1: "sha1",
  RSAES_OAEP_SHA_256: "sha256",
  RSA_AES_KEY_WRAP_SHA_1: "sha1",
  RSA_AES_KEY_WRAP_SHA_256: "sha256",
} as const;

function oaepDecrypt(key: KeyObject, hash: "sha1" | "sha256", data: Uint8Array): Buffer {
  return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, data);
}

/**
 * The key material inside `encrypted`, or undefined when it was not wrapped with this wrapping
 * key and algorithm (the caller answers InvalidCiphertextException, whatever the reason).
 */
export function unwrapKeyMaterial(
  algorithm: ImportWrappingAlgorithm,
  wrappingPrivateKey: Uint8Array,
  encrypted: Uint8Array,
): Uint8Array | undefined {
  if (algorithm === "SM2PKE") return sm2Decrypt(wrappingPrivateKey, encrypted);
  try {
    const key = createPrivateKey({
      key: Buffer.from(wrappingPrivateKey),
      format: "der",
      type: "pkcs8",
    });
    const hash = oaepHashes[algorithm];
    if (algorithm === "RSAES_OAEP_SHA_1" || algorithm === "RSAES_OAEP_SHA_256")
      return new Uint8Array(oaepDecrypt(key, hash, encrypted));
    const modulusBytes = (key.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
    if (encrypted.length <= modulusBytes) return undefined;
    const aesKey = oaepDecrypt(key, hash, encrypted.subarray(0, modulusBytes));
    if (aesKey.length !== wrappingAesKeyLength) {
      aesKey.fill(0);
      return undefined;
    }
    const decipher = createDecipheriv("id-aes256-wrap-pad", aesKey, kwpInitialValue);
    const material = Buffer.concat([
      decipher.update(encrypted.subarray(modulusBytes)),
      decipher.final(),
    ]);
    aesKey.fill(0);
    return new Uint8Array(material);
  } catch {
    return undefined;
  }
}

/**
 * The id of imported key material: HMAC-SHA256 under a key derived from the import key, over
 * the key ARN and the material, as 64 hex digits (the shape of AWS's KeyMaterialId). Like AWS's,
 * it depends only on the key and the material, so reimporting the same material names the same
 * id, and different material can never pass for it; keyed, so the id reveals nothing.
 */
export function importedKeyMaterialId(
  importKey: Uint8Array,
  keyArn: string,
  material: Uint8Array,
): string {
  return createHmac("sha256", subkey(importKey, "material-id"))
    .update(lengthPrefixed(keyArn))
    .update(material)
    .digest("hex");
}

/** DER of the SM2 curve OID, which Node reports no key type for. */
const sm2CurveOid = Buffer.from(objectIdentifier(oids.sm2));

type PrivateKeyShape =
  | { readonly type: "rsa"; readonly modulusLength: number }
  | { readonly type: "ec"; readonly namedCurve: string }
  | { readonly type: "sm2" }
  | { readonly type: "ed25519" };

/** What an imported private key of `keySpec` must be; undefined where import is not offered (ML-DSA). */
function privateKeyShape(keySpec: KeySpec): PrivateKeyShape | undefined {
  const parameters = asymmetricKeyParameters[keySpec as AsymmetricKeySpec];
  switch (parameters?.kind) {
    case "rsa":
      return { type: "rsa", modulusLength: parameters.modulusLength };
    case "ec":
      return parameters.oid === oids.sm2
        ? { type: "sm2" }
        : { type: "ec", namedCurve: parameters.opensslName };
    case "ed25519":
      return { type: "ed25519" };
    default:
      return undefined;
  }
}

export interface ImportedKeyPair {
  /** PKCS#8 DER as Node writes it, so every encoding of one key is stored (and named) alike. */
  readonly privateKey: Uint8Array;
  /** DER SubjectPublicKeyInfo. */
  readonly publicKey: Uint8Array;
}

function matches(key: KeyObject, publicKey: Buffer, shape: PrivateKeyShape): boolean {
  switch (shape.type) {
    case "rsa":
      return (
        key.asymmetricKeyType === "rsa" &&
        key.asymmetricKeyDetails?.modulusLength === shape.modulusLength
      );
    case "ec":
      return (
        key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === shape.namedCurve
      );
    case "sm2":
      return key.asymmetricKeyType === undefined && publicKey.includes(sm2CurveOid);
    case "ed25519":
      return key.asymmetricKeyType === "ed25519";
  }
}

/**
 * The key pair of an imported asymmetric private key (PKCS#8 DER), or undefined when the bytes
 * are not a private key of `keySpec` (another algorithm, curve or modulus length).
 */
export function importedKeyPair(
  keySpec: KeySpec,
  material: Uint8Array,
): ImportedKeyPair | undefined {
  const shape = privateKeyShape(keySpec);
  if (!shape) return undefined;
  try {
    const key = createPrivateKey({ key: Buffer.from(material), format: "der", type: "pkcs8" });
    const publicKey = createPublicKey(key).export({ type: "spki", format: "der" });
    if (!matches(key, publicKey, shape)) return undefined;
    return {
      privateKey: new Uint8Array(key.export({ type: "pkcs8", format: "der" })),
      publicKey: new Uint8Array(publicKey),
    };
  } catch {
    return undefined;
  }
}
