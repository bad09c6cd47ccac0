/**
 * TRENT_WORKERS=2 as operators run it: `trent serve` as a real process group (a primary and two
 * workers on one port, sharing a SQLite file), driven with the real SDK. Connections are pinned
 * to a worker with a one-socket keep-alive agent, and /_trent/status says which worker answered.
 *   - connections land on both workers; a key created through one is used, disabled and refused
 *     through the other, and its last use made through one is what the other reports;
 *   - concurrent CreateKey/TagResource/CreateAlias/Encrypt load across both gets no server error;
 *   - /metrics counts the requests of both workers, whichever worker is scraped;
 *   - a reset through one worker resets what every worker serves, seeds included;
 *   - a worker killed with SIGKILL is replaced; SIGTERM stops every process cleanly;
 *   - SIGKILL of the whole process group under write load (the audit file rotating) loses no
 *     acknowledged write and no audit record of an answered request, and after a restart
 *     `trent audit verify` passes on the trail the primary wrote for both workers.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent, type IncomingHttpHeaders, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GetKeyLastUsageCommand,
} from "@aws-sdk/client-kms";
import { AuditFiles } from "../../src/platform/audit/audit-files.js";
import { trailRecords } from "../support/audit-trail-files.js";
import { rejectsWith } from "../support/kms-errors.js";
import { runTrentCommand, startTrentProcess, type TrentProcess } from "../support/trent-process.js";
import {
  assertStillOn,
  call,
  type Pinned,
  pinnedClient,
  pinToEachWorker,
  status,
} from "../support/workers.js";
import { checkAcknowledged, startWriteLoad } from "../support/write-load.js";

/** The counter's value summed over its series matching `labels`, as /metrics shows it. */
function counter(metrics: string, name: string, labels: string): number {
  let sum = 0;
  for (const line of metrics.split("\n"))
    if (line.startsWith(`${name}{`) && line.includes(labels)) sum += Number(line.split(" ").pop());
  return sum;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const seedYaml = `keys:
  - id: 11111111-2222-3333-4444-555555555555
aliases:
  - { name: alias/seeded, target: 11111111-2222-3333-4444-555555555555 }
`;

describe("TRENT_WORKERS=2 on one SQLite file", { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-workers-"));
  const seedFile = join(dir, "seed.yaml");
  let server: TrentProcess;
  let pinned: Pinned[];
  before(async () => {
    writeFileSync(seedFile, seedYaml);
    server = await startTrentProcess(
      {
        TRENT_DATA_DIR: join(dir, "data"),
        TRENT_WORKERS: "2",
        TRENT_SEED_FILE: seedFile,
        TRENT_KEY_PAIR_POOL_SIZE: "0",
      },
      60_000,
      [],
      { group: true },
    );
    pinned = await pinToEachWorker(server.url);
  });
  after(async () => {
    for (const { agent, client } of pinned ?? []) {
      client.destroy();
      agent.destroy();
    }
    await server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it("says how many workers serve", () => {
    assert.match(server.output(), /^ {2}workers {3}2 processes on one port/m);
  });

  it("uses through one worker a key created through the other, and refuses it once disabled there", async () => {
    const [a, b] = pinned as [Pinned, Pinned];
    const created = await a.client.send(new CreateKeyCommand({ Description: "across" }));
    const keyId = created.KeyMetadata?.KeyId;
    assert.ok(keyId);
    const encrypted = await b.client.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("between workers") }),
    );
    const decrypted = await a.client.send(
      new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }),
    );
    assert.equal(Buffer.from(decrypted.Plaintext ?? []).toString(), "between workers");
    // The use was made through worker a; worker b answers with it at once.
    const usage = await b.client.send(new GetKeyLastUsageCommand({ KeyId: keyId }));
    assert.equal(usage.KeyLastUsage?.Operation, "Decrypt");
    assert.equal(usage.KeyLastUsage?.KmsRequestId, decrypted.$metadata.requestId);
    await b.client.send(new DisableKeyCommand({ KeyId: keyId }));
    await rejectsWith(
      a.client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") })),
      "DisabledException",
      /is disabled/,
    );
    await assertStillOn(server.url, a);
    await assertStillOn(server.url, b);
  });

  it("keeps a console session signed in through one worker on the other", async () => {
    const [a, b] = pinned as [Pinned, Pinned];
    const host = new URL(server.url).host;
    const signedIn = await consoleRequest(
      server.url,
      "POST",
      "/console/sign-in",
      a.agent,
      {
        origin: `http://${host}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      "region=us-east-1",
    );
    assert.equal(signedIn.status, 303, signedIn.body);
    const cookie = String(signedIn.headers["set-cookie"] ?? "").split(";")[0] ?? "";
    assert.match(cookie, /^trent_console=/);
    const page = await consoleRequest(server.url, "GET", "/console/keys", b.agent, { cookie });
    assert.equal(page.status, 200, `worker b did not know the session: ${page.status}`);
    assert.match(page.body, /11111111-2222-3333-4444-555555555555/);
    await assertStillOn(server.url, a);
    await assertStillOn(server.url, b);
  });

  it("answers concurrent writes through both workers without a server error", async () => {
    const clients = Array.from({ length: 8 }, () => server.client());
    const load = startWriteLoad(clients, { label: "workers" });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    load.stop();
    const writes = await load.done;
    assert.deepEqual(writes.failures, [], "calls that failed under load");
    assert.ok(writes.requestIds.length >= 40, `only ${writes.requestIds.length} answers`);
    assert.deepEqual(await checkAcknowledged(pinned[1]?.client ?? server.client(), writes), []);
  });

  it("counts every worker's requests in /metrics, whichever worker is scraped", async () => {
    const scrape = async (through: Pinned) => {
      const answer = await call(server.url, "GET", "/metrics", through.agent);
      assert.equal(answer.status, 200);
      return counter(answer.body, "trent_kms_requests_total", 'operation="CreateKey"');
    };
    const [a, b] = pinned as [Pinned, Pinned];
    const before = await scrape(a);
    for (const through of [a, b, b]) await through.client.send(new CreateKeyCommand({}));
    assert.equal(await scrape(b), before + 3);
    assert.equal(await scrape(a), before + 3);
  });

  it("resets every worker through one, and seeds the store again", async () => {
    const [a, b] = pinned as [Pinned, Pinned];
    const created = await a.client.send(new CreateKeyCommand({}));
    const reset = await call(server.url, "POST", "/_trent/reset", b.agent);
    assert.equal(reset.status, 200, reset.body);
    for (const through of [a, b]) {
      await rejectsWith(
        through.client.send(new DescribeKeyCommand({ KeyId: created.KeyMetadata?.KeyId })),
        "NotFoundException",
        /does not exist/,
      );
      const seeded = await through.client.send(new DescribeKeyCommand({ KeyId: "alias/seeded" }));
      assert.equal(seeded.KeyMetadata?.KeyId, "11111111-2222-3333-4444-555555555555");
      assert.equal((await status(server.url, through.agent)).keys, 1);
    }
  });

  it("replaces a worker killed with SIGKILL", async () => {
    const [a, b] = pinned as [Pinned, Pinned];
    process.kill(a.pid, "SIGKILL");
    await server.stderrMatching(/exited \(SIGKILL\); starting another/);
    const seen = new Set<number>();
    for (let tries = 0; tries < 200 && seen.size < 2; tries += 1) {
      const { worker } = await status(server.url, false).catch(() => ({ worker: undefined }));
      if (worker && worker.pid !== a.pid) seen.add(worker.pid);
      if (seen.size < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(seen.has(b.pid), "the other worker still serves");
    assert.equal(seen.size, 2, "a new worker serves beside it");
    const replacement = [...seen].find((pid) => pid !== b.pid);
    assert.ok(replacement !== undefined && replacement !== a.pid);
    a.client.destroy();
    a.agent.destroy();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    pinned = [b, { pid: replacement, agent, client: pinnedClient(server.url, agent) }];
  });

  it("stops every process on SIGTERM", async () => {
    const pids = pinned.map((p) => p.pid);
    for (const { agent, client } of pinned) {
      client.destroy();
      agent.destroy();
    }
    pinned = [];
    assert.equal(await server.stop(), 0, server.stderr());
    for (let waited = 0; pids.some(alive) && waited < 10_000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(pids.filter(alive), [], "workers left running");
  });
});

describe("SIGKILL of a TRENT_WORKERS=2 process group under write load", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-workers-crash-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const files = new AuditFiles(join(dir, "audit.jsonl"));
  const env = {
    TRENT_DATA_DIR: dir,
    TRENT_WORKERS: "2",
    TRENT_KEY_PAIR_POOL_SIZE: "0",
    // Rotations under load, so the primary seals files of both workers' records.
    TRENT_AUDIT_MAX_BYTES: String(8 << 10),
  };

  it("loses no acknowledged write nor its audit record, and the trail verifies", {
    timeout: 120_000,
  }, async (t) => {
    const first = await startTrentProcess(env, 60_000, [], { group: true });
    let answers = 0;
    const load = startWriteLoad(
      Array.from({ length: 16 }, () => first.client()),
      {
        label: "workers-crash",
        // The kill follows an answer at once, while other requests are in flight.
        onAnswer() {
          answers += 1;
          if (answers !== 150) return;
          load.stop();
          process.kill(-first.pid, "SIGKILL");
        },
      },
    );
    await load.done;
    await first.kill();
    const writes = await load.done;
    assert.deepEqual(
      writes.failures.filter((f) => f.status === undefined || f.status >= 500),
      [],
      "calls that got no answer, or a server error, before the kill",
    );
    assert.ok(writes.requestIds.length >= 150, `only ${writes.requestIds.length} answers`);
    const audited = new Set(trailRecords(files).map((record) => record.requestID));
    const unaudited = writes.requestIds.filter((id) => !audited.has(id));
    assert.deepEqual(unaudited, [], `${unaudited.length} answered requests have no record`);
    t.diagnostic(`${writes.requestIds.length} answers; ${(await files.list()).length} rotations`);

    const second = await startTrentProcess(env, 60_000, [], { group: true });
    try {
      assert.deepEqual(await checkAcknowledged(second.client(), writes), []);
      // The restarted primary finishes the archive's work the kill interrupted.
      for (let waited = 0; ; waited += 100) {
        const left = (await files.list()).filter(
          (r) => r.has.plain || r.has.gzTmp || r.has.digestTmp || !r.has.digest,
        );
        if (left.length === 0) break;
        if (waited > 60_000) assert.fail(`the restart left ${left.length} rotations unfinished`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(await second.stop(), 0, second.stderr());
    } finally {
      await second.kill();
    }
    const verify = await runTrentCommand(["audit", "verify", "--data-dir", dir], {});
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /: verified$/m);
    assert.doesNotMatch(verify.stdout, /FAILED/);
  });
});

function consoleRequest(
  url: string,
  method: "GET" | "POST",
  path: string,
  agent: Agent,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}
