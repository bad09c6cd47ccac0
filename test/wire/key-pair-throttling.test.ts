/**
 * RSA under load, through the AWS SDK: once a spec's ready pairs are gone and its queue limit
 * of waiting requests is reached, GenerateDataKeyPair(WithoutPlaintext) is answered
 * ThrottlingException (400, AWS's message) at once, not after a wait, while elliptic-curve
 * requests keep succeeding; the SDK's own retry of ThrottlingException then gets a pair; and
 * /metrics shows the queue limit and the throttled count.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  KMSClient,
} from "@aws-sdk/client-kms";
import { throttlingMessage } from "../../src/vocabulary/throttling.js";
import { scrape } from "../support/prometheus.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

describe("RSA key pairs under load", () => {
  let trent: TestTrent;
  let keyId: string;

  before(async () => {
    trent = await startTestTrent({
      keyPairWorkers: 1,
      // Nothing pre-generated, and one request may wait per spec.
      keyPairPoolSize: { RSA_2048: 0, RSA_3072: 0, RSA_4096: 0 },
      keyPairQueueLimit: { RSA_2048: 1, RSA_3072: 1, RSA_4096: 1 },
    });
    const created = await trent.client().send(new CreateKeyCommand({}));
    keyId = created.KeyMetadata?.KeyId ?? "";
  });
  after(() => trent.close());

  it("answers ThrottlingException at once beyond the queue limit, ECC requests unaffected", async () => {
    const kms = trent.client(); // maxAttempts 1: the SDK does not retry here
    const settled: string[] = [];
    const rsa = Array.from({ length: 4 }, (_, i) =>
      kms
        .send(
          new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: keyId, KeyPairSpec: "RSA_4096" }),
        )
        .then(
          (pair) => {
            settled.push(`rsa${i} ok`);
            return pair;
          },
          (error: unknown) => {
            settled.push(`rsa${i} throttled`);
            throw error;
          },
        ),
    );
    const ecc = Array.from({ length: 10 }, () =>
      kms.send(new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: "ECC_NIST_P256" })),
    );
    const rsaResults = await Promise.allSettled(rsa);
    for (const pair of await Promise.all(ecc)) assert.equal(pair.PublicKey?.length, 91);

    const refused = rsaResults.filter((r) => r.status === "rejected");
    const served = rsaResults.filter((r) => r.status === "fulfilled");
    assert.equal(served.length, 1, "the one request the queue holds gets its pair");
    assert.equal(refused.length, 3);
    for (const result of refused) {
      const error = (result as PromiseRejectedResult).reason;
      assert.equal(error.name, "ThrottlingException");
      assert.equal(error.message, throttlingMessage);
      assert.equal(error.$metadata.httpStatusCode, 400);
    }
    // Refused without waiting: every refusal came back before the one RSA_4096 pair.
    assert.equal(settled.at(-1)?.endsWith("ok"), true, settled.join(", "));
    assert.equal(trent.services.dataKeyPairs.stats().RSA_4096.throttled, 3);
  });

  it("is retried by the SDK until a pair is free", async () => {
    const retrying = new KMSClient({
      endpoint: trent.url,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDTRENTTEST", secretAccessKey: "trent-test-secret" },
      maxAttempts: 20,
    });
    try {
      const pairs = await Promise.all(
        Array.from({ length: 3 }, () =>
          retrying.send(new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: "RSA_2048" })),
        ),
      );
      assert.equal(
        new Set(pairs.map((p) => Buffer.from(p.PublicKey ?? []).toString("hex"))).size,
        3,
      );
      const attempts = pairs.map((p) => p.$metadata.attempts ?? 1);
      assert.ok(
        attempts.some((n) => n > 1),
        `some request was throttled and retried: ${attempts}`,
      );
    } finally {
      retrying.destroy();
    }
  });

  it("shows each spec's queue limit and throttled count in /metrics", async () => {
    const metrics = await scrape(trent.url);
    assert.equal(metrics.value("trent_key_pair_pool_queue_limit", { spec: "RSA_4096" }), 1);
    assert.equal(metrics.value("trent_key_pair_pool_waiting", { spec: "RSA_4096" }), 0);
    assert.equal(metrics.family("trent_key_pair_pool_throttled")?.type, "counter");
    assert.equal(metrics.value("trent_key_pair_pool_throttled_total", { spec: "RSA_4096" }), 3);
    assert.ok(metrics.value("trent_key_pair_pool_throttled_total", { spec: "RSA_2048" }) >= 1);
    assert.equal(
      metrics.value("trent_kms_requests_total", {
        operation: "GenerateDataKeyPairWithoutPlaintext",
        error_type: "ThrottlingException",
        status: "400",
      }),
      3,
    );
  });
});
