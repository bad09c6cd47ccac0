/**
 * The raw limit of GenerateDataKeyPair on this machine: how many sealed data key pairs per
 * second `threads` threads make with no HTTP, JSON, store, policy or audit around them (see
 * raw-limit-worker.ts for what one pair costs). Run while the server is idle, so both sides get
 * the same cores; the caller chooses `threads` to match the threads the server generates on.
 */
import { Worker } from "node:worker_threads";
import type { DataKeyPairSpec } from "../src/vocabulary/types.generated.js";
import type { RawLimitCount, RawLimitJob } from "./raw-limit-worker.js";

export interface RawLimit {
  readonly spec: DataKeyPairSpec;
  readonly threads: number;
  /** Sealed pairs per second, summed over the threads. */
  readonly pairsPerSecond: number;
  readonly pairs: number;
  /**
   * CPU cores the threads used while counting (from each thread's own CPU time): below
   * `threads` when other processes compete for the cores; undefined without /proc.
   */
  readonly cores: number | undefined;
}

/**
 * node 20 does not carry the parent's tsx loader into worker threads, so the worker registers
 * tsx itself before loading the TypeScript worker module (as src/platform/crypto/key-pair-pool.ts does).
 */
function startWorker(job: RawLimitJob): Worker {
  const tsx = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  const entry = JSON.stringify(new URL("./raw-limit-worker.ts", import.meta.url).href);
  return new Worker(`import(${tsx}).then((api) => { api.register(); return import(${entry}); });`, {
    eval: true,
    workerData: job,
  });
}

function runWorker(job: RawLimitJob): Promise<RawLimitCount> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(job);
    let result: RawLimitCount | undefined;
    worker.once("message", (message: RawLimitCount) => {
      result = message;
      void worker.terminate();
    });
    worker.once("error", reject);
    worker.once("exit", () => {
      if (result) resolve(result);
      else reject(new Error(`raw limit worker for ${job.spec} exited without a result`));
    });
  });
}

export async function measureRawLimit(
  job: Omit<RawLimitJob, "cryptoDir"> & { readonly distRoot: URL; readonly threads: number },
): Promise<RawLimit> {
  const { distRoot, threads, ...rest } = job;
  const cryptoDir = new URL("src/platform/crypto/", distRoot).href;
  const counts = await Promise.all(
    Array.from({ length: threads }, () => runWorker({ ...rest, cryptoDir })),
  );
  const cpuKnown = counts.every((count) => count.cpuSeconds !== undefined);
  return {
    spec: job.spec,
    threads,
    pairsPerSecond: counts.reduce((sum, count) => sum + count.pairs / count.seconds, 0),
    pairs: counts.reduce((sum, count) => sum + count.pairs, 0),
    cores: cpuKnown
      ? counts.reduce((sum, count) => sum + (count.cpuSeconds ?? 0) / count.seconds, 0)
      : undefined,
  };
}
