/**
 * `trent audit` and `trent audit verify` as operators run them: the real `trent` command (tsx),
 * beside a real Trent child process that real SDK clients call. The listing filters by key,
 * operation, caller, error and time, pages with --next-token, prints a table or JSON lines, and
 * --follow prints records as they arrive; verify passes on the untouched trail and, once a
 * rotated file is edited or a record removed, fails naming the file and the record.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  type KMSClient,
} from "@aws-sdk/client-kms";
import { AuditFiles } from "../../src/platform/audit/audit-files.js";
import { runTrentCommand, startTrentProcess, type TrentProcess } from "../support/trent-process.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const root = "arn:aws:iam::111122223333:root";

interface Listed {
  readonly eventName: string;
  readonly eventID: string;
  readonly requestID?: string;
  readonly errorCode?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("trent audit", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-audit-cli-"));
  const files = new AuditFiles(join(dir, "audit.jsonl"));
  const env = { TRENT_DATA_DIR: dir, TRENT_AUDIT_MAX_BYTES: "8192" };
  let trent: TrentProcess;
  let kms: KMSClient;
  let keyId: string;
  const encrypts: string[] = [];
  let failedDecrypt: string;

  async function audit(...args: string[]) {
    return runTrentCommand(["audit", "--data-dir", dir, ...args], {});
  }

  async function listed(...args: string[]): Promise<Listed[]> {
    const result = await audit("--output", "json", ...args);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Listed);
  }

  before(async () => {
    trent = await startTrentProcess(env);
    kms = trent.client();
    const key = await kms.send(new CreateKeyCommand({ Description: "audited" }));
    keyId = key.KeyMetadata?.KeyId as string;
    for (let i = 0; i < 12; i++) {
      const out = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") }));
      encrypts.push(out.$metadata.requestId as string);
    }
    failedDecrypt = await kms
      .send(new DecryptCommand({ CiphertextBlob: Buffer.alloc(64, 1) }))
      .then(
        () => assert.fail("decrypted garbage"),
        (error: { $metadata: { requestId: string } }) => error.$metadata.requestId,
      );
    await kms.send(new DescribeKeyCommand({ KeyId: "alias/none" })).catch(() => {});
    // The server indexes right after each write; the command reads what it indexed.
    for (let waited = 0; (await listed("--limit", "100")).length < 15; waited += 200) {
      if (waited > 30_000) assert.fail("the index did not catch up");
      await sleep(200);
    }
  });

  after(async () => {
    await trent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists the records of a key, newest first", async () => {
    const records = await listed("--key", keyId);
    assert.deepEqual(
      records.map((r) => r.eventName),
      [...Array(12).fill("Encrypt"), "CreateKey"],
    );
    assert.deepEqual(
      records.slice(0, 12).map((r) => r.requestID),
      [...encrypts].reverse(),
    );
  });

  it("filters by operation, caller, error and time, and pages with --next-token", async () => {
    const first = await audit(
      "--operation",
      "Encrypt",
      "--caller",
      root,
      "--limit",
      "5",
      "--output",
      "json",
    );
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim().split("\n").length, 5);
    const token = /more records: --next-token (\S+)/.exec(first.stderr)?.[1];
    assert.ok(token, first.stderr);
    const rest = await listed("--operation", "Encrypt", "--next-token", token);
    assert.equal(rest.length, 7);
    const all = [
      ...first.stdout
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as Listed).requestID),
      ...rest.map((r) => r.requestID),
    ];
    assert.deepEqual(all, [...encrypts].reverse());

    const errors = await listed("--error", "any");
    assert.deepEqual(
      errors.map((r) => r.errorCode),
      ["NotFoundException", "InvalidCiphertextException"],
    );
    const invalid = await listed("--error", "InvalidCiphertextException", "--since", "1h");
    assert.deepEqual(
      invalid.map((r) => r.requestID),
      [failedDecrypt],
    );
    assert.deepEqual(await listed("--until", "2h"), []);
    assert.deepEqual(await listed("--caller", "arn:aws:iam::111122223333:user/nobody"), []);
  });

  it("prints a table", async () => {
    const table = await audit("--key", keyId, "--limit", "2");
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split("\n");
    assert.match(lines[0] ?? "", /^TIME +OPERATION +CALLER +ERROR +RESOURCES +EVENT ID$/);
    assert.equal(lines.length, 3);
    assert.match(
      lines[1] ?? "",
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+Z +Encrypt +${root} +- +key/${keyId} +\\S+$`),
    );
  });

  it("refuses bad flags with a message", async () => {
    const output = await audit("--output", "xml");
    assert.equal(output.code, 1);
    assert.equal(output.stderr, "trent: --output must be table or json, got 'xml'\n");
    const since = await audit("--since", "yesterday");
    assert.equal(since.code, 1);
    assert.match(since.stderr, /^trent: --since must be an ISO 8601 time .* got 'yesterday'\n$/);
    const key = await audit("--key", "arn:aws:kms:us-east-1:111122223333:nothing");
    assert.equal(key.code, 1);
    assert.match(key.stderr, /is not a KMS key or alias ARN/);
  });

  it("follows new records as they arrive", async () => {
    const follower: ChildProcess = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "src/trent.ts",
        "audit",
        "--data-dir",
        dir,
        "--follow",
        "--output",
        "json",
        "--limit",
        "1",
        "--interval",
        "100",
        "--operation",
        "Encrypt",
      ],
      {
        cwd: repo,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    follower.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const lines = () =>
      out
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Listed);
    try {
      for (let waited = 0; lines().length < 1; waited += 100) {
        if (waited > 30_000) assert.fail(`nothing followed: ${out}`);
        await sleep(100);
      }
      assert.equal(lines()[0]?.requestID, encrypts.at(-1));
      const more: string[] = [];
      for (let i = 0; i < 3; i++) {
        const answer = await kms.send(
          new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("y") }),
        );
        more.push(answer.$metadata.requestId as string);
      }
      await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
      for (let waited = 0; lines().length < 4; waited += 100) {
        if (waited > 30_000) assert.fail(`not followed: ${out}`);
        await sleep(100);
      }
      assert.deepEqual(
        lines().map((r) => r.requestID),
        [encrypts.at(-1), ...more],
      );
    } finally {
      follower.kill("SIGINT");
      await new Promise((resolve) => follower.once("exit", resolve));
    }
  });

  it("verifies the trail, and names the file and record edited or removed", async () => {
    // Rotated files are digested right after their rotation; wait for the archive.
    for (let waited = 0; ; waited += 100) {
      const rotations = await files.list();
      if (rotations.length >= 2 && rotations.every((r) => r.has.digest && r.has.gz && !r.has.plain))
        break;
      if (waited > 30_000) assert.fail(`the archive did not finish: ${JSON.stringify(rotations)}`);
      await sleep(100);
    }
    const clean = await runTrentCommand(["audit", "verify", "--data-dir", dir], {});
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /^ok {6}audit\..*\.jsonl\.gz \(\d+ records\)$/m);
    assert.match(clean.stdout, /: verified\n$/);

    const [first, second] = await files.list();
    const edit = (stamp: string, change: (lines: string[]) => string[]) => {
      const path = files.path(stamp, "gz");
      const lines = gunzipSync(readFileSync(path)).toString("utf8").split("\n").slice(0, -1);
      writeFileSync(path, gzipSync(`${change(lines).join("\n")}\n`));
    };
    let editedId = "";
    edit(first?.stamp as string, (lines) => {
      const record = JSON.parse(lines[1] as string) as { eventID: string; sourceIPAddress: string };
      editedId = record.eventID;
      record.sourceIPAddress = "203.0.113.9";
      lines[1] = JSON.stringify(record);
      return lines;
    });
    edit(second?.stamp as string, (lines) => lines.slice(1));
    const tampered = await runTrentCommand(["audit", "verify", "--data-dir", dir], {});
    assert.equal(tampered.code, 1, tampered.stdout + tampered.stderr);
    assert.ok(
      tampered.stdout.includes(
        `FAILED  ${files.name(first?.stamp as string, "gz")}: record 2 (eventID ${editedId}) was edited\n`,
      ),
      tampered.stdout,
    );
    assert.match(
      tampered.stdout,
      new RegExp(
        `FAILED  ${files.name(second?.stamp as string, "gz").replace(/\./g, "\\.")}: record 1 was removed \\(it came first, before eventID \\S+\\)`,
      ),
    );
    assert.match(tampered.stdout, /: 2 problems\n$/);
  });
});
