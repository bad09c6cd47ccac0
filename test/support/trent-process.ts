/**
 * Trent as operators run it: `node --import tsx src/main.ts` (or the `trent` command) in a child
 * process with its own environment, for tests of start-up and of commands that run beside a
 * server. Only the variables given (plus PATH, HOME and SOFTHSM2_CONF) reach the child, so the
 * machine's TRENT_* settings cannot leak into a test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../..", import.meta.url));

function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  if (process.env.SOFTHSM2_CONF) base.SOFTHSM2_CONF = process.env.SOFTHSM2_CONF;
  return { ...base, TRENT_PORT: "0", ...env };
}

export interface TrentProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything written to standard error so far. */
  stderr(): string;
  /** SIGTERM, then resolves with the exit code once the process has ended. */
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

/**
 * Starts `src/main.ts`; resolves once it prints its listening line, or rejects with a
 * FailedStart when it exits first (or prints nothing within `timeoutMs`).
 */
export function startTrentProcess(
  env: Record<string, string | undefined>,
  timeoutMs = 20_000,
): Promise<TrentProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: repo,
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject({ code: null, stdout, stderr: `${stderr}(no listening line in ${timeoutMs} ms)` });
    }, timeoutMs);
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /Trent listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({
          url: match[1],
          child,
          stderr: () => stderr,
          async stop() {
            child.kill("SIGTERM");
            return exited;
          },
        });
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject({ code, stdout, stderr } satisfies FailedStart);
    });
  });
}

/** Runs the `trent` command (src/cli/main.ts) to its end. */
export function runTrentCommand(
  args: readonly string[],
  env: Record<string, string | undefined>,
): Promise<CommandResult> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
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
