/**
 * The audit worker thread: the followers of one audit trail (the index, the CloudTrail export)
 * run here, so reading the files again, parsing every record and writing the index cost the
 * event loop nothing but one message per group of records. Started and told what to do by
 * audit-followers.ts; its protocol is `WorkerRequest` and `WorkerReport` there. All its state
 * lives in `serve`, one call per thread.
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { AuditFiles } from "./audit-files.js";
import { AuditFollower } from "./audit-follower.js";
import type { WorkerOptions, WorkerReport, WorkerRequest } from "./audit-followers.js";
import { CloudTrailExport } from "./cloudtrail-export.js";
import { IndexConsumer } from "./index-consumer.js";
import type { AuditIndexWriter } from "./index-rows.js";
import { PostgresAuditIndexWriter } from "./postgres-audit-index.js";
import { SqliteAuditIndexWriter } from "./sqlite-audit-index.js";

const dayMs = 24 * 60 * 60 * 1000;
/**
 * How often at most the followers read what was written: the index lags the file by up to
 * this, and under load each transaction carries this long's records.
 */
const passEveryMs = 50;

interface Opened {
  readonly followers: readonly AuditFollower[];
  readonly writer: AuditIndexWriter | undefined;
  readonly exporter: CloudTrailExport | undefined;
}

async function open(options: WorkerOptions, log: (message: string) => void): Promise<Opened> {
  const files = new AuditFiles(options.live);
  const followers: AuditFollower[] = [];
  let writer: AuditIndexWriter | undefined;
  if (options.index?.kind === "sqlite") writer = new SqliteAuditIndexWriter(options.index.path);
  if (options.index?.kind === "postgres")
    writer = await PostgresAuditIndexWriter.open(options.index.url, log);
  if (writer)
    followers.push(new AuditFollower(files, new IndexConsumer(writer, log), log, passEveryMs));
  const exporter = options.cloudTrail
    ? await CloudTrailExport.open({ ...options.cloudTrail, log })
    : undefined;
  if (exporter) followers.push(new AuditFollower(files, exporter, log, passEveryMs));
  return { followers, writer, exporter };
}

function serve(port: MessagePort, options: WorkerOptions): void {
  const report = (message: WorkerReport) => port.postMessage(message);
  const log = (message: string) => report({ type: "log", message });
  let closed = false;

  const applyRetention = async ({ writer }: Opened): Promise<void> => {
    if (!writer || options.retentionDays <= 0 || closed) return;
    const cutoff = Math.floor((Date.now() - options.retentionDays * dayMs) / 1000);
    const deleted = await writer.deleteBefore(cutoff);
    if (deleted > 0)
      log(
        `audit retention: deleted ${deleted} records older than ${new Date(cutoff * 1000).toISOString()} from the audit index`,
      );
  };
  const retain = (opened: Opened) =>
    applyRetention(opened).catch((error) => log(`audit index retention: ${String(error)}`));

  const started = open(options, log);
  started.then(
    () => report({ type: "started" }),
    (error: unknown) => report({ type: "failed", message: String(error) }),
  );
  /** Started, and the first catch-up taken (it may be long: Trent answers meanwhile). */
  const ready = started.then(async (opened) => {
    await retain(opened);
    await Promise.all(opened.followers.map((follower) => follower.poke()));
    return opened;
  });
  // A failed start was reported above; requests are then answered without work.
  ready.catch(() => {});
  const retention = setInterval(() => void ready.then(retain), 60 * 60 * 1000);

  port.on("message", (request: WorkerRequest) => {
    void (async () => {
      let opened: Opened;
      try {
        opened = await ready;
      } catch {
        if (request.type !== "poke") report({ type: "done", id: request.id });
        return;
      }
      const { followers, writer, exporter } = opened;
      switch (request.type) {
        case "poke":
          if (!closed) for (const follower of followers) follower.nudge();
          return;
        case "settle":
          await Promise.all(followers.map((follower) => follower.poke()));
          if (request.flush) await exporter?.flush();
          report({ type: "done", id: request.id });
          return;
        case "close":
          closed = true;
          clearInterval(retention);
          for (const follower of followers) follower.cancel();
          await Promise.all(followers.map((follower) => follower.poke()));
          await exporter?.close();
          await writer?.close();
          report({ type: "done", id: request.id });
          return;
      }
    })().catch((error: unknown) => {
      log(`audit worker: ${String(error)}`);
      if (request.type !== "poke") report({ type: "done", id: request.id });
    });
  });
}

if (!parentPort) throw new Error("audit-worker.ts runs as a worker thread");
serve(parentPort, workerData as WorkerOptions);
