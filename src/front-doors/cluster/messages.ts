/**
 * The messages between the primary process and its workers (TRENT_WORKERS > 1), over
 * node:cluster's IPC channel. Every message carries `trent` so that other users of the channel
 * (prom-client's own cluster messages, for one) are told apart. A request carries an `id` that
 * its reply repeats.
 *
 * Worker → primary: `audit` (a group of audit lines to write; the reply comes once they are
 * handed to the operating system), `reset` (reset the store for everyone), `metrics` (the
 * aggregated metrics text), `flush-uses` (every worker writes the key uses it holds, for
 * GetKeyLastUsage), and `reply` to the primary's requests.
 * Primary → worker: `reply`, `forget` (drop what a reset made stale), `gather` (this worker's
 * metrics as JSON), `flush-uses` (write the key uses held), `reload-tls` (SIGHUP), `stop`
 * (close gracefully and exit).
 */
import type { MetricObjectWithValues, MetricValue } from "prom-client";

export type WorkerMetrics = MetricObjectWithValues<MetricValue<string>>[];

export type ToPrimary =
  | { readonly trent: "audit"; readonly id: number; readonly chunk: string }
  | { readonly trent: "reset"; readonly id: number }
  | { readonly trent: "metrics"; readonly id: number }
  | { readonly trent: "flush-uses"; readonly id: number }
  | Reply;

export type ToWorker =
  | { readonly trent: "forget"; readonly id: number }
  | { readonly trent: "gather"; readonly id: number }
  | { readonly trent: "flush-uses"; readonly id: number }
  | { readonly trent: "reload-tls" }
  | { readonly trent: "stop" }
  | Reply;

export interface Reply {
  readonly trent: "reply";
  readonly id: number;
  /** Absent when the request failed; `error` then says why. */
  readonly ok: boolean;
  readonly error?: string;
  /** The metrics text (for `metrics`). */
  readonly text?: string;
  /** A worker's metrics (for `gather`). */
  readonly metrics?: WorkerMetrics;
}

export function isTrentMessage(message: unknown): message is { readonly trent: string } {
  return (
    typeof message === "object" &&
    message !== null &&
    typeof (message as { trent?: unknown }).trent === "string"
  );
}

/** Requests awaiting their replies, by id; what both ends of the channel keep. */
export class PendingReplies {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Reply) => void>();

  /** A fresh id and the promise of its reply. */
  open(): { readonly id: number; readonly reply: Promise<Reply> } {
    const id = this.nextId++;
    const reply = new Promise<Reply>((resolve) => this.waiting.set(id, resolve));
    return { id, reply };
  }

  settle(reply: Reply): void {
    const resolve = this.waiting.get(reply.id);
    if (resolve === undefined) return;
    this.waiting.delete(reply.id);
    resolve(reply);
  }

  /** Fails every request still waiting: the other end is gone. */
  failAll(error: string): void {
    const pending = [...this.waiting];
    this.waiting.clear();
    for (const [id, resolve] of pending) resolve({ trent: "reply", id, ok: false, error });
  }
}
