/**
 * Where GenerateDataKeyPair* gets its pairs. Elliptic-curve and Ed25519 pairs cost microseconds
 * to a couple of milliseconds and are made on the spot. RSA pairs cost hundreds of milliseconds,
 * erratically (RSA_4096 ≈ 1 s, sometimes several), so they are made only by worker threads:
 *
 * - Workers generate synchronously on their own threads. node's async generateKeyPair would run
 *   on libuv's threadpool (4 threads by default) shared with all other async crypto, file and
 *   DNS work, so a burst of RSA_4096 requests would queue everything else behind it; here a
 *   burst occupies only the workers, and the event loop stays free for ECC, Decrypt, etc.
 * - Per RSA spec a bounded queue of ready pairs is refilled in the background, so an RSA request
 *   usually costs no generation at all. A spec starts filling at its first use, so a Trent that
 *   never serves RSA pairs never spends CPU on them. Pairs live in memory only, are handed out
 *   exactly once, and are zeroed when dropped or at close.
 * - A request that finds its queue empty waits for a worker; waiting requests are served before
 *   any refill, oldest first across specs. The wait is bounded: when a spec's waiting requests
 *   already fill its queue limit, the next one is refused at once with ThrottlingException, as
 *   AWS answers a request beyond a quota, instead of joining a queue that would take seconds.
 * Workers are unref'd while they only refill (they never keep the process alive) and are
 * terminated by close().
 */
import { Worker } from "node:worker_threads";
import { pooledKeyPairSpecs } from "../../vocabulary/config.js";
import { type LogTarget, toLogger } from "../../vocabulary/ports.js";
import { throttlingException } from "../../vocabulary/throttling.js";
import type { DataKeyPairSpec } from "../../vocabulary/types.generated.js";
import {
  type DataKeyPair,
  generateFastKeyPair,
  isRsaKeyPairSpec,
  type RsaKeyPairSpec,
} from "./data-key-pairs.js";

/** A job for a worker (see key-pair-worker.ts). */
export interface PoolRequest {
  readonly id: number;
  readonly spec: DataKeyPairSpec;
}

/** A worker's answer: the pair (DER), or what went wrong. */
export type PoolResponse =
  | { readonly id: number; readonly publicKey: Uint8Array; readonly privateKey: Uint8Array }
  | { readonly id: number; readonly error: string };

export const rsaKeyPairSpecs: readonly RsaKeyPairSpec[] = pooledKeyPairSpecs;

/** One value per RSA spec. */
function perSpec<T>(value: (spec: RsaKeyPairSpec) => T): Record<RsaKeyPairSpec, T> {
  return Object.fromEntries(rsaKeyPairSpecs.map((spec) => [spec, value(spec)])) as Record<
    RsaKeyPairSpec,
    T
  >;
}

export interface KeyPairPoolOptions {
  /** Worker threads generating RSA pairs (at least 1). */
  readonly workers: number;
  /** Ready pairs to keep per RSA spec; 0 generates that spec only on demand. */
  readonly poolSize: Readonly<Record<RsaKeyPairSpec, number>>;
  /**
   * Requests that may wait per RSA spec while its ready pairs are gone; one more is answered
   * ThrottlingException at once. 0 never waits. Unbounded when absent.
   */
  readonly queueLimit?: Readonly<Record<RsaKeyPairSpec, number>>;
  /** Where worker failures are reported; never given key material. */
  readonly log?: LogTarget;
  /**
   * Told how long each request waited for its pair, for metrics: the time to take a ready RSA
   * pair or wait for a worker, or to generate an elliptic-curve pair on the spot.
   */
  readonly onServed?: (spec: DataKeyPairSpec, waitedMs: number) => void;
}

export interface SpecStats {
  readonly ready: number;
  readonly generating: number;
  /** Requests waiting for a pair: the queue's depth. */
  readonly waiting: number;
  /** How many may wait (Infinity: unbounded). */
  readonly queueLimit: number;
  /** Requests refused with ThrottlingException since start because the queue was full. */
  readonly throttled: number;
}

interface Waiter {
  /** Arrival order across specs, so the oldest waiting request is served first. */
  readonly seq: number;
  resolve(pair: DataKeyPair): void;
  reject(error: Error): void;
}

interface SpecState {
  readonly target: number;
  readonly queueLimit: number;
  readonly ready: DataKeyPair[];
  readonly waiters: Waiter[];
  inFlight: number;
  throttled: number;
  /** Set at the spec's first use: from then on its queue is kept full. */
  warm: boolean;
}

interface Slot {
  readonly worker: Worker;
  job: { readonly id: number; readonly spec: RsaKeyPairSpec } | undefined;
}

/** Worker failures in a row after which the pool gives up instead of respawning forever. */
const failureLimit = 3;

/**
 * Starts one worker. Compiled, the worker is the sibling key-pair-worker.js. Running the
 * TypeScript sources under tsx (tests, development), node 20 does not carry the parent's
 * `--import tsx` loader into worker threads, so the worker registers tsx itself before loading
 * key-pair-worker.ts.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith(".ts"))
    return new Worker(new URL("./key-pair-worker.js", import.meta.url));
  const tsx = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  const entry = JSON.stringify(new URL("./key-pair-worker.ts", import.meta.url).href);
  return new Worker(`import(${tsx}).then((api) => { api.register(); return import(${entry}); });`, {
    eval: true,
  });
}

export class KeyPairPool {
  private readonly specs: Record<RsaKeyPairSpec, SpecState>;
  private readonly slots: Slot[] = [];
  private nextJobId = 1;
  private nextSeq = 1;
  private closed = false;
  private consecutiveFailures = 0;
  private failure: Error | undefined;

  constructor(private readonly options: KeyPairPoolOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1)
      throw new RangeError("a key pair pool needs at least one worker");
    const state = (spec: RsaKeyPairSpec): SpecState => ({
      target: Math.max(0, Math.floor(options.poolSize[spec])),
      queueLimit: Math.max(0, Math.floor(options.queueLimit?.[spec] ?? Number.POSITIVE_INFINITY)),
      ready: [],
      waiters: [],
      inFlight: 0,
      throttled: 0,
      warm: false,
    });
    this.specs = perSpec(state);
  }

  /** A fresh pair of `spec`, never handed out before. */
  async generate(spec: DataKeyPairSpec): Promise<DataKeyPair> {
    const { onServed } = this.options;
    if (!onServed) return this.take(spec);
    const started = performance.now();
    const pair = await this.take(spec);
    onServed(spec, performance.now() - started);
    return pair;
  }

  private async take(spec: DataKeyPairSpec): Promise<DataKeyPair> {
    if (!isRsaKeyPairSpec(spec)) return generateFastKeyPair(spec);
    if (this.closed) throw new Error("the key pair pool is closed");
    if (this.failure) throw this.failure;
    const state = this.specs[spec];
    state.warm = true;
    const ready = state.ready.shift();
    if (ready) {
      this.schedule();
      return ready;
    }
    if (state.waiters.length >= state.queueLimit) {
      // Still worth refilling: the refused request's retry should find a pair.
      state.throttled++;
      this.schedule();
      throw throttlingException();
    }
    return new Promise<DataKeyPair>((resolve, reject) => {
      state.waiters.push({ seq: this.nextSeq++, resolve, reject });
      this.schedule();
    });
  }

  /** What each RSA queue holds right now: for tests and metrics. */
  stats(): Record<RsaKeyPairSpec, SpecStats> {
    const of = (s: SpecState): SpecStats => ({
      ready: s.ready.length,
      generating: s.inFlight,
      waiting: s.waiters.length,
      queueLimit: s.queueLimit,
      throttled: s.throttled,
    });
    return perSpec((spec) => of(this.specs[spec]));
  }

  /** Number of live worker threads (they start at the first RSA request). */
  get workerCount(): number {
    return this.slots.length;
  }

  /** Rejects waiting requests, zeroes the ready pairs and terminates the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new Error("the key pair pool is closed");
    for (const state of Object.values(this.specs)) {
      for (const waiter of state.waiters.splice(0)) waiter.reject(error);
      for (const pair of state.ready.splice(0)) pair.privateKey.fill(0);
    }
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  /** The next spec a free worker should generate: waiting requests first, then refills. */
  private pickSpec(): RsaKeyPairSpec | undefined {
    let oldest: { spec: RsaKeyPairSpec; seq: number } | undefined;
    for (const spec of rsaKeyPairSpecs) {
      const state = this.specs[spec];
      // Jobs in flight serve waiters in order, so waiter number `inFlight` is the first unserved.
      const unserved = state.waiters[state.inFlight];
      if (unserved && (!oldest || unserved.seq < oldest.seq)) oldest = { spec, seq: unserved.seq };
    }
    if (oldest) return oldest.spec;
    return rsaKeyPairSpecs.find((spec) => {
      const state = this.specs[spec];
      return (
        state.warm && state.ready.length + state.inFlight - state.waiters.length < state.target
      );
    });
  }

  private schedule(): void {
    if (this.closed || this.failure) return;
    if (this.pickSpec() !== undefined) {
      while (this.slots.length < this.options.workers) this.slots.push(this.spawn());
      for (const slot of this.slots) {
        if (slot.job) continue;
        const spec = this.pickSpec();
        if (spec === undefined) break;
        const job = { id: this.nextJobId++, spec };
        slot.job = job;
        this.specs[spec].inFlight++;
        slot.worker.postMessage(job satisfies PoolRequest);
      }
    }
    this.updateRefs();
  }

  /** A worker keeps the process alive only while a request is waiting on it. */
  private updateRefs(): void {
    const demand = rsaKeyPairSpecs.some((spec) => this.specs[spec].waiters.length > 0);
    for (const slot of this.slots) {
      if (demand && slot.job) slot.worker.ref();
      else slot.worker.unref();
    }
  }

  private spawn(): Slot {
    const worker = startWorker();
    const slot: Slot = { worker, job: undefined };
    worker.unref();
    worker.on("message", (response: PoolResponse) => this.onResponse(slot, response));
    worker.on("error", (error) => this.onWorkerLost(slot, error));
    worker.on("exit", (code) => this.onWorkerLost(slot, new Error(`worker exited with ${code}`)));
    return slot;
  }

  private onResponse(slot: Slot, response: PoolResponse): void {
    const job = slot.job;
    if (!job || job.id !== response.id) return;
    slot.job = undefined;
    const state = this.specs[job.spec];
    state.inFlight--;
    if ("error" in response) {
      this.recordFailure(new Error(`generating ${job.spec} failed: ${response.error}`));
      state.waiters.shift()?.reject(new Error(`generating ${job.spec} failed`));
    } else {
      this.consecutiveFailures = 0;
      const pair: DataKeyPair = { publicKey: response.publicKey, privateKey: response.privateKey };
      const waiter = state.waiters.shift();
      if (waiter) waiter.resolve(pair);
      else if (!this.closed && state.ready.length < state.target) state.ready.push(pair);
      else pair.privateKey.fill(0);
    }
    this.schedule();
  }

  /** A worker died ('error' then 'exit', or just 'exit'): forget it, replace it if sensible. */
  private onWorkerLost(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (this.closed || index < 0) return;
    this.slots.splice(index, 1);
    if (slot.job) this.specs[slot.job.spec].inFlight--;
    slot.job = undefined;
    void slot.worker.terminate();
    this.recordFailure(error);
    this.schedule();
  }

  private recordFailure(error: Error): void {
    if (this.options.log) toLogger(this.options.log).error(`key pair pool: ${error.message}`);
    this.consecutiveFailures++;
    if (this.consecutiveFailures < failureLimit) return;
    this.failure = new Error(`the key pair pool stopped after repeated failures: ${error.message}`);
    for (const state of Object.values(this.specs))
      for (const waiter of state.waiters.splice(0)) waiter.reject(this.failure);
  }
}
