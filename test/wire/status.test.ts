/**
 * GET /_trent/status: in open mode the version, store, auth mode, key count (every account and
 * Region, counted by the store), account and Region; in sigv4 mode, without a signature, only
 * what an unsigned KMS request learns anyway: the server is up and wants signatures.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import { startTestTrent } from "../support/trent.js";

const version = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function status(url: string): Promise<{ status: number; type: string; body: unknown }> {
  const response = await fetch(`${url}/_trent/status`);
  return {
    status: response.status,
    type: response.headers.get("content-type") ?? "",
    body: await response.json(),
  };
}

describe("GET /_trent/status", () => {
  it("tells an open-mode caller the version, store, auth mode and key count", async () => {
    const trent = await startTestTrent();
    try {
      assert.deepEqual(await status(trent.url), {
        status: 200,
        type: "application/json",
        body: {
          status: "ok",
          version,
          authMode: "open",
          store: { engine: "sqlite", location: "memory" },
          keys: 0,
          accountId: "111122223333",
          region: "us-east-1",
        },
      });
      // Keys of every account and Region count.
      await trent.client().send(new CreateKeyCommand({}));
      await trent.client("eu-west-1").send(new CreateKeyCommand({}));
      const counted = await status(trent.url);
      assert.equal((counted.body as { keys: number }).keys, 2);
      await fetch(`${trent.url}/_trent/reset`, { method: "POST" });
      assert.equal(((await status(trent.url)).body as { keys: number }).keys, 0);
    } finally {
      await trent.close();
    }
  });

  it("names the SQLite file of a data directory", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "trent-status-"));
    dirs.push(dataDir);
    const trent = await startTestTrent({ dataDir });
    try {
      assert.deepEqual((await status(trent.url)).body, {
        status: "ok",
        version,
        authMode: "open",
        store: { engine: "sqlite", location: join(dataDir, "trent.sqlite") },
        keys: 0,
        accountId: "111122223333",
        region: "us-east-1",
      });
    } finally {
      await trent.close();
    }
  });

  it("tells an unsigned caller in sigv4 mode no more than that the server is up", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trent-status-sigv4-"));
    dirs.push(dir);
    const credentialsFile = join(dir, "credentials.yaml");
    writeFileSync(
      credentialsFile,
      `identities:
  - accessKeyId: AKIASTATUS000000001
    secretAccessKey: "status-secret-access-key-1"
    accountId: "111122223333"
    arn: arn:aws:iam::111122223333:user/status
`,
    );
    const trent = await startTestTrent({ authMode: "sigv4", credentialsFile });
    try {
      assert.deepEqual(await status(trent.url), {
        status: 200,
        type: "application/json",
        body: { status: "ok", authMode: "sigv4" },
      });
      const health = await fetch(`${trent.url}/health`);
      assert.deepEqual(await health.json(), { status: "ok" });
    } finally {
      await trent.close();
    }
  });
});
