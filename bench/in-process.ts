/**
 * `npx tsx bench/in-process.ts [--seconds=N] [--rounds=N] [--ops=Encrypt,P256,...]
 * [--dist=<a copy of dist/src>]`: the CPU time per
 * request of Trent's KMS route without node:http, for A/B comparisons of the request path on
 * a busy machine (CPU time per request moves far less with other load than throughput does).
 * Trent starts in this process from the compiled dist/ (run `npm run build` first), default
 * configuration, a temporary data directory (SQLite file, audit file and index); ten
 * concurrent callers drive `handleKmsRequest` (decode → core → encode, the audit write
 * included) with the same pre-built request, and the process's CPU time (all threads, the audit
 * worker's included) is divided by the answers. HTTP's own cost is what the HTTP floor shows.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** --dist=<dir>: another build's dist/src (an A/B comparison against a copy of dist/). */
const distOption = process.argv.find((arg) => arg.startsWith("--dist="))?.slice("--dist=".length);
const dist =
  distOption === undefined
    ? new URL("../dist/src/", import.meta.url)
    : new URL(`file://${distOption.endsWith("/") ? distOption : `${distOption}/`}`);
const { startTrent } = (await import(
  new URL("app.js", dist).href
)) as typeof import("../src/app.js");
const { createAuthenticator } = (await import(
  new URL("core/auth/authenticate.js", dist).href
)) as typeof import("../src/core/auth/authenticate.js");
const { handleKmsRequest } = (await import(
  new URL("front-doors/http/kms-route.js", dist).href
)) as typeof import("../src/front-doors/http/kms-route.js");
const { configFromEnv } = (await import(
  new URL("vocabulary/config.js", dist).href
)) as typeof import("../src/vocabulary/config.js");

const argv = process.argv.slice(2);
const option = (name: string) =>
  argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const seconds = Number(option("seconds") ?? 2);
/** Rounds over all operations; each operation's least CPU per request is reported. */
const rounds = Number(option("rounds") ?? 3);
const names = option("ops")?.split(",");
const callers = 10;

const dataDir = mkdtempSync(join(tmpdir(), "trent-in-process-"));
const config = configFromEnv({
  TRENT_DATA_DIR: dataDir,
  TRENT_PORT: "0",
  TRENT_HOST: "127.0.0.1",
  TRENT_LOG_LEVEL: "warn",
});
const trent = await startTrent(config, { log: () => {} });
const authenticate = createAuthenticator(config, undefined, trent.services.clock);

let sequence = 0;
async function call(operation: string, body: string) {
  const response = await handleKmsRequest(
    {
      requestId: `request-${sequence++}`,
      target: `TrentService.${operation}`,
      body: Buffer.from(body),
      method: "POST",
      url: "/",
      headers: { "content-type": "application/x-amz-json-1.1", "user-agent": "in-process" },
      rawHeaders: [],
      sourceIp: "127.0.0.1",
      secureTransport: false,
    },
    trent.kms,
    authenticate,
    new Date(),
  );
  if (response.status !== 200) throw new Error(`${operation}: ${response.body}`);
  return JSON.parse(response.body) as Record<string, string>;
}

const created = await call("CreateKey", "{}");
const keyId = (created.KeyMetadata as unknown as { KeyId: string }).KeyId;
const plaintext = Buffer.alloc(32, 7).toString("base64");
const sealed = await call("Encrypt", JSON.stringify({ KeyId: keyId, Plaintext: plaintext }));
const requests: Record<string, [string, unknown]> = {
  Encrypt: ["Encrypt", { KeyId: keyId, Plaintext: plaintext }],
  Decrypt: ["Decrypt", { CiphertextBlob: sealed.CiphertextBlob }],
  GenerateDataKey: ["GenerateDataKey", { KeyId: keyId, KeySpec: "AES_256" }],
  ReEncrypt: ["ReEncrypt", { CiphertextBlob: sealed.CiphertextBlob, DestinationKeyId: keyId }],
  P256: ["GenerateDataKeyPair", { KeyId: keyId, KeyPairSpec: "ECC_NIST_P256" }],
  Ed25519: ["GenerateDataKeyPair", { KeyId: keyId, KeyPairSpec: "ECC_NIST_EDWARDS25519" }],
};

async function measure(operation: string, body: string, forSeconds: number) {
  const end = performance.now() + forSeconds * 1000;
  let answers = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < end) {
        await call(operation, body);
        answers += 1;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  const wall = (performance.now() - started) / 1000;
  return { answers, perSecond: answers / wall, cpuUs: (used.user + used.system) / answers };
}

try {
  const chosen = Object.entries(requests).filter(
    ([name]) => names === undefined || names.includes(name),
  );
  const best = new Map<string, Awaited<ReturnType<typeof measure>>>();
  for (let round = 0; round < rounds; round++)
    for (const [name, [operation, body]] of chosen) {
      const text = JSON.stringify(body);
      await measure(operation, text, 0.3);
      const result = await measure(operation, text, seconds);
      const earlier = best.get(name);
      if (earlier === undefined || result.cpuUs < earlier.cpuUs) best.set(name, result);
    }
  for (const [name, result] of best)
    console.log(
      `${name.padEnd(16)} ${result.cpuUs.toFixed(1).padStart(7)} µs CPU/request  ` +
        `${result.perSecond.toFixed(0).padStart(6)} req/s  (least of ${rounds} rounds)`,
    );
} finally {
  await trent.close();
  rmSync(dataDir, { recursive: true, force: true });
}
