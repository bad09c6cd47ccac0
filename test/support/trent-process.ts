/**
 * Trent as operators run it: `node --import tsx src/main.ts` (or the `trent` command) in a child
 * process with its own environment, for tests that must kill it (SIGKILL leaves nothing to
 * flush, unlike close() of an in-process server), tests of start-up, and commands that run
 * beside a server. A running server logs JSON lines on standard error; `logLines` reads them.
 * Only the variables given (plus PATH, HOME and SOFTHSM2_CONF) reach the child,
 * so the machine's TRENT_* settings cannot leak into a test; TRENT_WORKERS is 1 unless given.
 * The URL is read from the start-up
 * line "Trent listening on http://HOST:PORT", so the default TRENT_PORT=0 works.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { KMSClient } from "@aws-sdk/client-kms";

const repo = fileURLToPath(new URL("../..", import.meta.url));

function childEnv(env: Readonly<Record<string, string | undefined>>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  if (process.env.SOFTHSM2_CONF) base.SOFTHSM2_CONF = process.env.SOFTHSM2_CONF;
  // One process unless a test asks for workers: the default (one per core) would fork as many
  // processes per test server as the machine has cores.
  return { ...base, TRENT_HOST: "127.0.0.1", TRENT_PORT: "0", TRENT_WORKERS: "1", ...env };
}

export interface TrentProcess {
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** A real SDK client pointed at this process, without retries. */
  client(): KMSClient;
  /** Everything written to standard error so far. */
  stderr(): string;
  /**
   * Standard error once it matches `pattern`. The log is written asynchronously, so a line
   * logged before the listening line may arrive after it; rejects if the process exits or
   * 30 s pass first.
   */
  stderrMatching(pattern: RegExp): Promise<string>;
  /** Everything written to standard output and standard error so far. */
  output(): string;
  /**
   * SIGKILL, then resolves once the process is gone; started with `group`, the whole process
   * group (the primary and its workers) at once.
   */
  kill(): Promise<void>;
  /** SIGTERM (Trent closes cleanly), SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface FailedStart {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CommandResult extends FailedStart {
  /** When each line of standard output arrived (Date.now()), for tests of overlap. */
  readonly lineTimes: readonly { readonly at: number; readonly line: string }[];
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Starts `src/main.ts` (`npm start`, which is `trent serve`) with `args` as its flags; resolves
 * once it prints its listening line, or rejects with a FailedStart when it exits first (or
 * prints nothing within `timeoutMs`).
 */
export function startTrentProcess(
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs = 30_000,
  args: readonly string[] = [],
  { group = false }: { readonly group?: boolean } = {},
): Promise<TrentProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", ...args], {
    cwd: repo,
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so that kill() can end the primary and its workers in one signal.
    detached: group,
  });
  const sigkill = () => {
    if (!group || child.pid === undefined) child.kill("SIGKILL");
    else
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // ESRCH: the group is gone already.
      }
  };
  let stdout = "";
  let stderr = "";
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const waitForExit = (ms: number) =>
    hasExited(child)
      ? Promise.resolve(true)
      : Promise.race([
          exited.then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref()),
        ]);
  const clients: KMSClient[] = [];
  const destroyClients = () => {
    for (const client of clients.splice(0)) client.destroy();
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject({ code: null, stdout, stderr: `${stderr}(no listening line in ${timeoutMs} ms)` });
    }, timeoutMs);
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
      const match = /Trent listening on (https?:\/\/\S+)/.exec(stdout);
      if (!match?.[1] || child.pid === undefined) return;
      clearTimeout(timer);
      const url = match[1];
      resolve({
        url,
        pid: child.pid,
        child,
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
        stderr: () => stderr,
        stderrMatching: (pattern) =>
          new Promise((resolveMatch, rejectMatch) => {
            const check = () => {
              if (pattern.test(stderr)) {
                child.stderr?.off("data", check);
                clearTimeout(giveUp);
                resolveMatch(stderr);
              }
            };
            const giveUp = setTimeout(() => {
              child.stderr?.off("data", check);
              rejectMatch(new Error(`standard error never matched ${pattern}:\n${stderr}`));
            }, 30_000);
            child.stderr?.on("data", check);
            check();
          }),
        output: () => output,
        async kill() {
          if (!hasExited(child)) sigkill();
          await waitForExit(10_000);
          destroyClients();
        },
        async stop() {
          destroyClients();
          if (!hasExited(child)) {
            child.kill("SIGTERM");
            if (!(await waitForExit(10_000))) child.kill("SIGKILL");
          }
          return exited;
        },
      });
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject({ code, stdout, stderr } satisfies FailedStart);
    });
  });
}

/** Runs the `trent` command (src/trent.ts) to its end. */
export function runTrentCommand(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<CommandResult> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/trent.ts", ...args], {
    cwd: repo,
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const lineTimes: { at: number; line: string }[] = [];
  child.stdout?.on("data", (chunk: Buffer) => {
    const at = Date.now();
    const text = chunk.toString();
    const lines = (stdout.slice(stdout.lastIndexOf("\n") + 1) + text).split("\n").slice(0, -1);
    stdout += text;
    for (const line of lines) lineTimes.push({ at, line });
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) =>
    child.once("close", (code) => resolve({ code, stdout, stderr, lineTimes })),
  );
}

/** One JSON log line of a Trent process (platform/log/pino-logger.ts). */
export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** The JSON log lines in a process's standard error; other lines (a refusal to start) skipped. */
export function logLines(stderr: string): LogLine[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogLine);
}
