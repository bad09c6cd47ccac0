/**
 * The primary process of TRENT_WORKERS > 1: forks the workers (node:cluster; they run the same
 * command and serve the one port, connections handed out round-robin), restarts a worker that
 * dies, and answers what workers ask of it: audit lines to write (acknowledged once written),
 * a reset for everyone, the metrics of all processes summed. It forwards SIGHUP's TLS reload and
 * stops the workers gracefully before the primary closes what it owns.
 *
 * Why the primary owns these (docs/operations.md): one audit file needs one writer, or rotation,
 * digests and the index would each have to merge several files; a reset must reach the store
 * once and then every worker's memory; clock-driven sweeps must run once, not N times racing.
 */
import cluster, { type Worker } from "node:cluster";
import type { AddressInfo } from "node:net";
import { AggregatorRegistry, type Registry } from "prom-client";
import type { Logger } from "../../vocabulary/ports.js";
import {
  isTrentMessage,
  PendingReplies,
  type Reply,
  type ToPrimary,
  type ToWorker,
  type WorkerMetrics,
} from "./messages.js";

export interface PrimaryDuties {
  /** Writes a group of audit lines to the trail; resolves once handed to the operating system. */
  writeAudit(chunk: string): Promise<void>;
  /** Resets the store and seeds it again (the workers are told to forget afterwards). */
  reset(): Promise<void>;
  /** The primary's own metrics (audit writes, sweeps' store queries), summed with the workers'. */
  readonly registry: Registry;
  readonly log: Logger;
}

/** How long a worker has to answer the primary (metrics, forget) before it is left out. */
const replyTimeoutMs = 5_000;
/** How long stopping workers may take before they are killed. */
const stopTimeoutMs = 10_000;
/** A worker that dies sooner than this after its start counts towards the restart backoff. */
const stableAfterMs = 5_000;

export class WorkerSupervisor {
  private readonly pending = new PendingReplies();
  private stopping = false;
  private quickDeaths = 0;
  private readonly startedAt = new Map<number, number>();

  private constructor(
    private readonly count: number,
    private readonly duties: PrimaryDuties,
  ) {
    cluster.on("message", (worker: Worker, message: unknown) => {
      if (isTrentMessage(message)) this.received(worker, message as ToPrimary);
    });
  }

  /**
   * Forks `count` workers and resolves with the address they listen on, once every one does;
   * rejects (after stopping the rest) if one exits first: a worker that cannot start (the port
   * is taken, the store refuses) makes the start fail, as a single process would.
   */
  static async start(
    count: number,
    duties: PrimaryDuties,
  ): Promise<{ supervisor: WorkerSupervisor; address: AddressInfo }> {
    const supervisor = new WorkerSupervisor(count, duties);
    const address = await new Promise<AddressInfo>((resolve, reject) => {
      let listening = 0;
      let first: AddressInfo | undefined;
      const onListening = (_worker: Worker, address: AddressInfo) => {
        first ??= address;
        listening += 1;
        if (listening === count) {
          cluster.off("listening", onListening);
          cluster.off("exit", onExit);
          resolve(first);
        }
      };
      const onExit = (worker: Worker, code: number | null, signal: string | null) => {
        cluster.off("listening", onListening);
        cluster.off("exit", onExit);
        reject(
          new Error(
            `worker ${worker.id} exited before listening (${signal ?? `code ${String(code)}`}); see its message above`,
          ),
        );
      };
      cluster.on("listening", onListening);
      cluster.on("exit", onExit);
      for (let i = 0; i < count; i += 1) supervisor.fork();
    }).catch(async (error: unknown) => {
      await supervisor.stop();
      throw error;
    });
    cluster.on("exit", (worker, code, signal) => supervisor.exited(worker, code, signal));
    return { supervisor, address };
  }

  /** The workers' pids, for the start-up lines. */
  pids(): number[] {
    return this.workers().map((worker) => worker.process.pid ?? 0);
  }

  /** SIGHUP: every worker reads its certificate again. */
  reloadTls(): void {
    for (const worker of this.workers()) this.send(worker, { trent: "reload-tls" });
  }

  /** Asks every worker to close gracefully and resolves once all have exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    const workers = this.workers();
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) {
              resolve();
              return;
            }
            const timer = setTimeout(() => worker.process.kill("SIGKILL"), stopTimeoutMs);
            worker.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            this.send(worker, { trent: "stop" });
          }),
      ),
    );
  }

  private workers(): Worker[] {
    return Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => !!worker);
  }

  private fork(): void {
    const worker = cluster.fork();
    this.startedAt.set(worker.id, Date.now());
  }

  private exited(worker: Worker, code: number | null, signal: string | null): void {
    const started = this.startedAt.get(worker.id) ?? 0;
    this.startedAt.delete(worker.id);
    if (this.stopping) return;
    // A worker that keeps dying at start would otherwise be forked in a tight loop.
    this.quickDeaths = Date.now() - started < stableAfterMs ? this.quickDeaths + 1 : 0;
    const delayMs = this.quickDeaths === 0 ? 0 : Math.min(30_000, 100 * 2 ** this.quickDeaths);
    this.duties.log.warn(
      `worker ${worker.id} (pid ${worker.process.pid ?? "?"}) exited (${signal ?? `code ${String(code)}`}); starting another${delayMs > 0 ? ` in ${delayMs} ms` : ""}`,
    );
    setTimeout(() => {
      if (!this.stopping && this.workers().length < this.count) this.fork();
    }, delayMs).unref();
  }

  private send(worker: Worker, message: ToWorker): boolean {
    try {
      if (!worker.isConnected()) return false;
      worker.send(message);
      return true;
    } catch {
      return false;
    }
  }

  /** Asks every worker, and resolves with the replies that came within the timeout. */
  private async askAll(make: (id: number) => ToWorker): Promise<Reply[]> {
    const asked = this.workers().map((worker) => {
      const { id, reply } = this.pending.open();
      if (!this.send(worker, make(id))) this.pending.settle({ trent: "reply", id, ok: false });
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<Reply>((resolve) => {
        timer = setTimeout(
          () => resolve({ trent: "reply", id, ok: false, error: "no reply" }),
          replyTimeoutMs,
        );
      });
      return Promise.race([reply, late]).finally(() => {
        clearTimeout(timer);
        this.pending.settle({ trent: "reply", id, ok: false });
      });
    });
    return Promise.all(asked);
  }

  private async aggregatedMetrics(): Promise<string> {
    const replies = await this.askAll((id) => ({ trent: "gather", id }));
    const all: WorkerMetrics[] = [await this.duties.registry.getMetricsAsJSON()];
    for (const reply of replies) if (reply.ok && reply.metrics) all.push(reply.metrics);
    return AggregatorRegistry.aggregate(all).metrics();
  }

  private async resetAll(): Promise<void> {
    await this.duties.reset();
    const replies = await this.askAll((id) => ({ trent: "forget", id }));
    const missed = replies.filter((reply) => !reply.ok).length;
    if (missed > 0) this.duties.log.warn(`reset: ${missed} worker(s) did not confirm forgetting`);
  }

  private received(worker: Worker, message: ToPrimary): void {
    const answer = (work: Promise<Omit<Reply, "trent" | "id">>) =>
      work.then(
        (reply) => this.send(worker, { trent: "reply", id: message.id, ...reply }),
        (error: unknown) =>
          this.send(worker, { trent: "reply", id: message.id, ok: false, error: String(error) }),
      );
    switch (message.trent) {
      case "reply":
        this.pending.settle(message);
        return;
      case "audit":
        answer(this.duties.writeAudit(message.chunk).then(() => ({ ok: true })));
        return;
      case "reset":
        answer(this.resetAll().then(() => ({ ok: true })));
        return;
      case "metrics":
        answer(this.aggregatedMetrics().then((text) => ({ ok: true, text })));
        return;
      case "flush-uses":
        answer(
          this.askAll((id) => ({ trent: "flush-uses", id })).then((replies) => ({
            ok: replies.every((reply) => reply.ok),
          })),
        );
        return;
    }
  }
}
