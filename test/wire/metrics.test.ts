/**
 * GET /metrics read by a Prometheus text parser, before and after real SDK requests: the KMS
 * request counters and latency histograms move by operation, error type and status; store
 * statements, audit writes and key pair waits are counted; the key pair pool's queues and the
 * process metrics are there. With TRENT_METRICS_TOKEN, only the bearer of the token scrapes.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyPairCommand,
} from "@aws-sdk/client-kms";
import { SecretText } from "../../src/vocabulary/config.js";
import { type Scrape, scrape } from "../support/prometheus.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

describe("GET /metrics", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-metrics-"));
  let trent: TestTrent;
  let before_: Scrape;
  let after_: Scrape;

  before(async () => {
    trent = await startTestTrent({
      dataDir: dir,
      keyPairPoolSize: { RSA_2048: 1, RSA_3072: 0, RSA_4096: 0 },
    });
    const kms = trent.client();
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    before_ = await scrape(trent.url);
    await kms.send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: Buffer.from("x") }));
    await kms.send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: Buffer.from("y") }));
    await assert.rejects(
      kms.send(new DescribeKeyCommand({ KeyId: "0987dcba-09fe-87dc-65ba-ab0987654321" })),
      { name: "NotFoundException" },
    );
    for (const KeyPairSpec of ["ECC_NIST_P256", "RSA_2048"] as const)
      await kms.send(new GenerateDataKeyPairCommand({ KeyId: KeyMetadata!.KeyId, KeyPairSpec }));
    await (await fetch(`${trent.url}/health`)).text();
    after_ = await scrape(trent.url);
  });
  after(async () => {
    await trent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const moved = (name: string, labels: Record<string, string>) =>
    after_.value(name, labels) - before_.value(name, labels);
  const observed = (name: string, labels: Record<string, string>) => moved(`${name}_count`, labels);

  it("counts KMS requests by operation, error type and status", () => {
    assert.equal(after_.family("trent_kms_requests")?.type, "counter");
    const ok = { operation: "Encrypt", error_type: "", status: "200" };
    assert.equal(moved("trent_kms_requests_total", ok), 2);
    assert.equal(
      moved("trent_kms_requests_total", {
        operation: "DescribeKey",
        error_type: "NotFoundException",
        status: "400",
      }),
      1,
    );
    assert.equal(
      moved("trent_kms_requests_total", { operation: "CreateKey", error_type: "", status: "200" }),
      0,
      "nothing is counted twice",
    );
    assert.equal(
      moved("trent_kms_requests_total", {
        operation: "GenerateDataKeyPair",
        error_type: "",
        status: "200",
      }),
      2,
    );
  });

  it("has a latency histogram per operation", () => {
    assert.equal(after_.family("trent_kms_request_duration_seconds")?.type, "histogram");
    assert.equal(observed("trent_kms_request_duration_seconds", { operation: "Encrypt" }), 2);
    assert.ok(moved("trent_kms_request_duration_seconds_sum", { operation: "Encrypt" }) > 0);
    assert.equal(
      moved("trent_kms_request_duration_seconds_bucket", { operation: "Encrypt", le: "+Inf" }),
      2,
    );
  });

  it("counts every HTTP request by route and status", () => {
    assert.equal(moved("trent_http_requests_total", { route: "health", status: "200" }), 1);
    assert.equal(moved("trent_http_requests_total", { route: "kms", status: "200" }), 4);
    assert.equal(moved("trent_http_requests_total", { route: "kms", status: "400" }), 1);
    assert.equal(moved("trent_http_requests_total", { route: "metrics", status: "200" }), 1);
  });

  it("times store statements by kind", () => {
    // The SQLite key row cache answers repeated key reads from memory, so fewer selects reach
    // the database than requests read keys; inserts are each timed.
    assert.ok(observed("trent_store_query_duration_seconds", { kind: "select" }) >= 1);
    assert.ok(observed("trent_store_query_duration_seconds", { kind: "insert" }) >= 1);
    assert.equal(after_.family("trent_store_query_errors")?.type, "counter");
  });

  it("times audit writes and shows the audit queue", () => {
    assert.ok(observed("trent_audit_write_duration_seconds", { sink: "file" }) >= 1);
    assert.equal(moved("trent_audit_records_written_total", { sink: "file", result: "ok" }), 5);
    assert.equal(after_.value("trent_audit_queue_records"), 0);
  });

  it("shows the key pair pool per spec and how long requests waited", () => {
    assert.equal(observed("trent_key_pair_wait_seconds", { spec: "RSA_2048" }), 1);
    assert.equal(observed("trent_key_pair_wait_seconds", { spec: "ECC_NIST_P256" }), 1);
    for (const spec of ["RSA_2048", "RSA_3072", "RSA_4096"]) {
      assert.ok(after_.sample("trent_key_pair_pool_ready", { spec }), spec);
      assert.ok(after_.sample("trent_key_pair_pool_generating", { spec }), spec);
      assert.equal(after_.value("trent_key_pair_pool_waiting", { spec }), 0);
    }
  });

  it("includes the process metrics", () => {
    assert.ok(after_.value("process_cpu_user_seconds_total") > 0);
    assert.ok(after_.value("process_resident_memory_bytes") > 0);
    assert.ok(after_.family("nodejs_eventloop_lag_seconds"));
    assert.ok(after_.family("nodejs_heap_size_used_bytes"));
  });
});

describe("GET /metrics with TRENT_METRICS_TOKEN", () => {
  const token = "metrics-token-for-the-scraper";
  let trent: TestTrent;
  before(async () => {
    trent = await startTestTrent({ metricsToken: new SecretText(token) });
  });
  after(() => trent.close());

  it("refuses a scrape without the token or with another one, with 401 and __type", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer not-the-token" },
      { authorization: token },
    ];
    for (const headers of attempts) {
      const res = await fetch(`${trent.url}/metrics`, { headers });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get("content-type"), "application/json");
      assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="trent-metrics"');
      const body = (await res.json()) as { __type: string; message: string };
      assert.equal(body.__type, "UnauthorizedException");
      assert.doesNotMatch(body.message, new RegExp(token));
    }
  });

  it("serves the bearer of the token", async () => {
    const scraped = await scrape(trent.url, token);
    assert.ok(scraped.family("trent_kms_requests"));
  });
});
