/**
 * Trent as a separate process, started the way an operator starts it (`node --import tsx
 * src/main.ts` with TRENT_* variables), for tests that must kill it: SIGKILL leaves nothing to
 * flush, unlike close() of an in-process server. The port is read from the start-up line
 * "Trent listening on http://HOST:PORT", so TRENT_PORT=0 works. Whatever the child wrote to
 * stderr is kept for failure messages.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { KMSClient } from "@aws-sdk/client-kms";

const repoRoot = new URL("../../", import.meta.url).pathname;

export interface TrentProcess {
  readonly url: string;
  readonly pid: number;
  /** A real SDK client pointed at this process, without retries. */
  client(): KMSClient;
  /** What the child wrote to stdout and stderr so far. */
  output(): string;
  /** Kills the child with SIGKILL and waits until it is gone. */
  kill(): Promise<void>;
  /** SIGTERM (Trent closes cleanly), then SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startTrentProcess(
  env: Readonly<Record<string, string>>,
): Promise<TrentProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", TRENT_HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    output += chunk;
  });
  const clients: KMSClient[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: string) => {
        output += chunk;
        const match = /Trent listening on (http:\/\/[^\s]+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.once("exit", (code, signal) =>
        reject(new Error(`Trent exited (${code ?? signal}) before listening:\n${output}`)),
      );
      timer = setTimeout(() => reject(new Error(`Trent did not start:\n${output}`)), 30_000);
    });
    if (child.pid === undefined) throw new Error("Trent has no pid");
    const pid = child.pid;
    const destroyClients = () => {
      for (const client of clients.splice(0)) client.destroy();
    };
    return {
      url,
      pid,
      client() {
        const client = new KMSClient({
          endpoint: url,
          region: "us-east-1",
          credentials: { accessKeyId: "AKIDTRENTTEST", secretAccessKey: "trent-test-secret" },
          maxAttempts: 1,
        });
        clients.push(client);
        return client;
      },
      output: () => output,
      async kill() {
        if (!exited(child)) child.kill("SIGKILL");
        await waitForExit(child, 10_000);
        destroyClients();
      },
      async stop() {
        destroyClients();
        if (exited(child)) return;
        child.kill("SIGTERM");
        if (await waitForExit(child, 10_000)) return;
        child.kill("SIGKILL");
        await waitForExit(child, 10_000);
      },
    };
  } catch (error) {
    if (!exited(child)) child.kill("SIGKILL");
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
