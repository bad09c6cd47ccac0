/**
 * The values of a model enum as AWS lists them in "Member must satisfy enum value set: [...]":
 * which values (those offered in the request's Region) and in which order (AWS's, not the
 * model's). Used by validation.ts for every enum member of every operation.
 *
 * Which values: outside the China Regions the SM2 key spec is not part of the enums of key
 * specs at all. The recorded KeySpec lists of us-east-1 (boto3#3428, 2022-09-22; LocalStack
 * test_hmac_create_key_invalid_operations, 2023-04-13) leave SM2 out although the model has had
 * it since 2022-07-18; so an SM2 value there fails like any value outside the enum. The same
 * holds here for the other key-spec enums and for SM2 key wrapping, which Trent already refused
 * outside China; the SM2 encryption and signing algorithms (SM2PKE in EncryptionAlgorithmSpec,
 * SM2DSA) stay in their enums, unrecorded, and are refused as not fitting the key's spec.
 *
 * Which order: the iteration order of a chained hash table with 32 buckets, indexed by the low
 * five bits of Java's String.hashCode() with no bit spreading, walked from bucket 0 to 31, each
 * value put at the head of its bucket while the model's values are added in the model's order
 * (so values sharing a bucket come out in reverse model order). It reproduces every recorded
 * list whose values are a model enum (28 lists, KMS and seven other services, 2 to 21 values)
 * and the bucket order of lists of up to 56 values (test/unit/aws-enum-order.test.ts against
 * test/fixtures/aws-recordings/enum-messages.json). It is not java.util.HashSet: that spreads
 * the hash (h ^ h >>> 16) and grows its table past 12 values, which matches 7 of the 28 only.
 *
 * The one exception is KeyUsage, whose list KMS checks in its own code and writes in the order
 * the usages were introduced (recorded 2023-04-13 as [ENCRYPT_DECRYPT, SIGN_VERIFY,
 * GENERATE_VERIFY_MAC]; KEY_AGREEMENT came in 2024 and is placed last, unrecorded).
 */
import { isChinaRegion } from "./arns.js";

/** Enum values that exist only in the China Regions, by enum shape. */
const chinaOnlyValues: Readonly<Record<string, readonly string[]>> = {
  KeySpec: ["SM2"],
  CustomerMasterKeySpec: ["SM2"],
  DataKeyPairSpec: ["SM2"],
  WrappingKeySpec: ["SM2"],
  AlgorithmSpec: ["SM2PKE"],
};

/** Enums that KMS lists in its own order rather than the hash order. */
const serviceOrder: Readonly<Record<string, readonly string[]>> = {
  KeyUsageType: ["ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"],
};

const buckets = 32;

/** Java's String.hashCode(): s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, in int32. */
export function javaStringHashCode(value: string): number {
  let hash = 0;
  for (let i = 0; i < value.length; i++) hash = (Math.imul(hash, 31) + value.charCodeAt(i)) | 0;
  return hash;
}

/** `modelOrder` in AWS's hash order (see the header); the model's order breaks bucket ties. */
export function awsHashOrder(modelOrder: readonly string[]): string[] {
  const table: string[][] = Array.from({ length: buckets }, () => []);
  for (const value of modelOrder) table[javaStringHashCode(value) & (buckets - 1)]!.unshift(value);
  return table.flat();
}

/** The values of enum shape `shapeName` (in the model's order) that AWS accepts in `region`. */
export function offeredValues(
  shapeName: string,
  values: readonly string[],
  region: string,
): readonly string[] {
  const chinaOnly = chinaOnlyValues[shapeName];
  if (!chinaOnly || isChinaRegion(region)) return values;
  return values.filter((value) => !chinaOnly.includes(value));
}

/** The bracketed list of AWS's message, e.g. "[HMAC_SHA_384, HMAC_SHA_256, ...]". */
export function enumValueSet(shapeName: string, values: readonly string[]): string {
  const own = serviceOrder[shapeName];
  const ordered = own
    ? // A value the model adds later than this list goes last, as KEY_AGREEMENT did.
      [...own.filter((v) => values.includes(v)), ...values.filter((v) => !own.includes(v))]
    : awsHashOrder(values);
  return `[${ordered.join(", ")}]`;
}
