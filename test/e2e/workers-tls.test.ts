/**
 * SIGHUP to the primary of TRENT_WORKERS=2 reloads the certificate in every worker: after the
 * renewal, new connections get the new certificate whichever worker takes them (each answer
 * names its worker through /_trent/status, and both are seen).
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { TLSSocket } from "node:tls";
import { createTestCa, issueServerCertificate, type TestCa } from "../support/test-ca.js";
import { logLines, startTrentProcess, type TrentProcess } from "../support/trent-process.js";

/** One request on a new connection: which worker answered, with which certificate. */
function status(url: string, ca: Buffer): Promise<{ pid: number; fingerprint: string }> {
  const agent = new Agent({ ca, keepAlive: false });
  return new Promise((resolve, reject) => {
    const req = request(new URL("/_trent/status", url), { agent }, (res) => {
      const fingerprint = (res.socket as TLSSocket).getPeerX509Certificate()?.fingerprint256;
      let body = "";
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => {
        agent.destroy();
        const pid = (JSON.parse(body) as { worker?: { pid: number } }).worker?.pid ?? 0;
        resolve({ pid, fingerprint: fingerprint ?? "" });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

const fingerprintOf = (certFile: string) =>
  new X509Certificate(readFileSync(certFile)).fingerprint256;

describe("certificate reload on SIGHUP with TRENT_WORKERS=2", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-workers-tls-"));
  const certFile = join(dir, "live.pem");
  const keyFile = join(dir, "live.key");
  let ca: TestCa;
  let trent: TrentProcess;

  before(async () => {
    ca = await createTestCa(dir);
    const first = await issueServerCertificate(ca, "first");
    copyFileSync(first.certFile, certFile);
    copyFileSync(first.keyFile, keyFile);
    trent = await startTrentProcess(
      {
        TRENT_DATA_DIR: join(dir, "data"),
        TRENT_TLS_CERT_FILE: certFile,
        TRENT_TLS_KEY_FILE: keyFile,
        TRENT_WORKERS: "2",
        TRENT_KEY_PAIR_POOL_SIZE: "0",
      },
      60_000,
      [],
      { group: true },
    );
  });
  after(async () => {
    await trent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves every worker's new connections with the new certificate", async () => {
    const caPem = readFileSync(ca.certFile);
    const old = fingerprintOf(certFile);
    const second = await issueServerCertificate(ca, "second");
    copyFileSync(second.certFile, certFile);
    copyFileSync(second.keyFile, keyFile);
    process.kill(trent.pid, "SIGHUP");
    const reloaded = () =>
      logLines(trent.stderr()).filter((line) => /^TLS certificate reloaded/.test(line.msg));
    for (let waited = 0; reloaded().length < 2; waited += 20) {
      assert.ok(waited < 30_000, `only ${reloaded().length} worker(s) reloaded`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seen = new Map<number, string>();
    for (let tries = 0; tries < 20 && seen.size < 2; tries += 1) {
      const { pid, fingerprint } = await status(trent.url, caPem);
      seen.set(pid, fingerprint);
    }
    assert.equal(seen.size, 2, "new connections reached both workers");
    for (const [pid, fingerprint] of seen) {
      assert.equal(fingerprint, fingerprintOf(second.certFile), `worker ${pid}`);
      assert.notEqual(fingerprint, old);
    }
  });
});
