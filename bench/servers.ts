/**
 * The servers under test, each in its own child process: Trent exactly as `npm start` runs it
 * (the compiled dist/src/main.js, default configuration, open auth) on an ephemeral port with a
 * temporary data directory, a bare HTTP server, and moto_server on a free port. Every child
 * is tracked in the run's ChildProcesses, whose stopAll() the runner calls in a finally block
 * and on SIGINT/SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kmsHeaders } from "./load.js";

export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** Trent's temporary data directory (deleted by stop). */
  readonly dataDir?: string;
  stop(): Promise<void>;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM, then SIGKILL if the child has not exited within a few seconds. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  if (await waitForExit(child, 5000)) return;
  child.kill("SIGKILL");
  await waitForExit(child, 5000);
}

/** The child processes one bench run started and has not seen exit yet. */
export class ChildProcesses {
  private readonly running = new Set<ChildProcess>();

  track(child: ChildProcess): void {
    this.running.add(child);
    child.once("exit", () => this.running.delete(child));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running].map(stopChild));
  }

  /** Last resort when the bench process itself is exiting: signals only, synchronously. */
  killAllNow(): void {
    for (const child of this.running) if (child.exitCode === null) child.kill("SIGKILL");
  }
}

function tail(text: string): string {
  return text.split("\n").slice(-20).join("\n");
}

interface Listening {
  readonly child: ChildProcess;
  readonly url: string;
  readonly pid: number;
}

/** Spawns a node child process and waits for the line `pattern` finds its URL in. */
async function spawnListening(
  children: ChildProcesses,
  name: string,
  argv: readonly string[],
  options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv; readonly pattern: RegExp },
): Promise<Listening> {
  const child = spawn(process.execPath, argv, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.track(child);
  let output = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  // Trent logs a line per request on standard error: keep only the end, for error messages,
  // so a long run does not pile every line up in this process.
  child.stderr.on("data", (chunk: string) => {
    output = (output + chunk).slice(-64 * 1024);
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: string) => {
        output += chunk;
        const match = options.pattern.exec(output);
        if (match) {
          child.stdout.off("data", onData);
          // Keep draining stdout so the child never blocks on a full pipe.
          child.stdout.resume();
          resolve(match[1]!);
        }
      };
      child.stdout.on("data", onData);
      child.once("exit", (code) =>
        reject(new Error(`${name} exited with ${code} before listening:\n${tail(output)}`)),
      );
      timer = setTimeout(
        () => reject(new Error(`${name} did not start:\n${tail(output)}`)),
        20_000,
      );
    });
    if (child.pid === undefined) throw new Error(`${name} has no pid`);
    return { child, url, pid: child.pid };
  } catch (error) {
    await stopChild(child);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts Trent as `npm start` runs it, `node dist/src/main.js` (built beforehand), with its
 * default configuration but for an ephemeral port, a temporary data directory and one process
 * (TRENT_WORKERS=1) (and any `env` given, such as TRENT_AUDIT_FSYNC or TRENT_WORKERS), and waits for its "Trent listening on <url>" line.
 */
export async function startTrent(
  children: ChildProcesses,
  repoRoot: string,
  env: Readonly<Record<string, string>> = {},
  name = "Trent",
  nodeOptions: readonly string[] = [],
): Promise<ServerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), "trent-bench-"));
  try {
    const argv = [...nodeOptions, "dist/src/main.js"];
    const { child, url, pid } = await spawnListening(children, name, argv, {
      cwd: repoRoot,
      env: {
        TRENT_HOST: "127.0.0.1",
        TRENT_PORT: "0",
        TRENT_DATA_DIR: dataDir,
        TRENT_AUTH_MODE: "open",
        // One process unless `env` asks for workers: the CPU measured is the one pid's.
        TRENT_WORKERS: "1",
        ...env,
      },
      pattern: /Trent listening on (https?:\/\/\S+)/,
    });
    return {
      name,
      url,
      pid,
      dataDir,
      async stop() {
        await stopChild(child);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Starts bench/http-floor-server.ts answering every request with `bodyBytes` bytes. */
export async function startHttpFloor(
  children: ChildProcesses,
  repoRoot: string,
  bodyBytes: number,
): Promise<ServerProcess> {
  const { child, url, pid } = await spawnListening(
    children,
    "HTTP floor server",
    ["--import", "tsx", "bench/http-floor-server.ts", String(bodyBytes)],
    { cwd: repoRoot, pattern: /listening on (http:\/\/\S+)/ },
  );
  return { name: "HTTP floor", url, pid, stop: () => stopChild(child) };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

/**
 * moto routes a request by the service named in its credential scope (without one it answers
 * as S3), so every request to it carries an Authorization header naming kms; moto does not
 * check the signature.
 */
export function scopeAuthorization(region: string): Record<string, string> {
  return {
    authorization:
      `AWS4-HMAC-SHA256 Credential=AKIDBENCHMARK/20250101/${region}/kms/aws4_request, ` +
      "SignedHeaders=content-type;host;x-amz-target, Signature=00",
  };
}

/** Starts `moto_server -p <free port>` and waits until it answers a KMS request. */
export async function startMoto(children: ChildProcesses): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.track(child);
  let output = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    // werkzeug logs every request here; keep only the tail for error messages.
    output = (output + chunk).slice(-4000);
  });
  const spawnFailure = new Promise<never>((_, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`moto_server exited with ${code}:\n${output}`)));
  });
  // Only the readiness loop below cares; a later exit (stop()) must not go unhandled.
  spawnFailure.catch(() => {});
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await Promise.race([
      fetch(url, {
        method: "POST",
        headers: kmsHeaders("ListKeys", scopeAuthorization("us-east-1")),
        body: "{}",
      }).then(
        (response) => response.ok,
        () => false,
      ),
      spawnFailure,
    ]);
    if (ready) break;
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`moto_server did not answer on ${url}:\n${tail(output)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (child.pid === undefined) throw new Error("moto_server has no pid");
  return { name: "moto", url, pid: child.pid, stop: () => stopChild(child) };
}
