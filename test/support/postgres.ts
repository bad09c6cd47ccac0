/**
 * A private, throwaway PostgreSQL cluster for tests, started from the PostgreSQL binaries
 * installed on the machine (Debian: /usr/lib/postgresql/<version>/bin). It lives in a temp
 * directory, listens on 127.0.0.1 on a free port with trust authentication, keeps its socket in
 * that directory, and is stopped and deleted by `stop()`.
 *
 * initdb and postgres refuse to run as root; CI runs the tests as root, so there the cluster
 * runs as the `postgres` OS user (or `nobody`), which owns the temp directory.
 */
import { execFile as execFileCallback } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const execFile = promisify(execFileCallback);

/** The directory holding initdb, pg_ctl and postgres, or undefined when none is installed. */
export function findPostgresBinaries(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const complete = (dir: string) =>
    ["initdb", "pg_ctl", "postgres"].every((name) => existsSync(join(dir, name)));
  const candidates: string[] = [];
  if (env.TRENT_TEST_PG_BIN) candidates.push(env.TRENT_TEST_PG_BIN);
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian))
    for (const version of readdirSync(debian).sort((a, b) => Number(b) - Number(a)))
      candidates.push(join(debian, version, "bin"));
  for (const dir of (env.PATH ?? "").split(delimiter)) if (dir) candidates.push(dir);
  return candidates.find(complete);
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresSkipReason(): string | undefined {
  return findPostgresBinaries() === undefined
    ? "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found in /usr/lib/postgresql/*/bin, $TRENT_TEST_PG_BIN or $PATH: install postgresql (Debian: apt-get install postgresql-15) to run the PostgreSQL tests"
    : undefined;
}

export interface TestPostgres {
  /** A URL for `database` on this cluster. */
  url(database: string): string;
  /** Creates a new empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (as an outage would), keeping its data; `resume` starts it again. */
  pause(): Promise<void>;
  /** Starts the paused server again on the same port. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

async function idOf(user: string): Promise<RunAs | undefined> {
  try {
    const uid = Number((await execFile("id", ["-u", user])).stdout.trim());
    const gid = Number((await execFile("id", ["-g", user])).stdout.trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/** As root, the unprivileged user that runs the cluster; otherwise the current user. */
async function clusterUser(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const user = (await idOf("postgres")) ?? (await idOf("nobody"));
  if (!user) throw new Error("running as root, and neither a postgres nor a nobody user exists");
  return user;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = findPostgresBinaries();
  if (!bin) throw new Error(postgresSkipReason());
  const user = await clusterUser();
  const dir = await mkdtemp(join(tmpdir(), "trent-pg-"));
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  const run = (program: string, args: string[]) =>
    execFile(join(bin, program), args, {
      cwd: dir,
      ...(user ?? {}),
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C.UTF-8" },
    });
  try {
    if (user) await chown(dir, user.uid, user.gid);
    await mkdir(data, { mode: 0o700 });
    if (user) await chown(data, user.uid, user.gid);
    // ICU's en-US collation sorts "alias/a" before "alias/B", as production databases often
    // do; the store must still list in code-point order (its sort columns collate "C").
    await run("initdb", [
      "--pgdata",
      data,
      "--username",
      "trent",
      "--auth",
      "trust",
      "--encoding",
      "UTF8",
      "--locale",
      "C.UTF-8",
      "--locale-provider",
      "icu",
      "--icu-locale",
      "en-US",
      "--no-sync",
    ]);
    let port = 0;
    let options = "";
    for (let attempt = 1; ; attempt += 1) {
      port = await freePort();
      options = [
        `-p ${port}`,
        "-c listen_addresses=127.0.0.1",
        `-c unix_socket_directories=${dir}`,
        "-c fsync=off",
        "-c synchronous_commit=off",
        "-c full_page_writes=off",
        "-c max_connections=200",
      ].join(" ");
      try {
        await run("pg_ctl", ["start", "--pgdata", data, "--wait", "--log", log, "-o", options]);
        break;
      } catch (error) {
        // Another process may have taken the port between the probe and the start.
        if (attempt >= 3) {
          const serverLog = await readFile(log, "utf8").catch(() => "");
          throw new Error(`PostgreSQL did not start: ${String(error)}\n${serverLog}`);
        }
      }
    }
    const url = (database: string) => `postgres://trent@127.0.0.1:${port}/${database}`;
    let databases = 0;
    return {
      url,
      async createDatabase() {
        databases += 1;
        const name = `trent_test_${databases}`;
        const client = new pg.Client({ connectionString: url("postgres") });
        await client.connect();
        try {
          await client.query(`create database ${name}`);
        } finally {
          await client.end();
        }
        return url(name);
      },
      async pause() {
        await run("pg_ctl", ["stop", "--pgdata", data, "--mode", "fast", "--wait"]);
      },
      async resume() {
        await run("pg_ctl", ["start", "--pgdata", data, "--wait", "--log", log, "-o", options]);
      },
      async stop() {
        try {
          await run("pg_ctl", ["stop", "--pgdata", data, "--mode", "immediate", "--wait"]);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
