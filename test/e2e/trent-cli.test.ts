/**
 * The `trent` command as a user runs it (src/trent.ts, and src/main.ts for `npm start`, which
 * is `trent serve`): the version, one help for every command with a flag for every setting,
 * errors naming the flag or variable typed, the start-up lines, and `trent status` against a
 * running server, with the real AWS SDK making the keys it counts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import { settingKeys, settings } from "../../src/vocabulary/config.js";
import { runTrentCommand, startTrentProcess, type TrentProcess } from "../support/trent-process.js";

const version = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

const dirs: string[] = [];
const servers: TrentProcess[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "trent-cli-"));
  dirs.push(dir);
  return dir;
}
after(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("the trent command", () => {
  it("prints its version from package.json", async () => {
    for (const flag of ["--version", "-v"]) {
      const result = await runTrentCommand([flag], {});
      assert.deepEqual([result.code, result.stdout, result.stderr], [0, `${version}\n`, ""]);
    }
  });

  it("has one help listing every command, and a flag with its variables for every setting", async () => {
    const [top, serve, backup] = await Promise.all([
      runTrentCommand(["--help"], {}),
      runTrentCommand(["serve", "--help"], {}),
      runTrentCommand(["help", "backup"], {}),
    ]);
    assert.equal(top.code, 0);
    for (const command of ["serve", "status", "root-key", "backup", "restore", "help"])
      assert.match(top.stdout, new RegExp(`^  ${command} `, "m"), command);
    assert.equal(serve.code, 0);
    for (const key of settingKeys) {
      const row = settings[key];
      assert.match(
        serve.stdout,
        new RegExp(`^  ${row.flag} ${row.placeholder.replace(/[[\]|]/g, "\\$&")} `, "m"),
        row.flag,
      );
      assert.ok(serve.stdout.includes(`(${row.env.join(", ")}`), row.env.join(", "));
    }
    for (const heading of ["Server", "Store", "Root key", "Callers", "Audit", "Limits"])
      assert.match(serve.stdout, new RegExp(`^${heading} options:$`, "m"), heading);
    // Commands that open a store take the store's and the root key's flags, in the same words.
    assert.match(backup.stdout, /^ {2}--data-dir <dir> /m);
    assert.match(backup.stdout, /^ {2}--root-key-file <file> /m);
    assert.doesNotMatch(backup.stdout, /--port/);
  });

  it("names the flag or the variable the user typed in a bad value", async () => {
    const [flag, variable, alias, both] = await Promise.all([
      runTrentCommand(["serve", "--port", "abc"], {}),
      runTrentCommand(["serve"], { TRENT_PORT: "abc" }),
      runTrentCommand(["serve"], { TRENT_PORT: undefined, PORT: "http" }),
      runTrentCommand(["serve", "--auth-mode", "sigv4", "--data-dir", ":memory:"], {}),
    ]);
    assert.deepEqual(
      [flag.code, flag.stderr],
      [1, "trent: --port must be an integer >= 0, got 'abc'\n"],
    );
    assert.deepEqual(
      [variable.code, variable.stderr],
      [1, "trent: TRENT_PORT must be an integer >= 0, got 'abc'\n"],
    );
    assert.deepEqual(
      [alias.code, alias.stderr],
      [1, "trent: PORT must be an integer >= 0, got 'http'\n"],
    );
    assert.deepEqual(
      [both.code, both.stderr],
      [
        1,
        "trent: --auth-mode sigv4 needs --credentials-file, the YAML file of identities allowed to call (see docs/security.md)\n",
      ],
    );
  });

  it("serves with flags over variables, says where everything is, and answers trent status", async () => {
    const dataDir = tempDir();
    const auditFile = join(tempDir(), "audit.jsonl");
    const server = await startTrentProcess(
      { TRENT_REGION: "ap-south-1", TRENT_DATA_DIR: "/nonexistent/never-used" },
      30_000,
      [
        "--data-dir",
        dataDir,
        "--account-id",
        "444455556666",
        "--region",
        "eu-west-1",
        "--audit-file",
        auditFile,
        "--audit-fsync",
        "--key-pair-pool-size",
        "0",
      ],
    );
    servers.push(server);
    const lines = server.output().split("\n");
    const start = lines.findIndex((line) => line.startsWith("Trent listening on "));
    assert.deepEqual(lines.slice(start, start + 9), [
      `Trent listening on ${server.url}`,
      `  version   ${version}`,
      `  data dir  ${dataDir}`,
      `  database  SQLite ${join(dataDir, "trent.sqlite")}`,
      `  root key  file ${join(dataDir, "root.key")}, generated on first start (for a developer's machine only: see docs/security.md)`,
      `  audit     ${auditFile}, flushed to disk (fsync)`,
      "  auth      open: any or no signature, every caller acts as the account root",
      "  account   444455556666, region eu-west-1",
      `  console   ${server.url}/console (from this machine only: open mode signs in as the account root)`,
    ]);
    const created = await server.client().send(new CreateKeyCommand({}));
    assert.match(created.KeyMetadata?.Arn ?? "", /:444455556666:key\//);
    assert.match(readFileSync(auditFile, "utf8"), /"eventName":"CreateKey"/);

    const port = new URL(server.url).port;
    const [byFlag, byVariable, json] = await Promise.all([
      runTrentCommand(["status", "--endpoint", server.url], {}),
      runTrentCommand(["status"], { TRENT_PORT: port }),
      runTrentCommand(["status", "--endpoint", `${server.url}/`, "--json"], {}),
    ]);
    const expected = [
      `Trent ${version} is up at ${server.url}`,
      `  store     sqlite ${join(dataDir, "trent.sqlite")}`,
      "  auth      open",
      "  keys      1",
      "  account   444455556666, region eu-west-1",
      "",
    ].join("\n");
    assert.deepEqual([byFlag.code, byFlag.stdout, byFlag.stderr], [0, expected, ""]);
    assert.deepEqual([byVariable.code, byVariable.stdout], [0, expected]);
    assert.deepEqual(JSON.parse(json.stdout), {
      status: "ok",
      version,
      authMode: "open",
      store: { engine: "sqlite", location: join(dataDir, "trent.sqlite") },
      keys: 1,
      accountId: "444455556666",
      region: "eu-west-1",
    });
  });

  it("in sigv4 mode says so at start-up, and status shows no more than that it is up", async () => {
    const dir = tempDir();
    const credentialsFile = join(dir, "credentials.yaml");
    writeFileSync(
      credentialsFile,
      `identities:
  - accessKeyId: AKIACLITEST00000001
    secretAccessKey: "cli-test-secret-access-key"
    accountId: "111122223333"
    arn: arn:aws:iam::111122223333:user/cli
`,
    );
    const server = await startTrentProcess({}, 30_000, [
      "--credentials-file",
      credentialsFile,
      "--data-dir",
      ":memory:",
      "--key-pair-pool-size",
      "0",
    ]);
    servers.push(server);
    const output = server.output();
    assert.ok(
      output.includes(`  auth      sigv4: signatures verified against ${credentialsFile}\n`),
    );
    assert.ok(output.includes("  database  SQLite in memory\n"));
    assert.ok(output.includes("  root key  random, held in memory by this process only\n"));
    assert.ok(output.includes("  audit     no file\n"));
    const status = await runTrentCommand(["status", "--endpoint", server.url], {});
    assert.deepEqual(
      [status.code, status.stdout],
      [
        0,
        `Trent is up at ${server.url}\n  auth      sigv4: version, store and key count are shown only in open mode\n`,
      ],
    );
  });

  it("status says plainly when nothing answers, or something that is not Trent", async () => {
    const server = await startTrentProcess({ TRENT_DATA_DIR: ":memory:" }, 30_000, [
      "--key-pair-pool-size",
      "0",
    ]);
    const url = server.url;
    await server.stop();
    const nothing = await runTrentCommand(["status", "--endpoint", url], {});
    assert.deepEqual(
      [nothing.code, nothing.stdout, nothing.stderr],
      [1, "", `trent: no Trent answers at ${url} (ECONNREFUSED)\n`],
    );
    const other = createServer((_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<h1>Not Found</h1>");
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    try {
      const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      const stranger = await runTrentCommand(["status", "--endpoint", otherUrl], {});
      assert.deepEqual(
        [stranger.code, stranger.stderr],
        [
          1,
          `trent: something answers at ${otherUrl}, but not as Trent does (HTTP 404 to GET /_trent/status)\n`,
        ],
      );
    } finally {
      other.close();
    }
  });
});
