/**
 * The request quota table read back against AWS's "Request quotas" page (numbers by Region and
 * key type), and the counting: per second, per account and Region, a fraction of a request a
 * second admitting one request in each interval, all-or-nothing charges across Regions.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  dataKeyPairQuotaName,
  dataKeyPairQuotaPerSecond,
  keyTypeQuota,
  keyTypeQuotaPerSecond,
  operationQuotas,
} from "../../src/domain/request-quota-table.js";
import { RequestQuotas, requestCharges } from "../../src/domain/request-quotas.js";
import { accountRootArn } from "../../src/vocabulary/arns.js";
import { operationNames } from "../../src/vocabulary/model.generated.js";
import type { Caller } from "../../src/vocabulary/request.js";

function callerIn(region: string, accountId = "111122223333"): Caller {
  return {
    accountId,
    region,
    principalArn: accountRootArn(region, accountId),
    accessKeyId: undefined,
    temporaryCredentials: false,
    identityPolicies: "administrator",
    sourceIp: "192.0.2.1",
    userAgent: "unit test",
  };
}

const at = (ms: number) => new Date(Date.UTC(2026, 2, 1) + ms);

/** How many of `count` requests at time `ms` are admitted. */
function admitted(count: number, ms: number, call: (now: Date) => void): number {
  let n = 0;
  for (let i = 0; i < count; i++) {
    try {
      call(at(ms));
      n++;
    } catch (error) {
      assert.equal((error as { type?: string }).type, "ThrottlingException");
    }
  }
  return n;
}

describe("AWS KMS request quotas", () => {
  it("has a row for every operation", () => {
    assert.deepEqual(Object.keys(operationQuotas).sort(), [...operationNames].sort());
  });

  it("reads AWS's numbers: symmetric by Region, asymmetric by key type, data key pairs by spec", () => {
    assert.equal(keyTypeQuotaPerSecond("symmetric", "us-east-1"), 100_000);
    assert.equal(keyTypeQuotaPerSecond("symmetric", "eu-west-2"), 20_000);
    assert.equal(keyTypeQuotaPerSecond("symmetric", "sa-east-1"), 10_000);
    assert.equal(keyTypeQuota("HMAC_256"), "symmetric");
    assert.equal(keyTypeQuota("RSA_3072"), "RSA");
    assert.equal(keyTypeQuota("SM2"), "ECC and SM2");
    assert.equal(keyTypeQuota("ECC_NIST_EDWARDS25519"), "ECC and SM2");
    assert.equal(keyTypeQuota("ML_DSA_65"), "ML-DSA");
    assert.equal(keyTypeQuotaPerSecond("RSA", "us-east-1"), 1000);
    assert.equal(dataKeyPairQuotaPerSecond("RSA_2048", "us-east-1"), 20);
    assert.equal(dataKeyPairQuotaPerSecond("RSA_4096", "cn-north-1"), 0.1);
    assert.equal(dataKeyPairQuotaPerSecond("ECC_NIST_P521", "us-east-1"), 100);
    assert.equal(
      dataKeyPairQuotaName("SM2"),
      "GenerateDataKeyPair (SM2 — China Regions only) request rate",
    );
    assert.deepEqual(operationQuotas.CreateKey, { kind: "own", perSecond: 5 });
    assert.deepEqual(operationQuotas.DescribeKey, { kind: "own", perSecond: 2000 });
    assert.deepEqual(operationQuotas.GenerateMac, { kind: "cryptographic" });
  });

  it("counts per second, per account and Region", () => {
    const quotas = new RequestQuotas();
    const create = (caller: Caller) => (now: Date) =>
      quotas.admitRequest("CreateKey", {}, caller, now);
    assert.equal(admitted(8, 0, create(callerIn("us-east-1"))), 5);
    assert.equal(admitted(8, 0, create(callerIn("us-west-2"))), 5);
    assert.equal(admitted(8, 0, create(callerIn("us-east-1", "444455556666"))), 5);
    assert.equal(admitted(8, 400, create(callerIn("us-east-1"))), 2);
    assert.equal(
      admitted(8, 5_000, create(callerIn("us-east-1"))),
      5,
      "never more than a second's worth",
    );
  });

  it("admits one request in each 10 seconds for 0.1 a second (RSA_4096 pairs in China)", () => {
    const quotas = new RequestQuotas();
    const pair = (now: Date) =>
      quotas.admitRequest(
        "GenerateDataKeyPair",
        { KeyId: "k", KeyPairSpec: "RSA_4096" },
        callerIn("cn-north-1"),
        now,
      );
    assert.equal(admitted(3, 0, pair), 1);
    assert.equal(admitted(3, 9_000, pair), 0);
    assert.equal(admitted(3, 10_000, pair), 1);
  });

  it("charges ReplicateKey two CreateKey requests in the replica's Region, all or nothing", () => {
    const caller = callerIn("us-east-1");
    assert.deepEqual(
      requestCharges("ReplicateKey", { KeyId: "mrk-1", ReplicaRegion: "eu-west-1" }, caller).map(
        (c) => [c.quota, c.scope, c.cost],
      ),
      [
        ["ReplicateKey request rate", "111122223333/us-east-1", 1],
        ["CreateKey request rate", "111122223333/eu-west-1", 2],
      ],
    );
    const quotas = new RequestQuotas();
    const replicate = (now: Date) =>
      quotas.admitRequest(
        "ReplicateKey",
        { KeyId: "mrk-1", ReplicaRegion: "eu-west-1" },
        caller,
        now,
      );
    // Five CreateKey a second in eu-west-1 make room for two ReplicateKey (four CreateKey).
    assert.equal(admitted(5, 0, replicate), 2);
    // The refused third took nothing: one CreateKey is still free in eu-west-1.
    assert.equal(
      admitted(2, 0, (now) => quotas.admitRequest("CreateKey", {}, callerIn("eu-west-1"), now)),
      1,
    );
  });
});
