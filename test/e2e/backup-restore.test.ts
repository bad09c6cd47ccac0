/**
 * `trent backup` and `trent restore` as an operator runs them: a backup taken from a running
 * server under write load from several SDK clients holds every write acknowledged before the
 * backup began (much of it still in the WAL), restoring it into a new data directory brings
 * back every such key, tag and alias and decrypts every such ciphertext, and both commands
 * refuse what they must (files that are not Trent databases, overwriting without --force, a
 * database a server has open, PostgreSQL).
 */
import assert from "node:assert/strict";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  type KMSClient,
  ListResourceTagsCommand,
  TagResourceCommand,
} from "@aws-sdk/client-kms";
import SQLite from "better-sqlite3";
import { startTestTrent } from "../support/trent.js";
import {
  type CommandResult,
  runTrentCommand,
  startTrentProcess,
} from "../support/trent-process.js";

/** The `trent` command in its own process, as an operator runs it. */
function trentCli(args: string[], env: Record<string, string> = {}) {
  return runTrentCommand(args, env);
}

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** One writer's sequence on one key, with when each write was acknowledged. */
interface Written {
  readonly keyId: string;
  readonly description: string;
  readonly createdAt: number;
  plaintext?: string;
  ciphertext?: Uint8Array;
  encryptedAt?: number;
  tag?: string;
  taggedAt?: number;
  alias?: string;
  aliasedAt?: number;
}

const rootKeyNotice =
  "The root key is NOT in the backup: keep it separately, never beside the backup; without it the keys in the backup cannot be used";

describe("trent backup and trent restore", () => {
  it("back up a server under write load and restore every acknowledged write", async (t) => {
    const dataDir = tempDir("trent-live-");
    const server = await startTrentProcess({ TRENT_DATA_DIR: dataDir });
    const clients = Array.from({ length: 4 }, () => server.client());
    const written: Written[] = [];
    let stop = false;

    async function writer(kms: KMSClient, writerId: number): Promise<void> {
      for (let i = 0; !stop; i++) {
        const name = `${writerId}-${i}`;
        const created = await kms.send(new CreateKeyCommand({ Description: `load ${name}` }));
        const keyId = created.KeyMetadata?.KeyId ?? "";
        const record: Written = {
          keyId,
          description: `load ${name}`,
          createdAt: performance.now(),
        };
        written.push(record);
        const plaintext = `plaintext of ${name}`;
        const encrypted = await kms.send(
          new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(plaintext) }),
        );
        record.plaintext = plaintext;
        record.ciphertext = encrypted.CiphertextBlob;
        record.encryptedAt = performance.now();
        await kms.send(
          new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "writer", TagValue: name }] }),
        );
        record.tag = name;
        record.taggedAt = performance.now();
        await kms.send(
          new CreateAliasCommand({ AliasName: `alias/load-${name}`, TargetKeyId: keyId }),
        );
        record.alias = `alias/load-${name}`;
        record.aliasedAt = performance.now();
      }
    }

    let backupStarted = 0;
    let backupEnded = 0;
    const backupFile = join(tempDir("trent-backups-"), "trent-backup.sqlite");
    let backup: CommandResult;
    try {
      let failure: unknown;
      const load = clients.map((kms, id) =>
        writer(kms, id).catch((error: unknown) => {
          failure = error;
          throw error;
        }),
      );
      while (written.length < 40 && failure === undefined)
        await new Promise((resolve) => setTimeout(resolve, 20));
      if (failure !== undefined) await Promise.all(load);
      // What a file copy of trent.sqlite would miss: committed writes still in the WAL.
      assert.ok(statSync(join(dataDir, "trent.sqlite-wal")).size > 0);
      backupStarted = performance.now();
      backup = await trentCli(["backup", backupFile, "--data-dir", dataDir]);
      backupEnded = performance.now();
      stop = true;
      await Promise.all(load);
    } finally {
      stop = true;
      await server.stop();
    }

    assert.equal(backup.stderr, "");
    assert.equal(backup.code, 0);
    const summary =
      /^Backed up (\S+) to (\S+) \((\d+) keys, (\d+) bytes, integrity check ok\)\.$/m.exec(
        backup.stdout,
      );
    assert.ok(summary, backup.stdout);
    assert.equal(summary[1], join(dataDir, "trent.sqlite"));
    assert.equal(summary[2], backupFile);
    assert.ok(
      backup.stdout.includes(
        `${rootKeyNotice} (this store's root key is ${join(dataDir, "root.key")}).`,
      ),
    );
    assert.equal(statSync(backupFile).mode & 0o777, 0o600);
    assert.equal(statSync(backupFile).size, Number(summary[4]));
    // One self-contained file: nothing of it lives in a -wal beside it.
    assert.equal(existsSync(`${backupFile}-wal`), false);
    // The root key is nowhere in it, neither as the file's text nor as raw bytes.
    const rootKeyText = readFileSync(join(dataDir, "root.key"), "utf8").trim();
    const backupBytes = readFileSync(backupFile);
    assert.equal(backupBytes.includes(Buffer.from(rootKeyText)), false);
    assert.equal(backupBytes.includes(Buffer.from(rootKeyText, "base64")), false);

    const before = (at: number | undefined) => at !== undefined && at < backupStarted;
    const acknowledged = written.filter((w) => before(w.createdAt));
    assert.ok(acknowledged.length >= 40, `${acknowledged.length} keys before the backup`);
    const during = written.filter((w) =>
      [w.createdAt, w.encryptedAt, w.taggedAt, w.aliasedAt].some(
        (at) => at !== undefined && at > backupStarted && at < backupEnded,
      ),
    );
    assert.ok(during.length > 0, "the load kept writing while the backup ran");
    const backedUpKeys = Number(summary[3]);
    assert.ok(backedUpKeys >= acknowledged.length && backedUpKeys <= written.length);

    // The operator keeps the root key apart from the backup and brings it to the restore.
    const restoredDir = tempDir("trent-restored-");
    copyFileSync(join(dataDir, "root.key"), join(restoredDir, "root.key"));
    chmodSync(join(restoredDir, "root.key"), 0o600);
    const restore = await trentCli(["restore", backupFile, "--data-dir", restoredDir]);
    assert.equal(restore.stderr, "");
    assert.equal(restore.code, 0);
    assert.equal(
      restore.stdout,
      `Restored ${backupFile} into ${join(restoredDir, "trent.sqlite")} (${backedUpKeys} keys).\n` +
        `Trent opens the restored keys only with the root key they were sealed under: ${join(restoredDir, "root.key")} must be that key.\n` +
        "The configured root key opens every key in the restored database (root key version 1).\n",
    );
    assert.equal(statSync(join(restoredDir, "trent.sqlite")).mode & 0o777, 0o600);

    const restored = await startTestTrent({ dataDir: restoredDir });
    try {
      const kms = restored.client();
      let checks = 0;
      for (const w of acknowledged) {
        const described = await kms.send(new DescribeKeyCommand({ KeyId: w.keyId }));
        assert.equal(described.KeyMetadata?.Description, w.description);
        checks += 1;
        if (before(w.encryptedAt)) {
          const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: w.ciphertext }));
          assert.equal(Buffer.from(decrypted.Plaintext ?? []).toString(), w.plaintext);
          assert.equal(decrypted.KeyId, described.KeyMetadata?.Arn);
          checks += 1;
        }
        if (before(w.taggedAt)) {
          const tags = await kms.send(new ListResourceTagsCommand({ KeyId: w.keyId }));
          assert.deepEqual(tags.Tags, [{ TagKey: "writer", TagValue: w.tag }]);
          checks += 1;
        }
        if (before(w.aliasedAt)) {
          const byAlias = await kms.send(new DescribeKeyCommand({ KeyId: w.alias }));
          assert.equal(byAlias.KeyMetadata?.KeyId, w.keyId);
          checks += 1;
        }
      }
      assert.ok(checks >= acknowledged.length * 4 - 16, `${checks} writes checked`);
      t.diagnostic(
        `${written.length} keys written, ${acknowledged.length} before the backup began, ${during.length} written to while it ran (${Math.round(backupEnded - backupStarted)} ms); ${backedUpKeys} keys in the backup; ${checks} acknowledged writes checked after restore`,
      );
    } finally {
      await restored.close();
    }
  });
});

describe("what trent backup and trent restore refuse", () => {
  let dataDir: string;
  let backupFile: string;
  let keyId: string;

  before(async () => {
    dataDir = tempDir("trent-small-");
    const trent = await startTestTrent({ dataDir });
    try {
      const created = await trent.client().send(new CreateKeyCommand({ Description: "small" }));
      keyId = created.KeyMetadata?.KeyId ?? "";
    } finally {
      await trent.close();
    }
    backupFile = join(tempDir("trent-small-backup-"), "small.sqlite");
    const result = await trentCli(["backup", backupFile, "--data-dir", dataDir]);
    assert.equal(result.code, 0, result.stderr);
  });

  it("restore refuses files that are not Trent databases of this Trent", async () => {
    const dir = tempDir("trent-not-trent-");
    const notSqlite = join(dir, "random.bin");
    writeFileSync(notSqlite, Buffer.alloc(8192, 0x5a));
    const otherSqlite = join(dir, "other.sqlite");
    const other = new SQLite(otherSqlite);
    other.exec("create table notes (text)");
    other.close();
    const newer = join(dir, "newer.sqlite");
    copyFileSync(backupFile, newer);
    const future = new SQLite(newer);
    future
      .prepare("insert into trent_migrations (name, timestamp) values (?, ?)")
      .run("9999_from_the_future", new Date().toISOString());
    future.close();
    // A damaged index: the key's id in the index no longer matches the row it indexes.
    const damaged = join(dir, "damaged.sqlite");
    const inspect = new SQLite(backupFile, { readonly: true });
    const { rootpage } = inspect
      .prepare("select rootpage from sqlite_master where name = 'keys_by_account'")
      .get() as { rootpage: number };
    const pageSize = Number(inspect.pragma("page_size", { simple: true }));
    inspect.close();
    const bytes = readFileSync(backupFile);
    const page = bytes.subarray((rootpage - 1) * pageSize, rootpage * pageSize);
    const at = page.indexOf(Buffer.from(keyId));
    assert.ok(at >= 0);
    page[at] = page[at] === 0x61 ? 0x62 : 0x61;
    writeFileSync(damaged, bytes);
    const target = join(dir, "target");

    const results = await Promise.all(
      [notSqlite, otherSqlite, newer, damaged, join(dir, "missing.sqlite")].map((file) =>
        trentCli(["restore", file, "--data-dir", target]),
      ),
    );
    assert.deepEqual(
      results.map((r) => [r.code, r.stderr]),
      [
        [1, `trent: ${notSqlite} is not a SQLite database\n`],
        [
          1,
          `trent: ${otherSqlite} is a SQLite database but not a Trent one (no trent_migrations table)\n`,
        ],
        [
          1,
          `trent: ${newer} was written by a newer Trent (schema migrations this Trent does not know: 9999_from_the_future); use that version of Trent or a later one\n`,
        ],
        [
          1,
          `trent: ${damaged} fails SQLite's integrity check: row 1 missing from index keys_by_account\n`,
        ],
        [1, `trent: ${join(dir, "missing.sqlite")} does not exist\n`],
      ],
    );
    assert.equal(existsSync(join(target, "trent.sqlite")), false);
  });

  it("restore replaces an existing database only with --force, and never one a server has open", async () => {
    const target = tempDir("trent-existing-");
    const existing = await startTestTrent({ dataDir: target });
    const database = join(target, "trent.sqlite");
    try {
      await existing.client().send(new CreateKeyCommand({ Description: "already here" }));
      const [plain, forced] = await Promise.all([
        trentCli(["restore", backupFile, "--data-dir", target]),
        trentCli(["restore", backupFile, "--data-dir", target, "--force"]),
      ]);
      assert.deepEqual(
        [plain.code, plain.stderr],
        [
          1,
          `trent: ${database} already exists; pass --force to replace it (what it holds now is lost unless you back it up first)\n`,
        ],
      );
      assert.deepEqual(
        [forced.code, forced.stderr],
        [
          1,
          `trent: ${database} is open in another process, probably a running Trent: stop it before restoring\n`,
        ],
      );
    } finally {
      await existing.close();
    }

    const replaced = await trentCli(["restore", backupFile, "--data-dir", target, "--force"]);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, /\(1 keys\)/);
    // The target's own root.key is not the one the backup's keys are sealed under.
    assert.match(
      replaced.stdout,
      /Warning: none of the configured root keys opens root key version 1/,
    );
    assert.equal(existsSync(`${database}-wal`), false);
    copyFileSync(join(dataDir, "root.key"), join(target, "root.key"));
    const restored = await startTestTrent({ dataDir: target });
    try {
      // The restored store is the backup's, not a mix: its key is there, the newer one is not.
      const { KeyMetadata } = await restored
        .client()
        .send(new DescribeKeyCommand({ KeyId: keyId }));
      assert.equal(KeyMetadata?.Description, "small");
      const db = new SQLite(database, { readonly: true });
      try {
        assert.deepEqual(db.prepare("select count(*) as n from keys").get(), { n: 1 });
      } finally {
        db.close();
      }
    } finally {
      await restored.close();
    }
  });

  it("restore warns when the configured root key does not open the restored keys", async () => {
    const target = tempDir("trent-wrong-key-");
    const wrongKey = Buffer.alloc(32, 7).toString("base64");
    const restore = await trentCli(["restore", backupFile, "--data-dir", target], {
      TRENT_ROOT_KEY: wrongKey,
    });
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(
      restore.stdout,
      /\nWarning: none of the configured root keys opens root key version 1, which seals keys in the restored database: Trent will refuse to start until it is given that key\.\n$/,
    );
    // Nothing was generated or registered: the right key still opens the restored data.
    assert.ok(!existsSync(join(target, "root.key")));
    const rootKey = new Uint8Array(
      Buffer.from(readFileSync(join(dataDir, "root.key"), "utf8").trim(), "base64"),
    );
    const restored = await startTestTrent({ dataDir: target, rootKey });
    try {
      const described = await restored.client().send(new DescribeKeyCommand({ KeyId: keyId }));
      assert.equal(described.KeyMetadata?.Description, "small");
    } finally {
      await restored.close();
    }
  });

  it("backup overwrites an existing file only with --force", async () => {
    const file = join(tempDir("trent-overwrite-"), "b.sqlite");
    writeFileSync(file, "keep me");
    const plain = await trentCli(["backup", file, "--data-dir", dataDir]);
    assert.deepEqual(
      [plain.code, plain.stderr],
      [1, `trent: ${file} already exists; pass --force to overwrite it\n`],
    );
    assert.equal(readFileSync(file, "utf8"), "keep me");
    const forced = await trentCli(["backup", file, "--data-dir", dataDir, "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file).subarray(0, 15).toString(), "SQLite format 3");
  });

  it("backup and restore refuse PostgreSQL, pointing at its tools", async () => {
    const env = { TRENT_DATABASE_URL: "postgres://trent:secret@127.0.0.1:5432/trent" };
    const file = join(tempDir("trent-pg-"), "b.sqlite");
    const [backup, restore, memory] = await Promise.all([
      trentCli(["backup", file, "--data-dir", dataDir], env),
      trentCli(["restore", backupFile, "--data-dir", tempDir("trent-pg-target-")], env),
      trentCli(["backup", file, "--data-dir", ":memory:"]),
    ]);
    assert.deepEqual(
      [backup.code, backup.stderr],
      [
        1,
        "trent: trent backup works on the embedded SQLite store, but TRENT_DATABASE_URL is set: back PostgreSQL up with pg_dump (see docs/backup.md)\n",
      ],
    );
    assert.deepEqual(
      [restore.code, restore.stderr],
      [
        1,
        "trent: trent restore works on the embedded SQLite store, but TRENT_DATABASE_URL is set: restore PostgreSQL with pg_restore or psql (see docs/backup.md)\n",
      ],
    );
    assert.deepEqual(
      [memory.code, memory.stderr],
      [1, "trent: --data-dir is :memory:, which has no database file: name a data directory\n"],
    );
    assert.equal(existsSync(file), false);
  });
});
