/**
 * The rule AWS orders enum values by in validation messages (src/vocabulary/enum-values.ts),
 * checked against every recorded "Member must satisfy enum value set" message of
 * test/fixtures/aws-recordings/enum-messages.json, and the alternatives it was chosen over.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  awsHashOrder,
  enumValueSet,
  javaStringHashCode,
  offeredValues,
} from "../../src/vocabulary/enum-values.js";
import { enumValues } from "../../src/vocabulary/model.js";

interface EnumMessage {
  service: string;
  field: string;
  recorded: string;
  message: string;
  modelOrder?: string[];
  ruleMatches: boolean | "buckets";
}

const corpus = JSON.parse(
  readFileSync(new URL("../fixtures/aws-recordings/enum-messages.json", import.meta.url), "utf8"),
) as { messages: EnumMessage[] };

function listed(message: string): string[] {
  return message.slice(message.indexOf("[") + 1, -1).split(", ");
}

function hashSetBucket(value: string, capacity: number): number {
  const h = javaStringHashCode(value);
  return (h ^ (h >>> 16)) & (capacity - 1);
}

/**
 * java.util.HashSet on Java 8+, for comparison: the hash spread as h ^ (h >>> 16), a table of
 * 16 buckets that doubles when it holds more than 3/4 of its size (keeping each bucket's order),
 * new values appended to their bucket.
 */
function java8HashSetOrder(insertionOrder: readonly string[]): string[] {
  let capacity = 16;
  let table: string[][] = Array.from({ length: capacity }, () => []);
  let size = 0;
  for (const value of insertionOrder) {
    table[hashSetBucket(value, capacity)]!.push(value);
    size++;
    if (size > capacity * 0.75) {
      capacity *= 2;
      const grown: string[][] = Array.from({ length: capacity }, () => []);
      for (const entry of table.flat()) grown[hashSetBucket(entry, capacity)]!.push(entry);
      table = grown;
    }
  }
  return table.flat();
}

/** The hash rule with values appended to their bucket instead of put at its head. */
function tailInsertionOrder(modelOrder: readonly string[]): string[] {
  const table: string[][] = Array.from({ length: 32 }, () => []);
  for (const value of modelOrder) table[javaStringHashCode(value) & 31]!.push(value);
  return table.flat();
}

const withModel = corpus.messages.filter((m) => m.ruleMatches === true);
const bucketsOnly = corpus.messages.filter((m) => m.ruleMatches === "buckets");
const serviceLists = corpus.messages.filter((m) => m.ruleMatches === false);

describe("Java String.hashCode", () => {
  it("matches the JDK for known strings, including int32 overflow and non-ASCII", () => {
    assert.equal(javaStringHashCode(""), 0);
    assert.equal(javaStringHashCode("a"), 97);
    assert.equal(javaStringHashCode("OK"), 2524);
    assert.equal(javaStringHashCode("hello"), 99162322);
    assert.equal(javaStringHashCode("SYMMETRIC_DEFAULT"), 0x94a354f9 | 0);
    assert.equal(javaStringHashCode("RSA_2048"), 0xe102c401 | 0);
    assert.equal(javaStringHashCode("é"), 233);
  });
});

describe("AWS enum value order", () => {
  it("accounts for every recorded message of the corpus", () => {
    assert.equal(corpus.messages.length, 52);
    assert.equal(withModel.length + bucketsOnly.length + serviceLists.length, 52);
    assert.equal(withModel.length, 28);
  });

  it("reproduces every recorded list whose values are a model enum, from the model's order", () => {
    for (const m of withModel)
      assert.deepEqual(awsHashOrder(m.modelOrder!), listed(m.message), `${m.service} ${m.field}`);
  });

  it("keeps the bucket order of every recorded list no model gives (up to 56 values)", () => {
    assert.equal(bucketsOnly.length, 10);
    for (const m of bucketsOnly) {
      const values = listed(m.message);
      // Without the model's order only the buckets can be checked: the rule applied to the
      // values reversed gives them back exactly when they are in bucket order and each bucket
      // is newest first.
      assert.deepEqual(awsHashOrder([...values].reverse()), values, `${m.service} ${m.field}`);
    }
  });

  it("is not Java 8's HashSet, nor head-of-bucket order given up", () => {
    const hashSetMatches = withModel.filter(
      (m) => java8HashSetOrder(m.modelOrder!).join() === listed(m.message).join(),
    );
    assert.equal(hashSetMatches.length, 7, "HashSet order fits only short lists by chance");
    const tailMatches = withModel.filter(
      (m) => tailInsertionOrder(m.modelOrder!).join() === listed(m.message).join(),
    );
    assert.equal(tailMatches.length, 21, "appending to buckets breaks every shared bucket");
  });

  it("leaves out the service-side lists, which are not the framework's constraint message", () => {
    assert.deepEqual(
      [...new Set(serviceLists.map((m) => `${m.service}:${m.field}`))],
      ["kms:keyUsage", "lambda:compatibleRuntimes"],
    );
    for (const m of serviceLists)
      assert.notDeepEqual(awsHashOrder(m.modelOrder!), listed(m.message), m.field);
    // Lambda's compatibleRuntimes lists (16 to 25 values) are in the bucket order of a Java 8
    // HashSet: 32 buckets up to 24 values, 64 from 25 (the table grows past 3/4 full). Service
    // code, then, not the constraint framework; within a bucket HashSet keeps insertion order,
    // which the recordings cannot show.
    const lambda = serviceLists.filter((m) => m.service === "lambda");
    assert.equal(lambda.length, 13);
    for (const m of lambda) {
      const values = listed(m.message);
      let capacity = 16;
      while (values.length > capacity * 0.75) capacity *= 2;
      const buckets = values.map((v) => hashSetBucket(v, capacity));
      assert.deepEqual(
        buckets,
        [...buckets].sort((a, b) => a - b),
        m.recorded,
      );
      assert.deepEqual(java8HashSetOrder(values), values, m.recorded);
    }
  });

  it("writes KMS's recorded lists from Trent's model, in the Region's value set", () => {
    const keySpec = corpus.messages.find((m) => m.service === "kms" && m.field === "keySpec")!;
    // The 2023 list: today's model without the values added since (ML-DSA, Edwards) and
    // without SM2, which us-east-1 does not offer.
    const since2023 = new Set(["ML_DSA_44", "ML_DSA_65", "ML_DSA_87", "ECC_NIST_EDWARDS25519"]);
    const values = offeredValues("KeySpec", enumValues("KeySpec"), "us-east-1").filter(
      (v) => !since2023.has(v),
    );
    assert.equal(
      `Member must satisfy enum value set: ${enumValueSet("KeySpec", values)}`,
      keySpec.message,
    );
    const mac = corpus.messages.find((m) => m.service === "kms" && m.field === "macAlgorithm")!;
    assert.equal(
      `Member must satisfy enum value set: ${enumValueSet("MacAlgorithmSpec", enumValues("MacAlgorithmSpec"))}`,
      mac.message,
    );
    const usage = corpus.messages.find((m) => m.service === "kms" && m.field === "keyUsage")!;
    const usages2023 = enumValues("KeyUsageType").filter((v) => v !== "KEY_AGREEMENT");
    assert.equal(
      `Member must satisfy enum value set: ${enumValueSet("KeyUsageType", usages2023)}`,
      usage.message,
    );
    assert.equal(
      enumValueSet("KeyUsageType", enumValues("KeyUsageType")),
      "[ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, KEY_AGREEMENT]",
    );
  });

  it("offers the SM2 key spec and SM2 wrapping in the China Regions only", () => {
    assert.ok(!offeredValues("KeySpec", enumValues("KeySpec"), "us-east-1").includes("SM2"));
    assert.ok(offeredValues("KeySpec", enumValues("KeySpec"), "cn-north-1").includes("SM2"));
    assert.ok(
      offeredValues(
        "EncryptionAlgorithmSpec",
        enumValues("EncryptionAlgorithmSpec"),
        "eu-west-1",
      ).includes("SM2PKE"),
    );
    assert.ok(
      !offeredValues("AlgorithmSpec", enumValues("AlgorithmSpec"), "eu-west-1").includes("SM2PKE"),
    );
    assert.ok(
      offeredValues("WrappingKeySpec", enumValues("WrappingKeySpec"), "cn-northwest-1").includes(
        "SM2",
      ),
    );
  });
});
