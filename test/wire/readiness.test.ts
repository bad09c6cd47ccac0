/**
 * GET /health and GET /ready as a load balancer or Kubernetes probe sees them. /health answers
 * while the process lives; /ready answers 503, naming the failed check, while the database is
 * down for real (a PostgreSQL server stopped under a running Trent) or holds migrations this
 * Trent does not know, and 200 again once that is over.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import pg from "pg";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../support/postgres.js";
import { scrape } from "../support/prometheus.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

async function probe(url: string, path: string) {
  const res = await fetch(`${url}${path}`);
  return {
    status: res.status,
    contentType: res.headers.get("content-type"),
    requestId: res.headers.get("x-amzn-requestid"),
    body: (await res.json()) as Record<string, unknown>,
  };
}

describe("probes on the embedded store", () => {
  let trent: TestTrent;
  before(async () => {
    trent = await startTestTrent();
  });
  after(() => trent.close());

  it("GET /health answers 200 {status: ok} as application/json", async () => {
    const health = await probe(trent.url, "/health");
    assert.deepEqual(health.body, { status: "ok" });
    assert.equal(health.status, 200);
    assert.equal(health.contentType, "application/json");
    assert.ok(health.requestId);
  });

  it("GET /ready answers 200 with its checks as application/json", async () => {
    const ready = await probe(trent.url, "/ready");
    assert.equal(ready.status, 200);
    assert.equal(ready.contentType, "application/json");
    assert.deepEqual(ready.body, {
      status: "ready",
      checks: { store: "reachable", migrations: "current", rootKey: "verified" },
    });
  });

  it("answers other methods on the probe paths with JSON and __type", async () => {
    const res = await fetch(`${trent.url}/ready`, { method: "POST" });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.equal(((await res.json()) as { __type: string }).__type, "UnknownOperationException");
  });
});

describe("readiness on PostgreSQL", { skip: postgresSkipReason() }, () => {
  let server: TestPostgres;
  let databaseUrl: string;
  let trent: TestTrent;
  const logged: string[] = [];

  before(async () => {
    server = await startTestPostgres();
    databaseUrl = await server.createDatabase();
    trent = await startTestTrent(
      { databaseUrl, rootKey: new Uint8Array(32).fill(9) },
      { log: (line) => logged.push(line) },
    );
  });
  after(async () => {
    await trent?.close();
    await server?.stop();
  });

  it("goes 503 while the database is stopped, and back to 200 once it runs again", async () => {
    assert.equal((await probe(trent.url, "/ready")).status, 200);
    await trent.client().send(new CreateKeyCommand({}));

    await server.pause();
    try {
      const down = await probe(trent.url, "/ready");
      assert.equal(down.status, 503);
      assert.equal(down.contentType, "application/json");
      assert.deepEqual(down.body, {
        __type: "ServiceUnavailableException",
        message: "Not ready: the store did not answer",
        status: "unavailable",
        checks: { store: "unreachable", migrations: "unknown", rootKey: "verified" },
      });
      // Alive all the same: a liveness probe must not restart Trent for its database.
      assert.equal((await probe(trent.url, "/health")).status, 200);
      const metrics = await scrape(trent.url);
      assert.ok(metrics.value("trent_store_query_errors_total", { kind: "connect" }) >= 1);
      assert.ok(
        logged.some((line) => line === "not ready: the store did not answer"),
        logged.join("\n"),
      );
    } finally {
      await server.resume();
    }

    const up = await probe(trent.url, "/ready");
    assert.equal(up.status, 200);
    assert.deepEqual(up.body.checks, {
      store: "reachable",
      migrations: "current",
      rootKey: "verified",
    });
    assert.ok(logged.includes("ready again"));
    await trent.client().send(new CreateKeyCommand({}));
  });

  it("goes 503 while the database holds a migration this Trent does not know", async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(
        "insert into trent_migrations (name, timestamp) values ('9999_from_a_newer_trent', '2030-01-01T00:00:00.000Z')",
      );
      const newer = await probe(trent.url, "/ready");
      assert.equal(newer.status, 503);
      assert.deepEqual(newer.body.checks, {
        store: "reachable",
        migrations: "newer",
        rootKey: "verified",
      });
      assert.match(String(newer.body.message), /9999_from_a_newer_trent/);
      await client.query("delete from trent_migrations where name = '9999_from_a_newer_trent'");
      assert.equal((await probe(trent.url, "/ready")).status, 200);
    } finally {
      await client.end();
    }
  });
});
