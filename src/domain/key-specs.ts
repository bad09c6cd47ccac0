/**
 * What each KeySpec is: its family, the key usages AWS allows for it, and the algorithms
 * DescribeKey lists for each usage. CreateKey validation, DescribeKey and the cryptographic
 * operations all read this one table.
 * https://docs.aws.amazon.com/kms/latest/developerguide/symm-asymm-choose-key-spec.html
 */
import { enumValues } from "../vocabulary/model.js";
import type {
  CustomerMasterKeySpec,
  EncryptionAlgorithmSpec,
  KeyAgreementAlgorithmSpec,
  KeySpec,
  KeyUsageType,
  MacAlgorithmSpec,
  SigningAlgorithmSpec,
} from "../vocabulary/types.generated.js";

export type KeyFamily = "symmetric" | "rsa" | "ecc" | "ed25519" | "ml-dsa" | "hmac" | "sm2";

export interface KeySpecInfo {
  readonly family: KeyFamily;
  readonly usages: readonly KeyUsageType[];
  readonly encryptionAlgorithms?: readonly EncryptionAlgorithmSpec[];
  readonly signingAlgorithms?: readonly SigningAlgorithmSpec[];
  readonly macAlgorithms?: readonly MacAlgorithmSpec[];
  readonly keyAgreementAlgorithms?: readonly KeyAgreementAlgorithmSpec[];
}

const rsaSigning: readonly SigningAlgorithmSpec[] = [
  "RSASSA_PSS_SHA_256",
  "RSASSA_PSS_SHA_384",
  "RSASSA_PSS_SHA_512",
  "RSASSA_PKCS1_V1_5_SHA_256",
  "RSASSA_PKCS1_V1_5_SHA_384",
  "RSASSA_PKCS1_V1_5_SHA_512",
];
const rsaEncryption: readonly EncryptionAlgorithmSpec[] = [
  "RSAES_OAEP_SHA_1",
  "RSAES_OAEP_SHA_256",
];
const rsa: KeySpecInfo = {
  family: "rsa",
  usages: ["ENCRYPT_DECRYPT", "SIGN_VERIFY"],
  encryptionAlgorithms: rsaEncryption,
  signingAlgorithms: rsaSigning,
};
const nistCurve = (signing: SigningAlgorithmSpec): KeySpecInfo => ({
  family: "ecc",
  usages: ["SIGN_VERIFY", "KEY_AGREEMENT"],
  signingAlgorithms: [signing],
  keyAgreementAlgorithms: ["ECDH"],
});
const mlDsa: KeySpecInfo = {
  family: "ml-dsa",
  usages: ["SIGN_VERIFY"],
  signingAlgorithms: ["ML_DSA_SHAKE_256"],
};
const hmac = (algorithm: MacAlgorithmSpec): KeySpecInfo => ({
  family: "hmac",
  usages: ["GENERATE_VERIFY_MAC"],
  macAlgorithms: [algorithm],
});

export const keySpecs: Record<KeySpec, KeySpecInfo> = {
  SYMMETRIC_DEFAULT: {
    family: "symmetric",
    usages: ["ENCRYPT_DECRYPT"],
    encryptionAlgorithms: ["SYMMETRIC_DEFAULT"],
  },
  RSA_2048: rsa,
  RSA_3072: rsa,
  RSA_4096: rsa,
  ECC_NIST_P256: nistCurve("ECDSA_SHA_256"),
  ECC_NIST_P384: nistCurve("ECDSA_SHA_384"),
  ECC_NIST_P521: nistCurve("ECDSA_SHA_512"),
  ECC_SECG_P256K1: { family: "ecc", usages: ["SIGN_VERIFY"], signingAlgorithms: ["ECDSA_SHA_256"] },
  ECC_NIST_EDWARDS25519: {
    family: "ed25519",
    usages: ["SIGN_VERIFY"],
    signingAlgorithms: ["ED25519_SHA_512", "ED25519_PH_SHA_512"],
  },
  ML_DSA_44: mlDsa,
  ML_DSA_65: mlDsa,
  ML_DSA_87: mlDsa,
  HMAC_224: hmac("HMAC_SHA_224"),
  HMAC_256: hmac("HMAC_SHA_256"),
  HMAC_384: hmac("HMAC_SHA_384"),
  HMAC_512: hmac("HMAC_SHA_512"),
  SM2: {
    family: "sm2",
    usages: ["ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"],
    encryptionAlgorithms: ["SM2PKE"],
    signingAlgorithms: ["SM2DSA"],
    keyAgreementAlgorithms: ["ECDH"],
  },
};

export function isSymmetricEncryptionKey(spec: KeySpec, usage: KeyUsageType): boolean {
  return spec === "SYMMETRIC_DEFAULT" && usage === "ENCRYPT_DECRYPT";
}

/** The algorithm lists DescribeKey shows for a key of this spec and usage. */
export function algorithmsFor(spec: KeySpec, usage: KeyUsageType) {
  const info = keySpecs[spec];
  return {
    EncryptionAlgorithms: usage === "ENCRYPT_DECRYPT" ? info.encryptionAlgorithms : undefined,
    SigningAlgorithms: usage === "SIGN_VERIFY" ? info.signingAlgorithms : undefined,
    MacAlgorithms: usage === "GENERATE_VERIFY_MAC" ? info.macAlgorithms : undefined,
    KeyAgreementAlgorithms: usage === "KEY_AGREEMENT" ? info.keyAgreementAlgorithms : undefined,
  };
}

/** KeySpecs the deprecated CustomerMasterKeySpec enum of the model also has. */
const customerMasterKeySpecs: ReadonlySet<string> = new Set(enumValues("CustomerMasterKeySpec"));

/**
 * The deprecated CustomerMasterKeySpec twin of a KeySpec, which DescribeKey and GetPublicKey
 * still return; undefined for specs newer than that enum, as AWS leaves it out for them.
 */
export function customerMasterKeySpecOf(spec: KeySpec): CustomerMasterKeySpec | undefined {
  return customerMasterKeySpecs.has(spec) ? (spec as CustomerMasterKeySpec) : undefined;
}
