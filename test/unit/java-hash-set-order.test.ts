import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  awsEnumOrder,
  awsEnumValueSet,
  javaStringHashCode,
} from "../fixtures/aws-recordings/java-hash-set-order.js";

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
  it("reproduces the recorded KeySpec list from the model's order", () => {
    const model = [
      "RSA_2048",
      "RSA_3072",
      "RSA_4096",
      "ECC_NIST_P256",
      "ECC_NIST_P384",
      "ECC_NIST_P521",
      "ECC_SECG_P256K1",
      "SYMMETRIC_DEFAULT",
      "HMAC_224",
      "HMAC_256",
      "HMAC_384",
      "HMAC_512",
    ];
    assert.equal(
      awsEnumValueSet(model),
      "[RSA_2048, ECC_NIST_P384, ECC_NIST_P256, ECC_NIST_P521, HMAC_384, RSA_3072, " +
        "ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512]",
    );
  });

  it("puts the later model value first when two share a bucket", () => {
    // RSA_4096 and ECC_SECG_P256K1 share bucket 24; the model declares ECC_SECG_P256K1 later.
    assert.deepEqual(awsEnumOrder(["RSA_4096", "ECC_SECG_P256K1"]), [
      "ECC_SECG_P256K1",
      "RSA_4096",
    ]);
    assert.deepEqual(awsEnumOrder(["ECC_SECG_P256K1", "RSA_4096"]), [
      "RSA_4096",
      "ECC_SECG_P256K1",
    ]);
  });

  it("matches every recorded message whose value set is a model enum", () => {
    const checked = corpus.messages.filter((m) => m.ruleMatches === true);
    assert.equal(checked.length, 28);
    for (const m of checked) {
      assert.deepEqual(awsEnumOrder(m.modelOrder!), listed(m.message), `${m.service} ${m.field}`);
    }
  });

  it("keeps the bucket order of every message whose values no model lists", () => {
    const bucketsOnly = corpus.messages.filter((m) => m.ruleMatches === "buckets");
    assert.equal(bucketsOnly.length, 10);
    for (const m of bucketsOnly) {
      const values = listed(m.message);
      // Without the model's order only the bucket sequence can be checked; the rule applied to
      // the values as listed, reversed within each bucket, must give them back unchanged.
      const reversedWithinBuckets = awsEnumOrder([...values].reverse());
      assert.deepEqual(reversedWithinBuckets, values, `${m.service} ${m.field}`);
    }
  });

  it("does not explain the two service-side lists, as recorded", () => {
    const others = corpus.messages.filter((m) => m.ruleMatches === false);
    assert.deepEqual(
      [...new Set(others.map((m) => `${m.service}:${m.field}`))],
      ["kms:keyUsage", "lambda:compatibleRuntimes"],
    );
    for (const m of others) {
      assert.notDeepEqual(awsEnumOrder(m.modelOrder ?? listed(m.message)), listed(m.message));
    }
  });
});
