/**
 * `npx tsx bench/profile.ts [--no-build] [--seconds=N] [--top=N] [--ops=Encrypt,P256,...]`:
 * where Trent's CPU goes on the request path. For each operation it starts Trent as the bench
 * does (compiled, default configuration, temporary data directory) but under
 * `node --cpu-prof`, loads it with the bench's autocannon settings, stops it (which writes
 * the profile), and prints the CPU time per request (from /proc, all threads) and the
 * functions with the most self time on the main thread, as shares of its busy (non-idle)
 * time, followed by the share of a few groups (SQLite, crypto, HTTP, GC, ...). Worker threads
 * write profiles of their own, which are not read here. See bench/README.md.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kmsHeaders, runLoad } from "./load.js";
import { ChildProcesses, scopeAuthorization, startTrent } from "./servers.js";

const repoRoot = new URL("../", import.meta.url);
const argv = process.argv.slice(2);
function option(name: string): string | undefined {
  return argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}
const seconds = Number(option("seconds") ?? 5);
const top = Number(option("top") ?? 25);

interface Profiled {
  readonly name: string;
  readonly operation: string;
  /** Builds the request body against a fresh Trent. */
  body(url: string): Promise<unknown>;
}

const headers = scopeAuthorization("us-east-1");

async function call(url: string, operation: string, body: unknown) {
  const response = await fetch(url, {
    method: "POST",
    headers: kmsHeaders(operation, headers),
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${operation} answered ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, string>;
}

async function keyId(url: string): Promise<string> {
  const created = (await call(url, "CreateKey", {})) as unknown as {
    KeyMetadata: { KeyId: string };
  };
  return created.KeyMetadata.KeyId;
}

const plaintext = Buffer.alloc(32, 7).toString("base64");
const profiles: readonly Profiled[] = [
  {
    name: "Encrypt",
    operation: "Encrypt",
    body: async (url) => ({ KeyId: await keyId(url), Plaintext: plaintext }),
  },
  {
    name: "Decrypt",
    operation: "Decrypt",
    async body(url) {
      const sealed = await call(url, "Encrypt", { KeyId: await keyId(url), Plaintext: plaintext });
      return { CiphertextBlob: sealed.CiphertextBlob };
    },
  },
  {
    name: "GenerateDataKey",
    operation: "GenerateDataKey",
    body: async (url) => ({ KeyId: await keyId(url), KeySpec: "AES_256" }),
  },
  {
    name: "ReEncrypt",
    operation: "ReEncrypt",
    async body(url) {
      const key = await keyId(url);
      const sealed = await call(url, "Encrypt", { KeyId: key, Plaintext: plaintext });
      return { CiphertextBlob: sealed.CiphertextBlob, DestinationKeyId: key };
    },
  },
  {
    name: "P256",
    operation: "GenerateDataKeyPair",
    body: async (url) => ({ KeyId: await keyId(url), KeyPairSpec: "ECC_NIST_P256" }),
  },
  {
    name: "Ed25519",
    operation: "GenerateDataKeyPair",
    body: async (url) => ({ KeyId: await keyId(url), KeyPairSpec: "ECC_NIST_EDWARDS25519" }),
  },
];

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly startTime: number;
  readonly endTime: number;
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function frameName(frame: CallFrame): string {
  const file = frame.url.replace(/^file:\/\/.*?\/(dist\/|node_modules\/)/, "$1");
  const where = file === "" ? "" : ` ${file}:${frame.lineNumber + 1}`;
  return `${frame.functionName || "(anonymous)"}${where}`;
}

/** The group a frame's self time counts in, by where its code lives. */
function groupOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (functionName === "(garbage collector)") return "garbage collection";
  if (functionName === "(program)") return "V8/native (program)";
  if (url.includes("better-sqlite3") || url.includes("/platform/store/")) return "store";
  if (url.includes("kysely")) return "store";
  if (url.includes("/platform/audit/") || url.includes("pino")) return "audit + log";
  if (url.includes("/platform/crypto/") || url === "node:crypto" || url.includes("crypto"))
    return "crypto";
  if (url.includes("/domain/policy/")) return "policy";
  if (url.includes("/front-doors/")) return "front door (HTTP route)";
  if (url.includes("/vocabulary/")) return "vocabulary (validation, model)";
  if (url.includes("/domain/") || url.includes("/operations/") || url.includes("/core/"))
    return "domain + operations + core";
  if (url.includes("_http_") || url.includes("net") || url.includes("stream"))
    return "node http/net/streams";
  if (url === "") return `native (${functionName})`;
  return "other node internals";
}

/** Only samples of the last `windowSeconds` count: the load, not the start-up. */
function summarize(profile: CpuProfile, windowSeconds: number): void {
  const from = profile.endTime - windowSeconds * 1e6;
  let time = profile.startTime;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const groups = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i] ?? 0;
    const node = byId.get(profile.samples[i]!)!;
    const delta = profile.timeDeltas[i + 1] ?? 0;
    if (time < from) continue;
    if (node.callFrame.functionName === "(idle)") {
      idle += delta;
      continue;
    }
    busy += delta;
    const name = frameName(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + delta);
    const group = groupOf(node.callFrame);
    groups.set(group, (groups.get(group) ?? 0) + delta);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (!frame.url.includes("/dist/src/")) continue;
      const own = frameName(frame);
      if (seen.has(own)) continue;
      seen.add(own);
      inclusive.set(own, (inclusive.get(own) ?? 0) + delta);
    }
  }
  const share = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  console.log(
    `  main thread: busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`,
  );
  console.log("  self time (share of busy):");
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`    ${share(us)}  ${name}`);
  console.log("  groups (self time):");
  for (const [name, us] of [...groups].sort((a, b) => b[1] - a[1]))
    console.log(`    ${share(us)}  ${name}`);
  console.log("  Trent's functions, inclusive:");
  for (const [name, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`    ${share(us)}  ${name}`);
}

async function profileOne(children: ChildProcesses, profiled: Profiled): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "trent-profile-"));
  try {
    const trent = await startTrent(children, repoRoot.pathname, {}, "Trent (profiled)", [
      "--cpu-prof",
      `--cpu-prof-dir=${dir}`,
      "--cpu-prof-interval=500",
    ]);
    const body = JSON.stringify(await profiled.body(trent.url));
    const load = {
      url: trent.url,
      operation: profiled.operation,
      body,
      headers,
      connections: 10,
      serverPid: trent.pid,
    };
    await runLoad({ ...load, seconds: 1 });
    const result = await runLoad({ ...load, seconds });
    await trent.stop();
    const cpuUs = ((result.serverCores ?? Number.NaN) * 1e6) / result.throughput;
    console.log(
      `\n## ${profiled.name}: ${result.throughput.toFixed(0)} req/s, ` +
        `${result.serverCores?.toFixed(2)} cores, ${cpuUs.toFixed(0)} µs CPU per request ` +
        "(under the profiler)",
    );
    // CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile: the main thread is thread 0.
    const mainFile = readdirSync(dir).find((file) =>
      /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(file),
    );
    if (mainFile)
      summarize(JSON.parse(readFileSync(join(dir, mainFile), "utf8")) as CpuProfile, seconds + 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const children = new ChildProcesses();
process.once("exit", () => children.killAllNow());
try {
  if (!argv.includes("--no-build"))
    execFileSync("npm", ["run", "build"], { cwd: repoRoot, stdio: ["ignore", 2, 2] });
  const names = option("ops")?.split(",");
  for (const profiled of profiles)
    if (names === undefined || names.includes(profiled.name)) await profileOne(children, profiled);
} finally {
  await children.stopAll();
}
process.exit();
