/**
 * The RSA key pair pool: lazy workers, bounded per-spec queues refilled in the background, each
 * pair handed out once, waiting requests served by the workers, clean shutdown, workers that
 * never keep the process alive, and a worker file that loads both from the TypeScript sources
 * (tsx) and compiled to JavaScript (dist/).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createPublicKey } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import { KeyPairPool, type rsaKeyPairSpecs } from "../../src/platform/crypto/key-pair-pool.js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

function modulusLength(publicKey: Uint8Array): number | undefined {
  const key = createPublicKey({ key: Buffer.from(publicKey), format: "der", type: "spki" });
  assert.equal(key.asymmetricKeyType, "rsa");
  return key.asymmetricKeyDetails?.modulusLength;
}

/** Each spec's ready, generating and waiting counts, without its limit and throttled count. */
function queues(p: KeyPairPool) {
  return Object.fromEntries(
    Object.entries(p.stats()).map(([spec, { ready, generating, waiting }]) => [
      spec,
      { ready, generating, waiting },
    ]),
  );
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("key pair pool", () => {
  const pools: KeyPairPool[] = [];
  const pool = (sizes: Partial<Record<(typeof rsaKeyPairSpecs)[number], number>>, workers = 2) => {
    const p = new KeyPairPool({
      workers,
      poolSize: { RSA_2048: 0, RSA_3072: 0, RSA_4096: 0, ...sizes },
    });
    pools.push(p);
    return p;
  };
  after(() => Promise.all(pools.map((p) => p.close())));

  it("starts no worker until the first RSA request, and makes other specs inline", async () => {
    const p = pool({ RSA_2048: 2 });
    const pair = await p.generate("ECC_NIST_P256");
    assert.equal(pair.publicKey.length, 91);
    assert.equal(p.workerCount, 0);
    assert.deepEqual(queues(p).RSA_2048, { ready: 0, generating: 0, waiting: 0 });
  });

  it("generates on demand when the pool size is 0, and keeps nothing", async () => {
    const p = pool({});
    const [a, b] = await Promise.all([p.generate("RSA_2048"), p.generate("RSA_2048")]);
    assert.equal(modulusLength(a.publicKey), 2048);
    assert.equal(modulusLength(b.publicKey), 2048);
    assert.notEqual(hex(a.privateKey), hex(b.privateKey));
    assert.equal(p.workerCount, 2);
    assert.deepEqual(queues(p).RSA_2048, { ready: 0, generating: 0, waiting: 0 });
  });

  it("fills a spec to its bound after first use, hands each pair out once, refills", async () => {
    const p = pool({ RSA_2048: 3 });
    const first = await p.generate("RSA_2048");
    await until(() => p.stats().RSA_2048.ready === 3, "the RSA_2048 queue to fill");
    assert.equal(p.stats().RSA_2048.generating, 0, "never more than the bound");
    // Specs not used yet stay empty.
    assert.deepEqual(queues(p).RSA_4096, { ready: 0, generating: 0, waiting: 0 });
    const taken = await Promise.all([1, 2, 3, 4, 5].map(() => p.generate("RSA_2048")));
    const keys = new Set([first, ...taken].map((pair) => hex(pair.privateKey)));
    assert.equal(keys.size, 6, "every pair is handed out exactly once");
    for (const pair of taken) assert.equal(modulusLength(pair.publicKey), 2048);
    await until(() => p.stats().RSA_2048.ready === 3, "the queue to refill");
    assert.equal(p.stats().RSA_2048.generating, 0);
  });

  it("serves every spec its own modulus", async () => {
    const p = pool({});
    const pairs = await Promise.all([p.generate("RSA_3072"), p.generate("RSA_4096")]);
    assert.deepEqual(
      pairs.map((pair) => modulusLength(pair.publicKey)),
      [3072, 4096],
    );
  });

  it("refuses a request beyond the queue limit at once with ThrottlingException, and counts it", async () => {
    const p = new KeyPairPool({
      workers: 1,
      poolSize: { RSA_2048: 0, RSA_3072: 0, RSA_4096: 0 },
      queueLimit: { RSA_2048: 2, RSA_3072: 0, RSA_4096: 1 },
    });
    pools.push(p);
    const waiting = [p.generate("RSA_2048"), p.generate("RSA_2048")];
    assert.equal(p.stats().RSA_2048.waiting, 2);
    await assert.rejects(p.generate("RSA_2048"), {
      name: "ThrottlingException",
      message:
        "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.",
    });
    // A limit of 0 never waits; the other specs' queues are their own.
    await assert.rejects(p.generate("RSA_3072"), { name: "ThrottlingException" });
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(p.stats()).map(([spec, s]) => [
          spec,
          [s.waiting, s.queueLimit, s.throttled],
        ]),
      ),
      { RSA_2048: [2, 2, 1], RSA_3072: [0, 0, 1], RSA_4096: [0, 1, 0] },
    );
    // Elliptic-curve pairs never queue.
    assert.equal((await p.generate("ECC_NIST_P256")).publicKey.length, 91);
    for (const pair of await Promise.all(waiting))
      assert.equal(modulusLength(pair.publicKey), 2048);
    assert.equal(p.stats().RSA_2048.waiting, 0);
  });

  it("with a queue limit of 0 serves ready pairs only, and refills", async () => {
    const p = new KeyPairPool({
      workers: 1,
      poolSize: { RSA_2048: 1, RSA_3072: 0, RSA_4096: 0 },
      queueLimit: { RSA_2048: 0, RSA_3072: 0, RSA_4096: 0 },
    });
    pools.push(p);
    // The first use finds nothing ready and is refused, but starts the refill.
    await assert.rejects(p.generate("RSA_2048"), { name: "ThrottlingException" });
    await until(() => p.stats().RSA_2048.ready === 1, "the RSA_2048 queue to fill");
    assert.equal(modulusLength((await p.generate("RSA_2048")).publicKey), 2048);
  });

  it("close() rejects waiting requests, terminates the workers and refuses more", async () => {
    const p = pool({}, 1);
    const waiting = p.generate("RSA_4096");
    assert.equal(p.stats().RSA_4096.waiting, 1);
    const rejected = assert.rejects(waiting, /closed/);
    await p.close();
    await rejected;
    assert.equal(p.workerCount, 0);
    await assert.rejects(p.generate("RSA_2048"), /closed/);
    // Fast specs need no worker and still work for requests already in flight.
    assert.equal((await p.generate("ECC_NIST_P384")).publicKey.length, 120);
  });
});

describe("key pair pool workers", () => {
  it("never keep the process alive, even with the pool still refilling", async () => {
    const script = [
      `import { KeyPairPool } from ${JSON.stringify(join(root, "src/platform/crypto/key-pair-pool.ts"))};`,
      "const pool = new KeyPairPool({ workers: 2, poolSize: { RSA_2048: 2, RSA_3072: 0, RSA_4096: 4 } });",
      'const pair = await pool.generate("RSA_2048");',
      "console.log(pair.publicKey.length);",
    ].join("\n");
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "--eval", script],
      { cwd: root, timeout: 120_000 },
    );
    assert.equal(stdout.trim(), "294");
  });

  it("load from compiled JavaScript (npm start runs dist/)", async () => {
    const outDir = await mkdtemp(join(tmpdir(), "trent-pool-"));
    try {
      const tsc = join(root, "node_modules/typescript/bin/tsc");
      await run(
        process.execPath,
        [
          tsc,
          ...["--outDir", outDir, "--rootDir", join(root, "src"), "--target", "ES2022"],
          ...["--module", "NodeNext", "--moduleResolution", "NodeNext", "--strict"],
          ...["--skipLibCheck", "--types", "node", "--verbatimModuleSyntax"],
          join(root, "src/platform/crypto/key-pair-pool.ts"),
          join(root, "src/platform/crypto/key-pair-worker.ts"),
        ],
        { cwd: root, timeout: 120_000 },
      );
      await writeFile(join(outDir, "package.json"), '{"type":"module"}');
      const script = join(outDir, "try.js");
      await writeFile(
        script,
        [
          'import { KeyPairPool } from "./platform/crypto/key-pair-pool.js";',
          "const pool = new KeyPairPool({ workers: 1, poolSize: { RSA_2048: 1, RSA_3072: 0, RSA_4096: 0 } });",
          'const pair = await pool.generate("RSA_2048");',
          "console.log(pair.privateKey.length > 1000, pair.publicKey.length);",
          "await pool.close();",
        ].join("\n"),
      );
      const { stdout } = await run(process.execPath, [script], { timeout: 120_000 });
      assert.equal(stdout.trim(), "true 294");
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });
});
