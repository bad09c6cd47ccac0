/**
 * A started Trent as a long-running process: its start-up lines (the root key summary in the
 * log; "Trent listening on URL ..." on standard output, which scripts and tests wait for), a
 * clean close on SIGINT and SIGTERM, and with TLS, the certificate read again on SIGHUP.
 * Shared by `npm start` (main.ts) and `trent serve`.
 */
import type { Logger } from "../../vocabulary/ports.js";

export interface ServingTrent {
  readonly url: string;
  readonly rootKeys: string;
  readonly log: Logger;
  reloadTls(): boolean;
  close(): Promise<void>;
}

export function serveUntilStopped(trent: ServingTrent, description: string, tls: boolean): void {
  trent.log.info(trent.rootKeys);
  process.stdout.write(`Trent listening on ${trent.url} (${description})\n`);
  const stop = () => {
    trent.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // Only with TLS: otherwise SIGHUP keeps its default meaning (the terminal went away).
  if (tls) process.on("SIGHUP", () => trent.reloadTls());
}
