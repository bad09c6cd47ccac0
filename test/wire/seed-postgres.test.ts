/**
 * Two Trent nodes on one PostgreSQL database starting together with the same seed file: each
 * applies it before it listens, the database holds every seeded key, alias and grant once, the
 * nodes' reports add up to one creation of each, and a ciphertext made under a seeded key on one
 * node opens on the other. Skipped only where no PostgreSQL server binaries exist.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  DecryptCommand,
  EncryptCommand,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeysCommand,
} from "@aws-sdk/client-kms";
import { postgresSkipReason, startTestPostgres, type TestPostgres } from "../support/postgres.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const keyIds = Array.from(
  { length: 12 },
  (_, i) => `7eed0000-0000-4000-8000-${String(i).padStart(12, "0")}`,
);
const grantId = "7e".repeat(32);
const seed = `keys:
${keyIds.map((id) => `  - { id: ${id}, material: { hex: ${randomBytes(32).toString("hex")} } }`).join("\n")}
aliases:
  - { name: alias/shared, target: ${keyIds[0]} }
grants:
  - id: ${grantId}
    key: ${keyIds[0]}
    grantee: arn:aws:iam::111122223333:role/app
    operations: [Encrypt]
`;

describe("one seed, two nodes on one PostgreSQL database", { skip: postgresSkipReason() }, () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-seed-pg-"));
  const seedFile = join(dir, "seed.yaml");
  let database: TestPostgres;
  let nodes: TestTrent[] = [];
  const logs: string[][] = [[], []];

  before(async () => {
    writeFileSync(seedFile, seed);
    database = await startTestPostgres();
    const databaseUrl = await database.createDatabase();
    const rootKey = new Uint8Array(32).fill(0x7e);
    nodes = await Promise.all(
      logs.map((log) =>
        startTestTrent({ databaseUrl, rootKey, seedFile }, { log: (line) => log.push(line) }),
      ),
    );
  });
  after(async () => {
    for (const node of nodes) await node.close();
    await database?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates each seeded item once, whichever node gets there first", async () => {
    const created = logs.map((log) => {
      const line = log.find((l) => l.startsWith("seed "));
      const match =
        /created (\d+) keys?, (\d+) alias(?:es)?, (\d+) grants?; (\d+) already there/.exec(
          line ?? "",
        );
      assert.ok(match, `a seed report in ${log.join(" | ")}`);
      return match.slice(1).map(Number);
    });
    const [a, b] = created as [number[], number[]];
    assert.deepEqual(
      [a[0]! + b[0]!, a[1]! + b[1]!, a[2]! + b[2]!, a[3]! + b[3]!],
      [12, 1, 1, 14],
      "one node created what the other found",
    );
    const [first, second] = nodes.map((node) => node.client()) as [
      ReturnType<TestTrent["client"]>,
      ReturnType<TestTrent["client"]>,
    ];
    const listed = (await first.send(new ListKeysCommand({ Limit: 100 }))).Keys?.map(
      (k) => k.KeyId,
    );
    assert.deepEqual(listed?.sort(), [...keyIds].sort());
    const aliases = (await second.send(new ListAliasesCommand({}))).Aliases?.filter(
      (x) => x.TargetKeyId,
    );
    assert.deepEqual(
      aliases?.map((x) => [x.AliasName, x.TargetKeyId]),
      [["alias/shared", keyIds[0]]],
    );
    const grants = (await second.send(new ListGrantsCommand({ KeyId: keyIds[0] }))).Grants;
    assert.deepEqual(
      grants?.map((g) => g.GrantId),
      [grantId],
    );

    const message = new TextEncoder().encode("sealed on one node, opened on the other");
    const { CiphertextBlob } = await first.send(
      new EncryptCommand({ KeyId: "alias/shared", Plaintext: message }),
    );
    const opened = await second.send(new DecryptCommand({ CiphertextBlob }));
    assert.deepEqual(opened.Plaintext, message);
  });
});
