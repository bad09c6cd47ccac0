/**
 * TRENT_WORKERS > 1, composed: `trent serve` runs a primary process and N workers
 * (node:cluster) serving one port. The workers run startTrent with the duties they leave to the
 * primary (app.ts's `worker` option); the primary opens the same store, keys and audit outputs
 * as a single Trent would, without an HTTP server, and:
 *
 * - owns the audit trail: workers forward their records (grouped per event-loop turn) and answer
 *   only after the primary acknowledges that it handed them to the operating system, so the
 *   durability rule, rotation, digests, the index and `trent audit verify` stay those of one
 *   writer (docs/operations.md says why this beat one file per worker);
 * - seeds the store before forking, and resets it for POST /_trent/reset, then has every worker
 *   forget what it held of the old store before the reset is answered;
 * - runs the clock-driven sweeps, once;
 * - sums every process's metrics for GET /metrics (its own included: audit writes, sweeps);
 * - forwards SIGHUP's TLS reload, stops the workers on SIGTERM/SIGINT before closing what it
 *   owns, and replaces a worker that dies.
 */
import cluster from "node:cluster";
import { applyStartupSeeds, openCore, openLog, startTrent, startupSeeds, sweeps } from "./app.js";
import type { ServingTrent } from "./front-doors/cli/serving.js";
import { PrimaryLink } from "./front-doors/cluster/primary-link.js";
import { WorkerSupervisor } from "./front-doors/cluster/supervisor.js";
import { createTrentMetrics } from "./front-doors/http/metrics.js";
import { checkRegistry } from "./operations/registry.js";
import { checkServable, type TrentConfig } from "./vocabulary/config.js";

/** True in a process node:cluster forked: it serves as a worker. */
export const isClusterWorker = cluster.isWorker;

/** The primary, serving through its workers: what `trent serve` prints and stops. */
export async function startPrimary(config: TrentConfig, count: number): Promise<ServingTrent> {
  checkRegistry();
  checkServable(config);
  const { structured, log } = openLog(config, {});
  const metrics = createTrentMetrics();
  const opened = await openCore(config, {}, log, { metrics }).catch(async (error: unknown) => {
    await structured?.flush();
    throw error;
  });
  const { services } = opened;
  const seeds = startupSeeds(config, log);
  let supervisor: WorkerSupervisor;
  let url: string;
  let sweeper: NodeJS.Timeout | undefined;
  try {
    // Before any worker listens: clients never see the store unseeded.
    await applyStartupSeeds(services, seeds, log);
    sweeper = sweeps(services, log).sweeper;
    const sink = opened.auditOutputs.sink;
    const started = await WorkerSupervisor.start(count, {
      writeAudit(chunk) {
        // One line at a time, in one turn: they join one group of the file's, so one write.
        let written: Promise<void> = Promise.resolve();
        let start = 0;
        for (let end = chunk.indexOf("\n"); end !== -1; end = chunk.indexOf("\n", start)) {
          written = sink.writeLine(chunk.slice(start, end + 1));
          start = end + 1;
        }
        return written;
      },
      async reset() {
        await services.store.reset();
        services.vault.forget();
        await applyStartupSeeds(services, seeds, log);
      },
      registry: metrics.registry,
      log,
    });
    supervisor = started.supervisor;
    const { address, port, family } = started.address;
    const host =
      family === "IPv6" || (family as unknown) === 6
        ? `[${address === "" ? "::" : address}]`
        : address;
    url = `${config.tlsCertFile === undefined ? "http" : "https"}://${host}:${port}`;
  } catch (error) {
    clearInterval(sweeper);
    await opened.close();
    await structured?.flush();
    throw error;
  }
  const running = supervisor;
  return {
    url,
    rootKeys: opened.rootKeys,
    log,
    reloadTls() {
      running.reloadTls();
      return true;
    },
    async close() {
      clearInterval(sweeper);
      // Workers first: their last answers wait for the audit records this process writes.
      await running.stop();
      await opened.close();
      await structured?.flush();
    },
  };
}

/**
 * A worker: startTrent with what the primary does for all, answering the primary's requests;
 * ends when told to stop, on SIGTERM/SIGINT, or when the primary is gone.
 */
export async function startWorker(config: TrentConfig, count: number): Promise<void> {
  const link = new PrimaryLink(process, {
    id: cluster.worker?.id ?? 0,
    pid: process.pid,
    of: count,
  });
  // Without a primary nothing writes this worker's audit records: stop serving at once.
  process.on("disconnect", () => process.exit(1));
  const trent = await startTrent(config, { worker: link.duties });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    trent.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  link.serve({
    forget: () => trent.services.vault.forget(),
    flushKeyUses: () => trent.services.audit.flushOwnKeyUses(),
    reloadTls: () => {
      trent.reloadTls();
    },
    stop,
    registry: trent.metrics.registry,
  });
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // SIGHUP reaches the worker through the primary (reload-tls); sent to the whole group, it
  // must not end the worker either.
  process.on("SIGHUP", () => {});
}
