/**
 * A started Trent as a long-running process: its start-up lines (the root key summary in the
 * log; "Trent listening on URL" and where everything is on standard output, which scripts and
 * tests wait for), a
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

export function serveUntilStopped(
  trent: ServingTrent,
  startUpLines: readonly string[],
  tls: boolean,
): void {
  const stop = () => {
    trent.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // Before the listening line: whoever waits for it may signal at once.
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  trent.log.info(trent.rootKeys);
  process.stdout.write(`${startUpLines.join("\n")}\n`);
  // Only with TLS: otherwise SIGHUP keeps its default meaning (the terminal went away).
  if (tls) process.on("SIGHUP", () => trent.reloadTls());
}
