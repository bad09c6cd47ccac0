/**
 * `npm run bench`: builds Trent, starts it as `npm start` would (compiled, in a child process)
 * and measures in one run, so every ratio compares numbers taken minutes apart on the same
 * machine:
 *   1. GenerateDataKeyPair per KeyPairSpec over HTTP (autocannon): throughput, p50, p99;
 *   2. the raw limit per spec: sealed pairs/s with no server around them, on as many threads
 *      as the server generates that spec on, taken while the server is idle;
 *   3. the HTTP floor: the same load against a bare node:http server with a canned answer;
 *   4. ECC_NIST_P256 latency alone and with RSA_4096 requests running beside it;
 *   4b. ECC_NIST_P256 and Encrypt p99 alone and with RSA_2048 SDK clients beside them, and 50
 *      clients sending a mix with and without RSA_2048 requests (rsa-under-load.ts);
 *   5. Encrypt, Decrypt, GenerateDataKey and ReEncrypt on Trent and on moto_server, same
 *      load, and the HTTP floor with an Encrypt-sized answer beside them;
 *   6. Encrypt and CreateKey on four Trents side by side: no audit file, the audit file
 *      (answers wait for their record's write), the audit file and its index (the default),
 *      and those with TRENT_AUDIT_FSYNC=true; with the CPU cost per request of each;
 *   7. the console's key list page at 100,000 keys: first, deep and filtered pages;
 *   8. 1,000 keys against 1,000,000 (bench/scale.ts): request latency and CPU, list pages at
 *      depth, start-up time and database size;
 *   9. Encrypt and ECC_NIST_P256 GenerateDataKeyPair with TRENT_WORKERS=1 and one worker per
 *      core: throughput and CPU per request of the whole process group (bench/workers.ts).
 * Prints a markdown report and writes it to bench/results/latest.md. Progress goes to stderr.
 *
 * Options: --quick (short runs to try the harness; writes no file), --no-build (use dist/ as
 * it is), --no-moto (skip the moto comparison), --only=<sections> (a comma-separated subset
 * of pairs, mixed, rsa, moto, audit, console, scale,
 * workers; writes no file), --specs=<KeyPairSpec,...>
 * (only these specs in the pairs section; writes no file). See bench/README.md for what the
 * numbers mean.
 */
import { execFileSync } from "node:child_process";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "../src/vocabulary/config.js";
import type { DataKeyPairSpec } from "../src/vocabulary/types.generated.js";
import { measureIndexCost } from "./audit-index-cost.js";
import { benchConsole, type ConsoleRun, consoleSection } from "./console-list.js";
import { processCpuSeconds } from "./cpu.js";
import { kmsHeaders, type LoadResult, runLoad } from "./load.js";
import { measureRawLimit } from "./raw-limit.js";
import {
  type AuditRow,
  type AuditRun,
  type MixedRun,
  type PeerRow,
  type RunInfo,
  renderReport,
  type SpecRow,
} from "./report.js";
import { benchRsaUnderLoad, type RsaUnderLoadRun, renderRsaUnderLoad } from "./rsa-under-load.js";
import { benchScale, renderScale } from "./scale.js";
import {
  ChildProcesses,
  type ServerProcess,
  scopeAuthorization,
  startHttpFloor,
  startMoto,
  startTrent,
} from "./servers.js";
import { benchWorkers, renderWorkers, type WorkersRun } from "./workers.js";

const repoRoot = new URL("../", import.meta.url);
const args = new Set(process.argv.slice(2));
const quick = args.has("--quick");

const sections = ["pairs", "mixed", "rsa", "moto", "audit", "console", "scale", "workers"] as const;
type Section = (typeof sections)[number];
/** The sections --only names; every section when it is absent. */
const only = (() => {
  const option = [...args].find((arg) => arg.startsWith("--only="));
  if (option === undefined) return undefined;
  const names = option.slice("--only=".length).split(",");
  for (const name of names)
    if (!(sections as readonly string[]).includes(name))
      throw new Error(`--only: unknown section '${name}' (sections: ${sections.join(", ")})`);
  return new Set(names);
})();
const runs = (section: Section) => only === undefined || only.has(section);

/** Every DataKeyPairSpec; SM2 is requested in cn-north-1, the only kind of Region offering it. */
const specs: readonly DataKeyPairSpec[] = [
  "ECC_NIST_P256",
  "ECC_NIST_P384",
  "ECC_NIST_P521",
  "ECC_SECG_P256K1",
  "SM2",
  "ECC_NIST_EDWARDS25519",
  "RSA_2048",
  "RSA_3072",
  "RSA_4096",
];
const chinaRegion = "cn-north-1";
/** --specs=<spec,...>: only these KeyPairSpecs in the pairs section (for quick comparisons). */
const chosenSpecs = (() => {
  const option = [...args].find((arg) => arg.startsWith("--specs="));
  if (option === undefined) return specs;
  const names = option.slice("--specs=".length).split(",");
  for (const name of names)
    if (!(specs as readonly string[]).includes(name))
      throw new Error(`--specs: unknown KeyPairSpec '${name}' (${specs.join(", ")})`);
  return specs.filter((spec) => names.includes(spec));
})();

interface Durations {
  readonly warmup: number;
  readonly seconds: number;
}

const settings = {
  connections: 10,
  /** RSA_4096 takes seconds per pair per worker here: fewer connections queue less. */
  rsa4096Connections: 4,
  run: { warmup: quick ? 0.5 : 1, seconds: quick ? 1 : 5 } satisfies Durations,
  /**
   * RSA requests wait for the pool's workers (seconds each under load): the warm-up drains the
   * pool's ready pairs, and the run is longer to collect more than a handful of answers.
   */
  rsaRun: { warmup: quick ? 1 : 2, seconds: quick ? 3 : 8 } satisfies Durations,
  raw: { warmup: quick ? 0.2 : 0.5, seconds: quick ? 1 : 3 } satisfies Durations,
  /** RSA generation is erratic: count longer; a warm-up would only waste a few pairs. */
  rawRsa: { warmup: 0, seconds: quick ? 2 : 6 } satisfies Durations,
};

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function isRsa(spec: DataKeyPairSpec): boolean {
  return spec.startsWith("RSA_");
}

/**
 * The threads the server makes a spec's pairs on, which the raw limit gets too: RSA pairs on
 * the key pair pool's workers (TRENT_KEY_PAIR_WORKERS, left at its default), every other spec
 * on the event loop, one thread.
 */
function generationThreads(spec: DataKeyPairSpec): number {
  return isRsa(spec) ? defaultConfig.keyPairWorkers : 1;
}

function connectionsFor(spec: DataKeyPairSpec): number {
  return spec === "RSA_4096" ? settings.rsa4096Connections : settings.connections;
}

async function kmsCall(
  url: string,
  operation: string,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: "POST",
    headers: kmsHeaders(operation, headers),
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${operation} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function createKey(url: string, headers: Readonly<Record<string, string>>) {
  const created = await kmsCall(url, "CreateKey", {}, headers);
  return created.KeyMetadata as { KeyId: string; Arn: string };
}

function bytes(value: unknown): Buffer {
  if (typeof value !== "string") throw new Error("expected a base64 blob");
  return Buffer.from(value, "base64");
}

/**
 * One GenerateDataKeyPair checked end to end before the spec is loaded: the private key parses
 * as PKCS#8, the public key is its SubjectPublicKeyInfo, and Decrypt of the sealed private key
 * gives the private key back. Returns what the raw limit needs to seal blobs of the same size.
 */
async function checkDataKeyPair(
  url: string,
  spec: DataKeyPairSpec,
  keyId: string,
  headers: Readonly<Record<string, string>>,
): Promise<{ keyArn: string; materialId: string; responseBytes: number }> {
  const pair = await kmsCall(
    url,
    "GenerateDataKeyPair",
    { KeyId: keyId, KeyPairSpec: spec },
    headers,
  );
  const privateKey = bytes(pair.PrivateKeyPlaintext);
  const derived = createPublicKey(
    createPrivateKey({ key: privateKey, format: "der", type: "pkcs8" }),
  ).export({ format: "der", type: "spki" });
  if (pair.KeyPairSpec !== spec || !derived.equals(bytes(pair.PublicKey)))
    throw new Error(`GenerateDataKeyPair ${spec}: the public key is not the private key's`);
  const opened = await kmsCall(
    url,
    "Decrypt",
    { CiphertextBlob: pair.PrivateKeyCiphertextBlob },
    headers,
  );
  if (!bytes(opened.Plaintext).equals(privateKey))
    throw new Error(`Decrypt of the ${spec} private key blob did not give the private key back`);
  return {
    keyArn: String(pair.KeyId),
    materialId: String(pair.KeyMaterialId),
    responseBytes: Buffer.byteLength(JSON.stringify(pair)),
  };
}

/**
 * Waits until the server uses (almost) no CPU, e.g. after RSA load while its pool refills and
 * abandoned requests finish, so the next measurement does not share the cores with leftovers.
 */
async function waitForIdle(pid: number, maxSeconds = 30): Promise<void> {
  const deadline = Date.now() + maxSeconds * 1000;
  while (Date.now() < deadline) {
    const before = processCpuSeconds(pid);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const after = processCpuSeconds(pid);
    if (before === undefined || after === undefined) return;
    if ((after - before) / 0.25 < 0.05) return;
  }
  progress(`server still busy after ${maxSeconds} s; measuring anyway`);
}

function describe(result: LoadResult): string {
  return (
    `${result.throughput.toFixed(1)} req/s (${result.ok} ok), p50 ${result.p50Ms.toFixed(2)} ms, ` +
    `p99 ${result.p99Ms.toFixed(2)} ms, server ${result.serverCores?.toFixed(2) ?? "?"} cores` +
    (result.failed > 0 ? `, ${result.failed} FAILED` : "")
  );
}

interface Target {
  readonly url: string;
  readonly pid: number;
}

/** A warm-up run, then the measured one, with the same request. */
async function measure(
  target: Target,
  operation: string,
  body: unknown,
  options: {
    readonly connections: number;
    readonly headers?: Readonly<Record<string, string>>;
    readonly durations?: Durations;
  },
): Promise<LoadResult> {
  const durations = options.durations ?? settings.run;
  const load = {
    url: target.url,
    operation,
    body: JSON.stringify(body),
    headers: options.headers ?? {},
    connections: options.connections,
    serverPid: target.pid,
  };
  await runLoad({ ...load, seconds: durations.warmup });
  return runLoad({ ...load, seconds: durations.seconds });
}

interface DataKeyPairRuns {
  readonly rows: SpecRow[];
  /** The HTTP floor, measured right after the ECC_NIST_P256 row it bounds. */
  readonly httpFloor: LoadResult | undefined;
}

/**
 * Per spec, interleaved (raw limit, then Trent) so each ratio compares numbers taken seconds
 * apart; the HTTP floor right after ECC_NIST_P256.
 */
async function benchDataKeyPairs(
  children: ChildProcesses,
  trent: ServerProcess,
): Promise<DataKeyPairRuns> {
  const chinaHeaders = scopeAuthorization(chinaRegion);
  const defaultKey = await createKey(trent.url, {});
  const chinaKey = await createKey(trent.url, chinaHeaders);
  const rows: SpecRow[] = [];
  let httpFloor: LoadResult | undefined;
  for (const spec of chosenSpecs) {
    const headers = spec === "SM2" ? chinaHeaders : {};
    const keyId = spec === "SM2" ? chinaKey.KeyId : defaultKey.KeyId;
    const { responseBytes, ...blobHeader } = await checkDataKeyPair(
      trent.url,
      spec,
      keyId,
      headers,
    );
    await waitForIdle(trent.pid);
    const rawDurations = isRsa(spec) ? settings.rawRsa : settings.raw;
    const raw = await measureRawLimit({
      distRoot: new URL("dist/", repoRoot),
      spec,
      threads: generationThreads(spec),
      warmupSeconds: rawDurations.warmup,
      seconds: rawDurations.seconds,
      ...blobHeader,
    });
    progress(
      `${spec} raw limit: ${raw.pairsPerSecond.toFixed(1)} pairs/s on ${raw.threads} ` +
        `thread(s), ${raw.cores?.toFixed(2) ?? "?"} cores`,
    );
    const server = await measure(
      trent,
      "GenerateDataKeyPair",
      { KeyId: keyId, KeyPairSpec: spec },
      {
        connections: connectionsFor(spec),
        headers,
        durations: isRsa(spec) ? settings.rsaRun : settings.run,
      },
    );
    progress(`${spec} Trent: ${describe(server)}`);
    rows.push({ spec, server, raw });
    if (spec === "ECC_NIST_P256") {
      await waitForIdle(trent.pid);
      httpFloor = await benchHttpFloor(children, responseBytes);
    }
  }
  return { rows, httpFloor };
}

/**
 * A fresh server's first seconds of load pay V8's compilation of the request path (its
 * compiler threads count in the server's CPU time): the first measured row, ECC_NIST_P256,
 * showed two to four times the CPU per request of the rows after it. So before any row, a
 * few seconds of P256 pairs and Encrypt, unmeasured.
 */
async function warmUp(trent: ServerProcess): Promise<void> {
  const key = await createKey(trent.url, {});
  const seconds = quick ? 0.5 : 2;
  const load = { url: trent.url, connections: settings.connections, seconds };
  await runLoad({
    ...load,
    operation: "GenerateDataKeyPair",
    body: JSON.stringify({ KeyId: key.KeyId, KeyPairSpec: "ECC_NIST_P256" }),
  });
  await runLoad({
    ...load,
    operation: "Encrypt",
    body: JSON.stringify({ KeyId: key.KeyId, Plaintext: Buffer.alloc(32, 7).toString("base64") }),
  });
  await waitForIdle(trent.pid);
}

/**
 * The ECC_NIST_P256 load against a bare node:http server sending a canned answer of the same
 * size: the most any node:http server on one event loop reaches on this machine and load.
 */
async function benchHttpFloor(
  children: ChildProcesses,
  responseBytes: number,
  operation = "GenerateDataKeyPair",
  body: unknown = { KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab", KeyPairSpec: "ECC_NIST_P256" },
): Promise<LoadResult> {
  const floor = await startHttpFloor(children, repoRoot.pathname, responseBytes);
  try {
    const result = await measure(floor, operation, body, { connections: settings.connections });
    progress(`HTTP floor (${responseBytes}-byte answers): ${describe(result)}`);
    return result;
  } finally {
    await floor.stop();
  }
}

async function benchMixed(trent: ServerProcess): Promise<MixedRun> {
  const key = await createKey(trent.url, {});
  const load = (spec: DataKeyPairSpec) => ({
    url: trent.url,
    operation: "GenerateDataKeyPair",
    body: JSON.stringify({ KeyId: key.KeyId, KeyPairSpec: spec }),
    connections: connectionsFor(spec),
    seconds: settings.run.seconds,
    serverPid: trent.pid,
  });
  await waitForIdle(trent.pid);
  await runLoad({ ...load("ECC_NIST_P256"), seconds: settings.run.warmup });
  const alone = await runLoad(load("ECC_NIST_P256"));
  progress(`P256 alone: ${describe(alone)}`);
  await waitForIdle(trent.pid);
  const [beside, rsa] = await Promise.all([
    runLoad(load("ECC_NIST_P256")),
    runLoad(load("RSA_4096")),
  ]);
  progress(`P256 beside RSA_4096: ${describe(beside)}; RSA_4096: ${describe(rsa)}`);
  return { alone, beside, rsa };
}

const peerOperations = ["Encrypt", "Decrypt", "GenerateDataKey", "ReEncrypt"] as const;

/**
 * Encrypt, Decrypt, GenerateDataKey and ReEncrypt on both servers, interleaved per operation,
 * then the HTTP floor with an answer the size of Trent's Encrypt answer: the symmetric rows'
 * CPU per request is set against it.
 */
async function benchPeers(
  children: ChildProcesses,
  trent: ServerProcess,
  moto: ServerProcess,
): Promise<{ rows: PeerRow[]; floor: LoadResult }> {
  // moto needs a credential scope naming kms; Trent gets the same header.
  const headers = scopeAuthorization("us-east-1");
  const plaintext = Buffer.alloc(32, 7).toString("base64");
  const prepare = async (server: ServerProcess) => {
    const key = await createKey(server.url, headers);
    const encrypted = await kmsCall(
      server.url,
      "Encrypt",
      { KeyId: key.KeyId, Plaintext: plaintext },
      headers,
    );
    const decrypted = await kmsCall(
      server.url,
      "Decrypt",
      { CiphertextBlob: encrypted.CiphertextBlob },
      headers,
    );
    if (decrypted.Plaintext !== plaintext)
      throw new Error(`${server.name}: Decrypt did not return what Encrypt sealed`);
    return {
      Encrypt: { KeyId: key.KeyId, Plaintext: plaintext },
      Decrypt: { CiphertextBlob: encrypted.CiphertextBlob },
      GenerateDataKey: { KeyId: key.KeyId, KeySpec: "AES_256" },
      ReEncrypt: { CiphertextBlob: encrypted.CiphertextBlob, DestinationKeyId: key.KeyId },
      encryptAnswerBytes: Buffer.byteLength(JSON.stringify(encrypted)),
    };
  };
  const bodies = { trent: await prepare(trent), moto: await prepare(moto) };
  const rows: PeerRow[] = [];
  for (const operation of peerOperations) {
    const options = { connections: settings.connections, headers };
    await waitForIdle(trent.pid);
    const trentResult = await measure(trent, operation, bodies.trent[operation], options);
    progress(`${operation} Trent: ${describe(trentResult)}`);
    await waitForIdle(moto.pid);
    const motoResult = await measure(moto, operation, bodies.moto[operation], options);
    progress(`${operation} moto: ${describe(motoResult)}`);
    rows.push({ operation, trent: trentResult, moto: motoResult });
  }
  await waitForIdle(trent.pid);
  const floor = await benchHttpFloor(children, bodies.trent.encryptAnswerBytes, "Encrypt", {
    KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
    Plaintext: plaintext,
  });
  return { rows, floor };
}

/**
 * The median time of one 1 KiB append plus fdatasync in the temporary directory, where the
 * audit servers keep their files: what TRENT_AUDIT_FSYNC adds to each group of records.
 */
async function flushMilliseconds(samples = 200): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "trent-bench-flush-"));
  const file = await open(join(dir, "probe.jsonl"), "a");
  try {
    const line = Buffer.alloc(1024, 0x61);
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const started = process.hrtime.bigint();
      await file.write(line);
      await file.datasync();
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] ?? Number.NaN;
  } finally {
    await file.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the audit trail costs: four Trents that differ only in it, each measured in turn. */
const auditVariants = {
  off: { TRENT_AUDIT_FILE: "none" },
  file: { TRENT_AUDIT_INDEX: "none" },
  indexed: {},
  fsync: { TRENT_AUDIT_FSYNC: "true" },
} as const satisfies Record<keyof Omit<AuditRow, "operation">, Record<string, string>>;

/**
 * Encrypt (no database write: the audit record is the only disk write) and CreateKey (a
 * SQLite commit too), interleaved per operation across the four variants, so each ratio
 * compares runs taken seconds apart.
 */
async function benchAudit(children: ChildProcesses): Promise<AuditRun> {
  const servers = {
    off: await startTrent(children, repoRoot.pathname, auditVariants.off, "Trent (no audit file)"),
    file: await startTrent(children, repoRoot.pathname, auditVariants.file, "Trent (audit file)"),
    indexed: await startTrent(
      children,
      repoRoot.pathname,
      auditVariants.indexed,
      "Trent (audit file and index)",
    ),
    fsync: await startTrent(
      children,
      repoRoot.pathname,
      auditVariants.fsync,
      "Trent (audit file and index, fsync)",
    ),
  };
  try {
    const plaintext = Buffer.alloc(32, 7).toString("base64");
    const bodies = async (server: ServerProcess) => {
      const key = await createKey(server.url, {});
      return { Encrypt: { KeyId: key.KeyId, Plaintext: plaintext }, CreateKey: {} };
    };
    const requests = {
      off: await bodies(servers.off),
      file: await bodies(servers.file),
      indexed: await bodies(servers.indexed),
      fsync: await bodies(servers.fsync),
    };
    const rows: AuditRow[] = [];
    for (const operation of ["Encrypt", "CreateKey"] as const) {
      const run = async (variant: keyof typeof servers) => {
        const server = servers[variant];
        await waitForIdle(server.pid);
        const result = await measure(server, operation, requests[variant][operation], {
          connections: settings.connections,
        });
        progress(`${operation} ${server.name}: ${describe(result)}`);
        return result;
      };
      // One after the other, in this order: a literal's members are evaluated in turn.
      rows.push({
        operation,
        off: await run("off"),
        file: await run("file"),
        indexed: await run("indexed"),
        fsync: await run("fsync"),
      });
    }
    const flushMs = await flushMilliseconds();
    progress(`append + fdatasync in ${tmpdir()}: median ${flushMs.toFixed(3)} ms`);
    // The records the audit-file-only Trent wrote (it is idle now), indexed again here.
    const indexCost = await measureIndexCost(
      join(servers.file.dataDir ?? "", "audit.jsonl"),
      ["Encrypt", "CreateKey"],
      Object.fromEntries(rows.map((row) => [row.operation, row.indexed.throughput])),
    );
    for (const cost of indexCost)
      progress(
        `index ${cost.operation}: ${cost.liveUs.toFixed(1)} µs/record in batches of ${cost.liveBatch}, ${cost.catchUpUs.toFixed(1)} µs catching up`,
      );
    return {
      rows,
      filesystem: commandOutput("stat", ["-f", "-c", "%T", tmpdir()]),
      flushMs,
      indexCost,
    };
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
}

function commandOutput(file: string, argv: string[]): string | undefined {
  try {
    return execFileSync(file, argv, {
      cwd: repoRoot,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

function settingsText(): string {
  return (
    `Load: autocannon 9 (programmatic, in the bench process), ${settings.connections} ` +
    `keep-alive connections (RSA_4096: ${settings.rsa4096Connections}), no pipelining, ` +
    `${settings.run.warmup} s warm-up then ${settings.run.seconds} s measured per row (RSA: ` +
    `${settings.rsaRun.warmup} s then ${settings.rsaRun.seconds} s). Raw limit: ` +
    `${settings.raw.seconds} s per spec (RSA: ${settings.rawRsa.seconds} s) on as many threads ` +
    `as Trent generates that spec on (event loop: 1; RSA: ${defaultConfig.keyPairWorkers} ` +
    "key pair pool workers), taken while Trent is idle. Trent: `node dist/src/main.js`, " +
    "default configuration (SQLite and audit file in a temporary data directory, one process), " +
    "open auth; for the pairs, mixed and moto sections an RSA queue limit of 32 per spec, so " +
    "RSA rows measure generation, not the queue's bound (the rsa section keeps the default)." +
    (quick ? " QUICK RUN (--quick): durations too short to quote." : "") +
    (only ? ` PARTIAL RUN (--only=${[...only].join(",")}).` : "")
  );
}

async function main(children: ChildProcesses): Promise<void> {
  const loadBefore = loadavg();
  if (!args.has("--no-build")) {
    progress("npm run build");
    execFileSync("npm", ["run", "build"], { cwd: repoRoot, stdio: ["ignore", 2, 2] });
  }
  let specRows: SpecRow[] = [];
  let httpFloor: LoadResult | undefined;
  let mixed: MixedRun | undefined;
  let rsaUnderLoad: RsaUnderLoadRun | undefined;
  let peers: PeerRow[] = [];
  let peerFloor: LoadResult | undefined;
  let motoVersion: string | undefined;
  const withMoto = runs("moto") && !args.has("--no-moto");
  if (runs("pairs") || runs("mixed") || runs("rsa") || withMoto) {
    // These sections measure how fast pairs are made and served, not the RSA queue's bound:
    // a queue limit above the connections' count keeps every RSA request waiting for its pair
    // instead of being refused. The rsa section below gets a Trent with the default limits.
    const trent = await startTrent(children, repoRoot.pathname, {
      TRENT_KEY_PAIR_QUEUE_LIMIT: "RSA_2048=32,RSA_3072=32,RSA_4096=32",
    });
    progress(`Trent (node dist/src/main.js, pid ${trent.pid}) at ${trent.url}`);
    await warmUp(trent);
    if (runs("pairs")) ({ rows: specRows, httpFloor } = await benchDataKeyPairs(children, trent));
    if (runs("mixed")) mixed = await benchMixed(trent);
    if (runs("rsa")) {
      const rsaTrent = await startTrent(
        children,
        repoRoot.pathname,
        {},
        "Trent (default RSA queue limits)",
      );
      await warmUp(rsaTrent);
      const key = await createKey(rsaTrent.url, {});
      const sealed = await kmsCall(rsaTrent.url, "Encrypt", {
        KeyId: key.KeyId,
        Plaintext: Buffer.alloc(32, 7).toString("base64"),
      });
      rsaUnderLoad = await benchRsaUnderLoad(rsaTrent, {
        keyId: key.KeyId,
        ciphertextBlob: String(sealed.CiphertextBlob),
        connections: settings.connections,
        warmupSeconds: settings.run.warmup,
        seconds: settings.run.seconds,
        rsaClients: 8,
        waitForIdle: () => waitForIdle(rsaTrent.pid),
        progress,
      });
      await rsaTrent.stop();
    }
    if (withMoto) {
      const moto = await startMoto(children);
      progress(`moto_server (pid ${moto.pid}) at ${moto.url}`);
      motoVersion = commandOutput("python3", ["-c", "import moto; print(moto.__version__)"]);
      ({ rows: peers, floor: peerFloor } = await benchPeers(children, trent, moto));
    }
    // The audit servers below must not share the cores with these.
    await children.stopAll();
  }
  const audit = runs("audit") ? await benchAudit(children) : undefined;
  const consoleRun: ConsoleRun | undefined = runs("console")
    ? await benchConsole(children, repoRoot.pathname, {
        keys: quick ? 20_000 : 100_000,
        requests: quick ? 10 : 40,
        progress,
      })
    : undefined;
  const scale = runs("scale")
    ? await benchScale(children, repoRoot.pathname, { quick })
    : undefined;
  let workers: WorkersRun | undefined;
  if (runs("workers"))
    workers = await benchWorkers(children, repoRoot.pathname, {
      // As many connections per worker as the one-process rows have, so N workers are as
      // saturated as one: unsaturated, a process batches less per event-loop turn.
      connections: settings.connections * Math.max(2, availableParallelism()),
      // Every worker's code must be optimized before it is measured, not just one process's.
      durations: { warmup: quick ? 1 : 4, seconds: settings.run.seconds },
      progress,
    });

  const dirty = commandOutput("git", ["status", "--porcelain", "--", "src"])
    ? " (src/ modified)"
    : "";
  const info: RunInfo = {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    commit: `${commandOutput("git", ["rev-parse", "--short", "HEAD"]) ?? "unknown"}${dirty}`,
    node: process.version,
    openssl: process.versions.openssl,
    cpu: cpus()[0]?.model ?? "unknown CPU",
    cores: availableParallelism(),
    loadBefore,
    loadAfter: loadavg(),
    moto: motoVersion,
    settings: settingsText(),
  };
  const markdown = [
    renderReport({ info, specs: specRows, httpFloor, mixed, peers, peerFloor, audit }),
    ...(rsaUnderLoad ? renderRsaUnderLoad(rsaUnderLoad) : []),
    ...(consoleRun ? consoleSection(consoleRun) : []),
    ...(scale ? [renderScale(scale)] : []),
    ...(workers ? [renderWorkers(workers)] : []),
  ].join("\n");
  process.stdout.write(`${markdown}\n`);
  // A quick or partial run is for trying the harness; it never replaces the recorded results.
  if (quick || only || chosenSpecs.length < specs.length) return;
  const resultsDir = new URL("bench/results/", repoRoot);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(new URL("latest.md", resultsDir), markdown);
  progress("written to bench/results/latest.md");
}

const children = new ChildProcesses();
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    progress(`${signal}: stopping servers`);
    children.stopAll().finally(() => process.exit(130));
  });
process.once("exit", () => children.killAllNow());

try {
  await main(children);
  process.exitCode = 0;
} catch (error) {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
} finally {
  await children.stopAll();
}
// autocannon's timers and histograms can keep the loop alive; the run is over.
process.exit();
