/**
 * The bench's "rsa" section: what RSA_2048 data key pairs cost the requests around them, now
 * that waiting for an RSA pair is bounded (TRENT_KEY_PAIR_QUEUE_LIMIT answers
 * ThrottlingException at once beyond the queue).
 *
 * 1. ECC_NIST_P256 GenerateDataKeyPair and Encrypt p99, each alone, then with RSA_2048 load
 *    beside it. The RSA load is what real clients send: AWS SDK clients (the bench's own
 *    @aws-sdk/client-kms) asking for RSA_2048 pairs one after another, retrying
 *    ThrottlingException with the SDK's back-off, as every AWS SDK does. Target: p99 beside
 *    within 2× of alone.
 * 2. 50 clients, each sending a mix in turn (Encrypt, Decrypt, GenerateDataKey, ECC_NIST_P256
 *    GenerateDataKeyPair, and RSA_2048 GenerateDataKeyPair in the second run): throughput, p99,
 *    and how many RSA requests were refused. Before the bound, every client ended up waiting on
 *    the two RSA workers (issue 11: 5,622 → 338 req/s, p99 3.8 s).
 */
import { GenerateDataKeyPairCommand, KMSClient } from "@aws-sdk/client-kms";
import autocannon, { type Client } from "autocannon";
import { processCpuSeconds } from "./cpu.js";
import { kmsHeaders, type LoadResult, runLoad } from "./load.js";

export interface AloneBeside {
  readonly name: string;
  readonly alone: LoadResult;
  readonly beside: LoadResult;
  readonly rsa: SdkClientsResult;
}

export interface SdkClientsResult {
  readonly clients: number;
  /** Pairs received. */
  readonly ok: number;
  /** Attempts answered ThrottlingException (then retried by the SDK). */
  readonly throttled: number;
  readonly failed: number;
  readonly seconds: number;
  /** p99 of a whole SDK call, retries included. */
  readonly p99Ms: number;
}

export interface MixedResult {
  readonly connections: number;
  readonly operations: readonly string[];
  readonly seconds: number;
  readonly ok: number;
  /** Answers other than 2xx: ThrottlingException for RSA requests beyond the queue. */
  readonly refused: number;
  readonly throughput: number;
  readonly p99Ms: number;
  /** p99 of the requests other than RSA_2048 ones. */
  readonly p99OthersMs: number;
  readonly serverCores: number | undefined;
}

export interface RsaUnderLoadRun {
  readonly rows: readonly AloneBeside[];
  readonly mixedWithout: MixedResult;
  readonly mixedWith: MixedResult;
}

interface Target {
  readonly url: string;
  readonly pid: number;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

/** SDK clients asking for RSA_2048 pairs back to back, with the SDK's retries, for `seconds`. */
export async function runSdkRsaClients(
  url: string,
  keyId: string,
  clients: number,
  seconds: number,
): Promise<SdkClientsResult> {
  const kms = new KMSClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDBENCH", secretAccessKey: "bench" },
    maxAttempts: 10,
  });
  const until = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let throttled = 0;
  let failed = 0;
  const client = async () => {
    while (performance.now() < until) {
      const started = performance.now();
      try {
        const pair = await kms.send(
          new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: "RSA_2048" }),
        );
        throttled += (pair.$metadata.attempts ?? 1) - 1;
        latencies.push(performance.now() - started);
      } catch (error) {
        failed++;
        throttled += (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 0;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, client));
  kms.destroy();
  return {
    clients,
    ok: latencies.length,
    throttled,
    failed,
    seconds: (performance.now() - started) / 1000,
    p99Ms: percentile(latencies, 99),
  };
}

/** `connections` clients each sending `bodies` in turn, over and over. */
export function runMixedClients(
  target: Target,
  bodies: readonly { readonly operation: string; readonly body: unknown }[],
  connections: number,
  seconds: number,
): Promise<MixedResult> {
  const all: number[] = [];
  const others: number[] = [];
  let refused = 0;
  const sent = new WeakMap<Client, number>();
  const cpuBefore = processCpuSeconds(target.pid);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        connections,
        duration: seconds,
        timeout: 60,
        requests: bodies.map(({ operation, body }) => ({
          method: "POST",
          headers: kmsHeaders(operation),
          body: JSON.stringify(body),
        })),
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        const wall = (performance.now() - started) / 1000;
        const cpuAfter = processCpuSeconds(target.pid);
        resolve({
          connections,
          operations: bodies.map(({ operation, body }) => {
            const spec = (body as { KeyPairSpec?: string }).KeyPairSpec;
            return spec ? `${operation} ${spec}` : operation;
          }),
          seconds: result.duration,
          ok: all.length,
          refused: refused + result.errors + result.timeouts,
          throughput: all.length / result.duration,
          p99Ms: percentile(all, 99),
          p99OthersMs: percentile(others, 99),
          serverCores:
            cpuBefore === undefined || cpuAfter === undefined
              ? undefined
              : (cpuAfter - cpuBefore) / wall,
        });
      },
    );
    // Each connection sends the bodies in order, one at a time: its answers come back in order.
    instance.on("response", (client, statusCode, _bytes, responseTimeMs) => {
      const index = sent.get(client) ?? 0;
      sent.set(client, index + 1);
      const body = bodies[index % bodies.length]?.body as { KeyPairSpec?: string };
      if (statusCode < 200 || statusCode >= 300) {
        refused++;
        return;
      }
      all.push(responseTimeMs);
      if (body.KeyPairSpec !== "RSA_2048") others.push(responseTimeMs);
    });
  });
}

export interface RsaUnderLoadOptions {
  readonly keyId: string;
  readonly ciphertextBlob: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly rsaClients: number;
  readonly waitForIdle: () => Promise<void>;
  readonly progress: (message: string) => void;
}

export async function benchRsaUnderLoad(
  trent: Target,
  options: RsaUnderLoadOptions,
): Promise<RsaUnderLoadRun> {
  const { keyId, connections, seconds } = options;
  const loads = [
    {
      name: "ECC_NIST_P256 GenerateDataKeyPair",
      operation: "GenerateDataKeyPair",
      body: { KeyId: keyId, KeyPairSpec: "ECC_NIST_P256" },
    },
    {
      name: "Encrypt",
      operation: "Encrypt",
      body: { KeyId: keyId, Plaintext: Buffer.alloc(32, 7).toString("base64") },
    },
  ];
  const rows: AloneBeside[] = [];
  for (const load of loads) {
    const request = {
      url: trent.url,
      operation: load.operation,
      body: JSON.stringify(load.body),
      connections,
      serverPid: trent.pid,
    };
    await options.waitForIdle();
    await runLoad({ ...request, seconds: options.warmupSeconds });
    const alone = await runLoad({ ...request, seconds });
    await options.waitForIdle();
    const [beside, rsa] = await Promise.all([
      runLoad({ ...request, seconds }),
      runSdkRsaClients(trent.url, keyId, options.rsaClients, seconds),
    ]);
    options.progress(
      `${load.name} p99 alone ${alone.p99Ms.toFixed(2)} ms, beside RSA_2048 ` +
        `${beside.p99Ms.toFixed(2)} ms (${rsa.ok} RSA pairs, ${rsa.throttled} throttled attempts)`,
    );
    rows.push({ name: load.name, alone, beside, rsa });
  }
  const mix = [
    { operation: "Encrypt", body: loads[1]?.body },
    { operation: "Decrypt", body: { CiphertextBlob: options.ciphertextBlob } },
    { operation: "GenerateDataKey", body: { KeyId: keyId, KeySpec: "AES_256" } },
    { operation: "GenerateDataKeyPair", body: loads[0]?.body },
  ];
  const rsaPair = {
    operation: "GenerateDataKeyPair",
    body: { KeyId: keyId, KeyPairSpec: "RSA_2048" },
  };
  await options.waitForIdle();
  const mixedWithout = await runMixedClients(trent, mix, 50, seconds);
  options.progress(`50 clients, no RSA: ${mixedWithout.throughput.toFixed(0)} req/s`);
  await options.waitForIdle();
  const mixedWith = await runMixedClients(trent, [...mix, rsaPair], 50, seconds);
  options.progress(
    `50 clients with RSA_2048: ${mixedWith.throughput.toFixed(0)} req/s, ${mixedWith.refused} refused`,
  );
  return { rows, mixedWithout, mixedWith };
}

function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : "n/a";
}

export function renderRsaUnderLoad(run: RsaUnderLoadRun): string[] {
  const lines = [
    "## ECC and symmetric requests with RSA_2048 requests beside them",
    "",
    "RSA_2048 load: AWS SDK clients asking for pairs back to back, retrying ThrottlingException " +
      "with the SDK's back-off (maxAttempts 10). Target: p99 beside ≤ 2× p99 alone.",
    "",
    "| requests | alone req/s | alone p99 ms | beside req/s | beside p99 ms | p99 beside ÷ alone | RSA_2048 pairs (SDK clients) | throttled attempts | RSA call p99 ms |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const row of run.rows)
    lines.push(
      `| ${row.name} (${row.alone.connections} conn.) | ${row.alone.throughput.toFixed(0)} | ` +
        `${ms(row.alone.p99Ms)} | ${row.beside.throughput.toFixed(0)} | ${ms(row.beside.p99Ms)} | ` +
        `**${(row.beside.p99Ms / row.alone.p99Ms).toFixed(2)}×** | ${row.rsa.ok} (${row.rsa.clients}) | ` +
        `${row.rsa.throttled} | ${ms(row.rsa.p99Ms)} |`,
    );
  const mixed = (label: string, m: MixedResult) =>
    `| ${label} | ${m.throughput.toFixed(0)} | ${m.ok} | ${m.refused} | ${ms(m.p99Ms)} | ` +
    `${ms(m.p99OthersMs)} | ${m.serverCores?.toFixed(2) ?? "n/a"} |`;
  lines.push(
    "",
    `50 clients, each sending in turn: ${run.mixedWith.operations.join(", ")} (the first run ` +
      "without the RSA_2048 request). Refused: ThrottlingException answered at once for RSA " +
      "requests beyond the queue limit.",
    "",
    "| run | req/s (2xx) | answered | refused | p99 ms | p99 ms without RSA requests | server cores |",
    "|---|---:|---:|---:|---:|---:|---:|",
    mixed("without RSA_2048", run.mixedWithout),
    mixed("with RSA_2048", run.mixedWith),
    "",
    `Throughput with RSA_2048 ÷ without: ${(run.mixedWith.throughput / run.mixedWithout.throughput).toFixed(2)}×.`,
    "",
  );
  return lines;
}
