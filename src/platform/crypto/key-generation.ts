/**
 * Generates the key material of a new KMS key, for every KeySpec.
 *
 * What `secret` holds, by family (it is sealed before storage; never log or return it):
 *   SYMMETRIC_DEFAULT        32 random bytes (AES-256-GCM key)
 *   HMAC_224/256/384/512     28/32/48/64 random bytes
 *   RSA_*, ECC_*, SM2        PKCS#8 DER private key
 *   ML_DSA_44/65/87          the 32-byte FIPS 204 seed ξ; the key pair is re-derived from it
 * `publicKey` is the DER SubjectPublicKeyInfo of asymmetric keys (what GetPublicKey returns).
 *
 * RSA generation takes up to seconds for RSA_4096, so it runs on the libuv thread pool
 * (async generateKeyPair), never synchronously on the event loop.
 */
import { generateKeyPair, type KeyObject } from "node:crypto";
import { ml_dsa44, ml_dsa65, ml_dsa87 } from "@noble/post-quantum/ml-dsa.js";
import type { Random } from "../../vocabulary/ports.js";
import type { KeySpec } from "../../vocabulary/types.generated.js";

export interface GeneratedKeyMaterial {
  readonly secret: Uint8Array;
  readonly publicKey?: Uint8Array;
}

type Generator =
  | { readonly kind: "random"; readonly bytes: number }
  | { readonly kind: "rsa"; readonly modulusLength: number }
  | { readonly kind: "ec"; readonly namedCurve: string }
  | { readonly kind: "ed25519" }
  | { readonly kind: "ml-dsa"; readonly level: 44 | 65 | 87 };

const generators: Record<KeySpec, Generator> = {
  SYMMETRIC_DEFAULT: { kind: "random", bytes: 32 },
  HMAC_224: { kind: "random", bytes: 28 },
  HMAC_256: { kind: "random", bytes: 32 },
  HMAC_384: { kind: "random", bytes: 48 },
  HMAC_512: { kind: "random", bytes: 64 },
  RSA_2048: { kind: "rsa", modulusLength: 2048 },
  RSA_3072: { kind: "rsa", modulusLength: 3072 },
  RSA_4096: { kind: "rsa", modulusLength: 4096 },
  ECC_NIST_P256: { kind: "ec", namedCurve: "prime256v1" },
  ECC_NIST_P384: { kind: "ec", namedCurve: "secp384r1" },
  ECC_NIST_P521: { kind: "ec", namedCurve: "secp521r1" },
  ECC_SECG_P256K1: { kind: "ec", namedCurve: "secp256k1" },
  SM2: { kind: "ec", namedCurve: "SM2" },
  ECC_NIST_EDWARDS25519: { kind: "ed25519" },
  ML_DSA_44: { kind: "ml-dsa", level: 44 },
  ML_DSA_65: { kind: "ml-dsa", level: 65 },
  ML_DSA_87: { kind: "ml-dsa", level: 87 },
};

const mlDsa = { 44: ml_dsa44, 65: ml_dsa65, 87: ml_dsa87 } as const;

/**
 * DER of the NIST object identifiers id-ml-dsa-44/65/87 (2.16.840.1.101.3.4.3.17/18/19).
 * RFC 9881 puts them in the AlgorithmIdentifier with absent parameters.
 */
const mlDsaOid = {
  44: [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x11],
  65: [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x12],
  87: [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x13],
} as const;

function derLength(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function derTlv(tag: number, content: Uint8Array): Uint8Array {
  const header = [tag, ...derLength(content.length)];
  const out = new Uint8Array(header.length + content.length);
  out.set(header);
  out.set(content, header.length);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** SubjectPublicKeyInfo ::= SEQUENCE { SEQUENCE { OID }, BIT STRING (0 unused bits ‖ key) } */
export function mlDsaSubjectPublicKeyInfo(
  level: 44 | 65 | 87,
  rawPublicKey: Uint8Array,
): Uint8Array {
  const algorithm = derTlv(0x30, Uint8Array.from(mlDsaOid[level]));
  const bitString = derTlv(0x03, concat(Uint8Array.of(0), rawPublicKey));
  return derTlv(0x30, concat(algorithm, bitString));
}

function der(key: KeyObject, type: "pkcs8" | "spki"): Uint8Array {
  return new Uint8Array(key.export({ type, format: "der" }));
}

function keyPair(
  generate: (
    done: (error: Error | null, publicKey: KeyObject, privateKey: KeyObject) => void,
  ) => void,
): Promise<GeneratedKeyMaterial> {
  return new Promise((resolve, reject) => {
    generate((error, publicKey, privateKey) => {
      if (error) reject(error);
      else resolve({ secret: der(privateKey, "pkcs8"), publicKey: der(publicKey, "spki") });
    });
  });
}

/**
 * The DER SubjectPublicKeyInfo of the ML-DSA key of `spec` whose FIPS 204 seed is `seed` (the
 * secret Trent stores for ML-DSA keys), or undefined when `spec` is no ML-DSA spec or the seed
 * is not 32 bytes. Seed files give ML-DSA keys as their seed.
 */
export function mlDsaPublicKey(spec: KeySpec, seed: Uint8Array): Uint8Array | undefined {
  const generator = generators[spec];
  if (generator.kind !== "ml-dsa" || seed.length !== 32) return undefined;
  const { publicKey } = mlDsa[generator.level].keygen(seed);
  return mlDsaSubjectPublicKeyInfo(generator.level, publicKey);
}

/** New key material for a key of `spec`; random bytes and seeds come from `random`. */
export async function generateKeyMaterial(
  spec: KeySpec,
  random: Random,
): Promise<GeneratedKeyMaterial> {
  const generator = generators[spec];
  switch (generator.kind) {
    case "random":
      return { secret: random.bytes(generator.bytes) };
    case "rsa":
      return keyPair((done) =>
        generateKeyPair(
          "rsa",
          { modulusLength: generator.modulusLength, publicExponent: 0x10001 },
          done,
        ),
      );
    case "ec":
      return keyPair((done) => generateKeyPair("ec", { namedCurve: generator.namedCurve }, done));
    case "ed25519":
      return keyPair((done) => generateKeyPair("ed25519", {}, done));
    case "ml-dsa": {
      const seed = random.bytes(32);
      const { publicKey } = mlDsa[generator.level].keygen(seed);
      return {
        secret: seed,
        publicKey: mlDsaSubjectPublicKeyInfo(generator.level, publicKey),
      };
    }
  }
}
