/**
 * AWS KMS's request quotas, as the developer guide's "Request quotas" page lists them
 * (https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html, its table
 * "Request quotas for each AWS KMS API operation" and "Custom key store request quotas", read
 * 2025). Every quota is requests per second per account and Region, except the custom key store
 * quota, which is per custom key store. Names are AWS's quota names, as Service Quotas shows
 * them. Only TRENT_QUOTAS=aws applies them (request-quotas.ts); this module is data only.
 *
 * Three kinds of rows:
 * - cryptographic operations share a quota by the type of the key they use (symmetric, which
 *   includes HMAC keys; RSA; ECC and SM2; ML-DSA), charged when the key is loaded;
 * - GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext share a quota per key pair
 *   spec, apart from the symmetric quota of the key that encrypts the private key;
 * - every other operation has its own quota.
 */
import { isChinaRegion } from "../vocabulary/arns.js";
import type { OperationName } from "../vocabulary/model.generated.js";
import type { DataKeyPairSpec, KeySpec } from "../vocabulary/types.generated.js";

/** How an operation is counted. */
export type OperationQuota =
  | { readonly kind: "own"; readonly perSecond: number }
  | { readonly kind: "cryptographic" }
  | { readonly kind: "data key pair" };

const own = (perSecond: number): OperationQuota => ({ kind: "own", perSecond });
const cryptographic: OperationQuota = { kind: "cryptographic" };
const dataKeyPair: OperationQuota = { kind: "data key pair" };

/** Every operation, so a new one does not compile until it has a row. */
export const operationQuotas: Readonly<Record<OperationName, OperationQuota>> = {
  CancelKeyDeletion: own(5),
  ConnectCustomKeyStore: own(5),
  CreateAlias: own(5),
  CreateCustomKeyStore: own(5),
  CreateGrant: own(50),
  CreateKey: own(5),
  Decrypt: cryptographic,
  DeleteAlias: own(15),
  DeleteCustomKeyStore: own(5),
  DeleteImportedKeyMaterial: own(15),
  DeriveSharedSecret: cryptographic,
  DescribeCustomKeyStores: own(5),
  DescribeKey: own(2000),
  DisableKey: own(5),
  DisableKeyRotation: own(5),
  DisconnectCustomKeyStore: own(5),
  EnableKey: own(5),
  EnableKeyRotation: own(15),
  Encrypt: cryptographic,
  GenerateDataKey: cryptographic,
  GenerateDataKeyPair: dataKeyPair,
  GenerateDataKeyPairWithoutPlaintext: dataKeyPair,
  GenerateDataKeyWithoutPlaintext: cryptographic,
  GenerateMac: cryptographic,
  // No key: counted in the symmetric quota (and its custom key store's, when it names one).
  GenerateRandom: cryptographic,
  GetKeyLastUsage: own(5),
  GetKeyPolicy: own(1000),
  GetKeyRotationStatus: own(1000),
  GetParametersForImport: own(1),
  GetPublicKey: own(2000),
  ImportKeyMaterial: own(15),
  ListAliases: own(500),
  ListGrants: own(100),
  ListKeyPolicies: own(100),
  ListKeyRotations: own(100),
  ListKeys: own(500),
  ListResourceTags: own(2000),
  ListRetirableGrants: own(100),
  PutKeyPolicy: own(15),
  ReEncrypt: cryptographic,
  // Also two CreateKey requests in the replica's Region (one is a dry run), as AWS documents.
  ReplicateKey: own(5),
  RetireGrant: own(50),
  RevokeGrant: own(50),
  RotateKeyOnDemand: own(5),
  ScheduleKeyDeletion: own(15),
  Sign: cryptographic,
  TagResource: own(10),
  UntagResource: own(5),
  UpdateAlias: own(5),
  UpdateCustomKeyStore: own(5),
  UpdateKeyDescription: own(5),
  // Counted in each of the two Regions it affects.
  UpdatePrimaryRegion: own(5),
  Verify: cryptographic,
  VerifyMac: cryptographic,
};

/** The quota name of an operation with its own quota, as Service Quotas shows it. */
export function operationQuotaName(operation: OperationName): string {
  return `${operation} request rate`;
}

/** The shared quotas of cryptographic operations, by the type of key they use. */
export type KeyTypeQuota = "symmetric" | "RSA" | "ECC and SM2" | "ML-DSA";

export function keyTypeQuota(spec: KeySpec): KeyTypeQuota {
  if (spec === "SYMMETRIC_DEFAULT" || spec.startsWith("HMAC_")) return "symmetric";
  if (spec.startsWith("RSA_")) return "RSA";
  if (spec.startsWith("ML_DSA_")) return "ML-DSA";
  return "ECC and SM2";
}

export function keyTypeQuotaName(quota: KeyTypeQuota): string {
  return `Cryptographic operations (${quota}) request rate`;
}

/** Regions whose symmetric quota is 100,000 requests per second. */
const largestSymmetricRegions: ReadonlySet<string> = new Set([
  "us-east-1",
  "us-west-2",
  "eu-west-1",
]);
/** Regions whose symmetric quota is 20,000 requests per second. */
const largerSymmetricRegions: ReadonlySet<string> = new Set([
  "us-east-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-northeast-1",
  "eu-central-1",
  "eu-west-2",
]);

export function keyTypeQuotaPerSecond(quota: KeyTypeQuota, region: string): number {
  if (quota !== "symmetric") return 1000;
  if (largestSymmetricRegions.has(region)) return 100_000;
  if (largerSymmetricRegions.has(region)) return 20_000;
  return 10_000;
}

/** Each custom key store (CloudHSM or external) takes 1,800 cryptographic requests a second. */
export const customKeyStoreQuotaPerSecond = 1800;
export const customKeyStoreQuotaName = "Custom key store request quota";

/**
 * GenerateDataKeyPair's quota per key pair spec. RSA specs are lower in the China Regions
 * (RSA_3072 one request in each 2 seconds, RSA_4096 one in each 10 seconds there).
 */
export function dataKeyPairQuotaPerSecond(spec: DataKeyPairSpec, region: string): number {
  const china = isChinaRegion(region);
  switch (spec) {
    case "RSA_2048":
      return china ? 1 : 20;
    case "RSA_3072":
      return china ? 0.5 : 4;
    case "RSA_4096":
      return china ? 0.1 : 1;
    case "SM2":
      return 25;
    default:
      return 100;
  }
}

export function dataKeyPairQuotaName(spec: DataKeyPairSpec): string {
  return spec === "SM2"
    ? "GenerateDataKeyPair (SM2 — China Regions only) request rate"
    : `GenerateDataKeyPair (${spec}) request rate`;
}
