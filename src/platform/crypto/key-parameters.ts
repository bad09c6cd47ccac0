/**
 * What each asymmetric KeySpec is to the cryptography: an RSA modulus size, an elliptic curve
 * (OpenSSL's name, its object identifier, the length of its private scalar), Ed25519, or an
 * ML-DSA level. KMS keys (key-generation.ts), data key pairs (data-key-pairs.ts), imported key
 * material (import-wrapping.ts) and key agreement all read this one table. DataKeyPairSpec's
 * values are a subset of KeySpec's, so the same table serves both.
 */
import type { DataKeyPairSpec, KeySpec } from "../../vocabulary/types.generated.js";
import { oids } from "./der.js";

export interface EcCurve {
  readonly kind: "ec";
  /** OpenSSL's curve name, for createECDH and generateKeyPair. */
  readonly opensslName: string;
  readonly oid: string;
  /** Length in bytes of the group order: the fixed length of the encoded private scalar. */
  readonly scalarLength: number;
}

export type AsymmetricKeyParameters =
  | { readonly kind: "rsa"; readonly modulusLength: number }
  | EcCurve
  | { readonly kind: "ed25519" }
  | { readonly kind: "ml-dsa"; readonly level: 44 | 65 | 87; readonly oid: string };

export type AsymmetricKeySpec = Exclude<KeySpec, "SYMMETRIC_DEFAULT" | `HMAC_${string}`>;

const rsa = (modulusLength: number) => ({ kind: "rsa", modulusLength }) as const;
const curve = (opensslName: string, oid: string, scalarLength: number): EcCurve => ({
  kind: "ec",
  opensslName,
  oid,
  scalarLength,
});

export const asymmetricKeyParameters: Readonly<Record<AsymmetricKeySpec, AsymmetricKeyParameters>> =
  {
    RSA_2048: rsa(2048),
    RSA_3072: rsa(3072),
    RSA_4096: rsa(4096),
    ECC_NIST_P256: curve("prime256v1", oids.prime256v1, 32),
    ECC_NIST_P384: curve("secp384r1", oids.secp384r1, 48),
    ECC_NIST_P521: curve("secp521r1", oids.secp521r1, 66),
    ECC_SECG_P256K1: curve("secp256k1", oids.secp256k1, 32),
    SM2: curve("SM2", oids.sm2, 32),
    ECC_NIST_EDWARDS25519: { kind: "ed25519" },
    ML_DSA_44: { kind: "ml-dsa", level: 44, oid: oids.mlDsa44 },
    ML_DSA_65: { kind: "ml-dsa", level: 65, oid: oids.mlDsa65 },
    ML_DSA_87: { kind: "ml-dsa", level: 87, oid: oids.mlDsa87 },
  };

/** Every data key pair spec is an asymmetric key spec (checked by the compiler). */
export function keyPairParameters(spec: DataKeyPairSpec): AsymmetricKeyParameters {
  return asymmetricKeyParameters[spec satisfies AsymmetricKeySpec];
}

/** The curve of an elliptic-curve spec; throws for any other spec (a programming error). */
export function ecCurveOf(spec: AsymmetricKeySpec): EcCurve {
  const parameters = asymmetricKeyParameters[spec];
  if (parameters.kind !== "ec") throw new Error(`${spec} is not an elliptic-curve spec`);
  return parameters;
}
