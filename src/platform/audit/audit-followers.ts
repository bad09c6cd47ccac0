/**
 * The event loop's side of the audit worker (audit-worker.ts): starts it, tells it after each
 * group's write that the audit file grew (one message, no data: the worker reads the file), and
 * stops it. Nothing here waits on the index: an answer waits for its record in the file only.
 *
 * If the worker dies, the index and the CloudTrail files stop following until the next start,
 * which catches them up from the files; the audit file itself is unaffected.
 */
import { Worker } from "node:worker_threads";
import { type LogTarget, toLogger } from "../../vocabulary/ports.js";

export interface WorkerOptions {
  /** The live audit file. */
  readonly live: string;
  readonly index:
    | { readonly kind: "sqlite"; readonly path: string }
    | { readonly kind: "postgres"; readonly url: string }
    | undefined;
  readonly cloudTrail:
    | { readonly dir: string; readonly flushAfterMs?: number; readonly maxRecords?: number }
    | undefined;
  /** Index records older than this many days are deleted; 0 keeps them. */
  readonly retentionDays: number;
}

export type WorkerRequest =
  | { readonly type: "poke" }
  | { readonly type: "settle"; readonly id: number; readonly flush: boolean }
  | { readonly type: "close"; readonly id: number };

export type WorkerReport =
  | { readonly type: "log"; readonly message: string }
  | { readonly type: "started" }
  | { readonly type: "failed"; readonly message: string }
  | { readonly type: "done"; readonly id: number };

function spawn(options: WorkerOptions): Worker {
  if (import.meta.url.endsWith(".js"))
    return new Worker(new URL("./audit-worker.js", import.meta.url), { workerData: options });
  // Run from TypeScript sources (tests, tsx): the worker registers tsx before loading its file.
  const tsx = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  const entry = JSON.stringify(new URL("./audit-worker.ts", import.meta.url).href);
  return new Worker(`import(${tsx}).then((api) => { api.register(); return import(${entry}); });`, {
    eval: true,
    workerData: options,
  });
}

/** How long the audit file's growth may wait before the worker hears of it. */
const pokeIntervalMs = 10;

export class AuditFollowers {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, () => void>();
  private exited = false;
  private pokeQueued = false;

  private constructor(
    options: WorkerOptions,
    logTarget: LogTarget,
    started: { resolve: () => void; reject: (error: Error) => void },
  ) {
    const log = toLogger(logTarget);
    this.worker = spawn(options);
    this.worker.on("message", (report: WorkerReport) => {
      switch (report.type) {
        case "log":
          log.warn(report.message);
          return;
        case "started":
          started.resolve();
          return;
        case "failed":
          started.reject(new Error(report.message));
          return;
        case "done":
          this.waiting.get(report.id)?.();
          this.waiting.delete(report.id);
          return;
      }
    });
    this.worker.on("error", (error) => {
      log.error(
        `the audit worker stopped: ${String(error)}; the audit index and CloudTrail files catch up at the next start`,
      );
      started.reject(error);
    });
    this.worker.on("exit", () => {
      this.exited = true;
      for (const done of this.waiting.values()) done();
      this.waiting.clear();
    });
  }

  /** Starts the worker; rejects when it cannot open the index or the CloudTrail directory. */
  static async start(options: WorkerOptions, log: LogTarget): Promise<AuditFollowers> {
    let followers: AuditFollowers | undefined;
    await new Promise<void>((resolve, reject) => {
      followers = new AuditFollowers(options, log, { resolve, reject });
    }).catch(async (error: unknown) => {
      await followers?.worker.terminate();
      throw error;
    });
    return followers as AuditFollowers;
  }

  /**
   * The audit file grew or rotated: one message per `pokeIntervalMs` at most. Under load a
   * message per group write (most turns) was 3-4% of the event loop's time, and the worker
   * starts its passes at most every 50 ms anyway (audit-follower.ts), so the index is no later
   * for it. `settled` and `close` ask the worker directly and never wait for a poke.
   */
  poke(): void {
    if (this.pokeQueued || this.exited) return;
    this.pokeQueued = true;
    setTimeout(() => {
      this.pokeQueued = false;
      if (!this.exited) this.worker.postMessage({ type: "poke" } satisfies WorkerRequest);
    }, pokeIntervalMs).unref();
  }

  private ask(request: (id: number) => WorkerRequest): Promise<void> {
    if (this.exited) return Promise.resolve();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.postMessage(request(id));
    });
  }

  /**
   * Resolves once the followers took everything written before the call; with `flush`, the
   * CloudTrail export has written its files too.
   */
  settled(options: { readonly flush?: boolean } = {}): Promise<void> {
    return this.ask((id) => ({ type: "settle", id, flush: options.flush === true }));
  }

  /** Lets the followers take what was written, writes the CloudTrail files, stops the worker. */
  async close(): Promise<void> {
    await this.ask((id) => ({ type: "close", id }));
    await this.worker.terminate();
  }
}
