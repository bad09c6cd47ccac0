/**
 * A worker process's side of the channel to its primary (TRENT_WORKERS > 1): what the worker
 * asks of the primary, which does it once for every worker (write audit records, reset the
 * store, aggregate metrics), and what the primary asks of the worker (forget after a reset,
 * its metrics, reload TLS, stop). The composition root (src/cluster.ts) hands `duties` to
 * startTrent and answers the primary's requests through `serve`.
 */
import type { Registry } from "prom-client";
import type { ForwardLines } from "../../platform/audit/forwarding-sink.js";
import type { MetricsSource } from "../http/metrics-route.js";
import { isTrentMessage, PendingReplies, type ToPrimary, type ToWorker } from "./messages.js";

/** What a worker leaves to its primary; startTrent's `worker` option (app.ts). */
export interface WorkerDuties {
  /** Sends a group of audit lines to the primary's trail; true once written there. */
  readonly forwardAudit: ForwardLines;
  /** POST /_trent/reset: the primary resets the store, seeds it again, and tells every worker. */
  reset(): Promise<void>;
  /** GET /metrics: every worker's metrics and the primary's, summed (`local` is this worker's). */
  metrics(local: Registry): MetricsSource;
  /** GetKeyLastUsage: every worker writes the key uses it holds in memory. */
  flushKeyUses(): Promise<void>;
  /** This worker's cluster id, pid, and how many workers there are, for /_trent/status. */
  readonly identity: { readonly id: number; readonly pid: number; readonly of: number };
}

/** What the worker does when the primary asks. */
export interface WorkerHandlers {
  /** After a reset: drop what the old store made stale (opened key material). */
  forget(): void;
  reloadTls(): void;
  /** Writes the key uses this worker holds in memory. */
  flushKeyUses(): Promise<void>;
  /** Close gracefully; the process exits after. */
  stop(): void;
  /** This worker's registry, for the primary's aggregation. */
  readonly registry: Registry;
}

type Channel = Pick<NodeJS.Process, "send" | "on" | "connected">;

export class PrimaryLink {
  private readonly pending = new PendingReplies();
  private handlers: WorkerHandlers | undefined;

  constructor(
    private readonly channel: Channel,
    identity: WorkerDuties["identity"],
  ) {
    channel.on("message", (message: unknown) => {
      if (isTrentMessage(message)) this.received(message as ToWorker);
    });
    // The primary is gone (killed, crashed): nobody writes this worker's audit records any
    // more, so nothing it answers could keep the durability rule. Fail what waits; the
    // composition root ends the process.
    channel.on("disconnect", () => this.pending.failAll("the primary process is gone"));
    this.duties = {
      forwardAudit: async (chunk) => (await this.request({ trent: "audit", chunk })).ok,
      reset: async () => {
        const reply = await this.request({ trent: "reset" });
        if (!reply.ok) throw new Error(`reset failed in the primary: ${reply.error ?? "unknown"}`);
      },
      metrics: (local) => ({
        contentType: local.contentType,
        metrics: async () => {
          const reply = await this.request({ trent: "metrics" });
          if (!reply.ok || reply.text === undefined)
            throw new Error(`metrics not gathered: ${reply.error ?? "no text"}`);
          return reply.text;
        },
      }),
      flushKeyUses: async () => {
        await this.request({ trent: "flush-uses" });
      },
      identity,
    };
  }

  readonly duties: WorkerDuties;

  /** Answers the primary's requests from now on. */
  serve(handlers: WorkerHandlers): void {
    this.handlers = handlers;
  }

  private async request(
    message:
      | { readonly trent: "audit"; readonly chunk: string }
      | { readonly trent: "reset" }
      | { readonly trent: "metrics" }
      | { readonly trent: "flush-uses" },
  ) {
    const { id, reply } = this.pending.open();
    this.send({ ...message, id });
    return reply;
  }

  private send(message: ToPrimary): void {
    try {
      if (!this.channel.connected || this.channel.send === undefined)
        throw new Error("no channel to the primary");
      this.channel.send(message);
    } catch {
      if ("id" in message) this.pending.failAll("the primary process is gone");
    }
  }

  private received(message: ToWorker): void {
    const handlers = this.handlers;
    switch (message.trent) {
      case "reply":
        this.pending.settle(message);
        return;
      case "forget":
        handlers?.forget();
        this.send({ trent: "reply", id: message.id, ok: true });
        return;
      case "gather":
        if (!handlers) {
          this.send({ trent: "reply", id: message.id, ok: true, metrics: [] });
          return;
        }
        handlers.registry.getMetricsAsJSON().then(
          (metrics) => this.send({ trent: "reply", id: message.id, ok: true, metrics }),
          (error: unknown) =>
            this.send({ trent: "reply", id: message.id, ok: false, error: String(error) }),
        );
        return;
      case "flush-uses":
        (handlers?.flushKeyUses() ?? Promise.resolve()).then(
          () => this.send({ trent: "reply", id: message.id, ok: true }),
          (error: unknown) =>
            this.send({ trent: "reply", id: message.id, ok: false, error: String(error) }),
        );
        return;
      case "reload-tls":
        handlers?.reloadTls();
        return;
      case "stop":
        handlers?.stop();
        return;
    }
  }
}
