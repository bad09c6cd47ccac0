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
import { bitString, objectIdentifier, sequence } from "./der.js";
import { type AsymmetricKeySpec, asymmetricKeyParameters } from "./key-parameters.js";

export interface GeneratedKeyMaterial {
  readonly secret: Uint8Array;
  readonly publicKey?: Uint8Array;
}

/** Secret lengths of the keys whose material is random bytes; the rest are key pairs. */
const secretLengths: Readonly<Partial<Record<KeySpec, number>>> = {
  SYMMETRIC_DEFAULT: 32,
  HMAC_224: 28,
  HMAC_256: 32,
  HMAC_384: 48,
  HMAC_512: 64,
};

const mlDsa = { 44: ml_dsa44, 65: ml_dsa65, 87: ml_dsa87 } as const;

/**
 * SubjectPublicKeyInfo ::= SEQUENCE { SEQUENCE { OID id-ml-dsa-<level> }, BIT STRING key }; RFC
 * 9881 puts the NIST object identifier in the AlgorithmIdentifier with absent parameters.
 */
function mlDsaSubjectPublicKeyInfo(oid: string, rawPublicKey: Uint8Array): Uint8Array {
  return sequence(sequence(objectIdentifier(oid)), bitString(rawPublicKey));
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
  const parameters = asymmetricKeyParameters[spec as AsymmetricKeySpec];
  if (parameters?.kind !== "ml-dsa" || seed.length !== 32) return undefined;
  const { publicKey } = mlDsa[parameters.level].keygen(seed);
  return mlDsaSubjectPublicKeyInfo(parameters.oid, publicKey);
}

/** New key material for a key of `spec`; random bytes and seeds come from `random`. */
export async function generateKeyMaterial(
  spec: KeySpec,
  random: Random,
): Promise<GeneratedKeyMaterial> {
  const secretLength = secretLengths[spec];
  if (secretLength !== undefined) return { secret: random.bytes(secretLength) };
  const generator = asymmetricKeyParameters[spec as AsymmetricKeySpec];
  switch (generator.kind) {
    case "rsa":
      return keyPair((done) =>
        generateKeyPair(
          "rsa",
          { modulusLength: generator.modulusLength, publicExponent: 0x10001 },
          done,
        ),
      );
    case "ec":
      return keyPair((done) => generateKeyPair("ec", { namedCurve: generator.opensslName }, done));
    case "ed25519":
      return keyPair((done) => generateKeyPair("ed25519", {}, done));
    case "ml-dsa": {
      const seed = random.bytes(32);
      const { publicKey } = mlDsa[generator.level].keygen(seed);
      return {
        secret: seed,
        publicKey: mlDsaSubjectPublicKeyInfo(generator.oid, publicKey),
      };
    }
  }
}
