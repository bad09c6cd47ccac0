/**
 * Synthetic audit records of the shapes Trent writes (cloudTrailRecord, serviceEventRecord),
 * generated deterministically from a record number, with the facts a test needs to know which
 * filters each one matches: for the audit index tests.
 */
import {
  type AuditRecord,
  cloudTrailRecord,
  serviceEventRecord,
} from "../../src/platform/audit/cloudtrail-record.js";
import type { OperationName } from "../../src/vocabulary/model.generated.js";

export const account = "111122223333";
export const region = "us-east-1";
export const start = Date.parse("2025-01-01T00:00:00Z");

export const keyCount = 2000;

export const keyId = (k: number) =>
  `${k.toString(16).padStart(8, "0")}-12ab-34cd-56ef-1234567890ab`;
export const keyArn = (k: number) => `arn:aws:kms:${region}:${account}:key/${keyId(k)}`;
export const aliasArn = `arn:aws:kms:${region}:${account}:alias/payments`;
export const eventId = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
export const callers = [
  `arn:aws:iam::${account}:root`,
  ...Array.from({ length: 24 }, (_, n) => `arn:aws:iam::${account}:user/user-${n}`),
];
const operations: readonly [OperationName, number][] = [
  ["Encrypt", 40],
  ["Decrypt", 30],
  ["GenerateDataKey", 15],
  ["DescribeKey", 5],
  ["ReEncrypt", 5],
  ["Sign", 3],
  ["CreateAlias", 1],
  ["ListKeys", 1],
];
export const errors = [
  "AccessDeniedException",
  "NotFoundException",
  "DisabledException",
  "InvalidCiphertextException",
  "KMSInvalidStateException",
];

/** mulberry32: a small deterministic generator, so a failure can be replayed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

export interface Facts {
  readonly operation: string;
  readonly caller: string;
  readonly error: string | undefined;
  readonly keys: readonly number[];
  readonly alias: boolean;
  readonly time: number;
}

/**
 * Record i: three per `spacing` seconds (one unless given), so paging must order records of one
 * second by their sequence.
 */
export function factsOf(
  i: number,
  next: () => number,
  { first = start, spacing = 1, keyTotal = keyCount } = {},
): Facts {
  const time = Math.floor(first / 1000) + Math.floor(i / 3) * spacing;
  if (i % 10_000 === 9_999)
    return {
      operation: "RotateKey",
      caller: "AWS Internal",
      error: undefined,
      keys: [i % keyTotal],
      alias: false,
      time,
    };
  let pick = next() * 100;
  let operation: OperationName = "Encrypt";
  for (const [name, weight] of operations) {
    pick -= weight;
    if (pick < 0) {
      operation = name;
      break;
    }
  }
  const roll = next();
  const error = roll < 0.03 ? errors[Math.floor((roll / 0.03) * errors.length)] : undefined;
  const key = Math.floor(next() * keyTotal);
  const keys =
    operation === "ListKeys" ? [] : operation === "ReEncrypt" ? [key, (key + 1) % keyTotal] : [key];
  return {
    operation,
    caller: callers[Math.floor(next() * callers.length)] as string,
    error,
    keys,
    alias: operation === "CreateAlias",
    time,
  };
}

export function recordOf(i: number, facts: Facts): AuditRecord {
  const time = new Date(facts.time * 1000);
  if (facts.operation === "RotateKey")
    return serviceEventRecord({
      eventName: "RotateKey",
      eventId: eventId(i),
      time,
      keyArn: keyArn(facts.keys[0] as number),
      rotationType: "AUTOMATIC",
      keyOrigin: "AWS_KMS",
      previousKeyMaterialId: "a".repeat(64),
      currentKeyMaterialId: "b".repeat(64),
    });
  const resources = facts.keys.map(keyArn);
  if (facts.alias) resources.unshift(aliasArn);
  return cloudTrailRecord(
    {
      operation: facts.operation as OperationName,
      requestId: `request-${i}`,
      eventId: eventId(i),
      time,
      caller: {
        principalArn: facts.caller,
        accountId: account,
        region,
        accessKeyId: "AKIDTEST",
        temporaryCredentials: false,
        identityPolicies: [],
        sourceIp: "10.0.0.7",
        userAgent: "aws-sdk-js/3.1164.0",
      },
      sourceIp: "10.0.0.7",
      userAgent: "aws-sdk-js/3.1164.0",
      input: facts.keys.length > 0 ? { KeyId: keyId(facts.keys[0] as number) } : {},
      output: undefined,
      error:
        facts.error === undefined
          ? undefined
          : { type: facts.error, message: `${facts.error} for request ${i}` },
      notes: { resources },
    },
    { accountId: account, region },
  );
}
