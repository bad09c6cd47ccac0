/**
 * Root key rotation as docs/security.md tells operators to do it, under load: data sealed under
 * the old key; nodes restarted with the new key as current and the old as previous; `trent
 * root-key rotate` (the real command, in its own process) re-seals while SDK clients keep
 * creating keys, generating data key pairs, encrypting, decrypting and creating grants, with
 * no error; then nodes restarted with only the new key open every key, every old ciphertext
 * and every grant token, and the registry shows the old version retired. On SQLite (one node
 * beside the command) and on PostgreSQL (two nodes beside it).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyPairCommand,
  GenerateMacCommand,
  type KMSClient,
  VerifyMacCommand,
} from "@aws-sdk/client-kms";
import type { TrentConfig } from "../../src/vocabulary/config.js";
import { failure } from "../support/kms-errors.js";
import { postgresSkipReason, startTestPostgres } from "../support/postgres.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";
import { runTrentCommand } from "../support/trent-process.js";

const oldKey = new Uint8Array(32).fill(0x0a);
const newKey = new Uint8Array(32).fill(0x0b);
const b64 = (key: Uint8Array) => Buffer.from(key).toString("base64");
const grantee = "arn:aws:iam::111122223333:role/app";
const plainKeys = 150;
/** Key materials sealed before the rotation: 12 rounds, 3 HMAC keys, the plain keys. */
const oldMaterials = 12 + 3 + plainKeys;

interface Issued {
  keyId: string;
  blob: Uint8Array;
  plaintext: string;
  pair?: { blob: Uint8Array; plaintext: Uint8Array };
  grantToken: string;
}

/** One round of the work clients keep doing; resolves to what it issued. */
async function clientRound(kms: KMSClient, label: string): Promise<Issued> {
  const keyId = (await kms.send(new CreateKeyCommand({ Description: label }))).KeyMetadata!.KeyId!;
  const plaintext = `secret ${label}`;
  const { CiphertextBlob } = await kms.send(
    new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(plaintext) }),
  );
  const back = await kms.send(new DecryptCommand({ CiphertextBlob }));
  assert.equal(Buffer.from(back.Plaintext!).toString(), plaintext);
  const pair = await kms.send(
    new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: "ECC_NIST_P256" }),
  );
  const { GrantToken } = await kms.send(
    new CreateGrantCommand({ KeyId: keyId, GranteePrincipal: grantee, Operations: ["Encrypt"] }),
  );
  await kms.send(
    new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("g"), GrantTokens: [GrantToken!] }),
  );
  return {
    keyId,
    blob: CiphertextBlob!,
    plaintext,
    pair: { blob: pair.PrivateKeyCiphertextBlob!, plaintext: pair.PrivateKeyPlaintext! },
    grantToken: GrantToken!,
  };
}

async function checkIssued(kms: KMSClient, issued: Issued): Promise<void> {
  const back = await kms.send(new DecryptCommand({ CiphertextBlob: issued.blob }));
  assert.equal(Buffer.from(back.Plaintext!).toString(), issued.plaintext);
  if (issued.pair) {
    const key = await kms.send(new DecryptCommand({ CiphertextBlob: issued.pair.blob }));
    assert.deepEqual(key.Plaintext, issued.pair.plaintext);
  }
  await kms.send(
    new EncryptCommand({
      KeyId: issued.keyId,
      Plaintext: Buffer.from("fresh"),
      GrantTokens: [issued.grantToken],
    }),
  );
}

async function rotationUnderLoad(options: {
  store: Partial<TrentConfig>;
  commandEnv: Record<string, string>;
  nodes: number;
}): Promise<void> {
  // 1. Data sealed under the old key: keys of several kinds, ciphertexts, grant tokens.
  const before = await startTestTrent({ ...options.store, rootKey: oldKey });
  const issued: Issued[] = [];
  const macKeys: { keyId: string; mac: Uint8Array }[] = [];
  try {
    const kms = before.client();
    for (let i = 0; i < 12; i += 1) issued.push(await clientRound(kms, `before-${i}`));
    // Enough rows that the rotation's batches run for a while beside the clients.
    for (let i = 0; i < plainKeys; i += 1) await kms.send(new CreateKeyCommand({}));
    for (let i = 0; i < 3; i += 1) {
      const keyId = (
        await kms.send(
          new CreateKeyCommand({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" }),
        )
      ).KeyMetadata!.KeyId!;
      const { Mac } = await kms.send(
        new GenerateMacCommand({
          KeyId: keyId,
          Message: Buffer.from("m"),
          MacAlgorithm: "HMAC_SHA_256",
        }),
      );
      macKeys.push({ keyId, mac: Mac! });
    }
  } finally {
    await before.close();
  }

  // 2. Every node restarted with the new key as current and the old one as previous.
  const nodes: TestTrent[] = [];
  for (let i = 0; i < options.nodes; i += 1)
    nodes.push(
      await startTestTrent({ ...options.store, rootKey: newKey, previousRootKeys: [oldKey] }),
    );
  const errors: string[] = [];
  const duringRotation: Issued[] = [];
  let rotating = true;
  const roundEnds: number[] = [];
  const load = nodes.flatMap((node, n) =>
    [0, 1].map(async (worker) => {
      const kms = node.client();
      for (let round = 0; round < 500 && (rotating || round < 2); round += 1) {
        try {
          const old = issued[(round + worker) % issued.length];
          if (old) await checkIssued(kms, old);
          duringRotation.push(await clientRound(kms, `during-${n}-${worker}-${round}`));
          roundEnds.push(Date.now());
        } catch (error) {
          errors.push(`${(error as Error).name}: ${(error as Error).message}`);
        }
      }
    }),
  );
  // 3. The rotation, in its own process, beside the serving nodes.
  const rotation = await runTrentCommand(
    ["root-key", "rotate", "--batch-size", "2", "--pause", "20"],
    {
      ...options.commandEnv,
      TRENT_ROOT_KEY: b64(newKey),
      TRENT_ROOT_KEY_PREVIOUS: b64(oldKey),
    },
  );
  rotating = false;
  await Promise.all(load);
  for (const node of nodes) await node.close();
  assert.deepEqual(errors, []);
  // Clients were served between the first and the last batch of the rotation.
  const resealing = rotation.lineTimes.filter((l) => l.line.startsWith("key materials:"));
  const [firstBatch, lastBatch] = [resealing[0]?.at ?? 0, resealing.at(-1)?.at ?? 0];
  assert.ok(
    roundEnds.some((at) => at >= firstBatch && at <= lastBatch),
    `no client round ended while the rotation re-sealed (${resealing.length} batches in ${lastBatch - firstBatch} ms)`,
  );
  assert.equal(rotation.stderr, "", rotation.stderr);
  assert.equal(rotation.code, 0, rotation.stdout);
  const lines = rotation.stdout.trim().split("\n");
  assert.equal(
    lines[0],
    "root keys: TRENT_ROOT_KEY is version 2 (current); TRENT_ROOT_KEY_PREVIOUS entry 1 is version 1 (previous); registered versions: 1, 2",
  );
  assert.ok(
    lines.includes("Trent's sealed secrets: 3 re-sealed from root key version 1 to version 2"),
  );
  assert.ok(
    lines.includes(
      "root key version 1 is retired: nothing is sealed under it any more. Restart every node without TRENT_ROOT_KEY_PREVIOUS entry 1; then that key can be destroyed",
    ),
  );
  assert.ok(
    lines.includes(`key materials: ${oldMaterials} re-sealed from root key version 1 to version 2`),
  );

  // 4. Restarted with only the new key: everything opens.
  const afterwards = await startTestTrent({ ...options.store, rootKey: newKey });
  try {
    const kms = afterwards.client();
    for (const old of [...issued, ...duringRotation]) await checkIssued(kms, old);
    for (const { keyId, mac } of macKeys) {
      const verified = await kms.send(
        new VerifyMacCommand({
          KeyId: keyId,
          Message: Buffer.from("m"),
          MacAlgorithm: "HMAC_SHA_256",
          Mac: mac,
        }),
      );
      assert.equal(verified.MacValid, true);
    }
    const store = afterwards.services.store;
    const registry = await store.rootKeys.list();
    assert.deepEqual(
      registry.map((r) => [r.version, r.retiredAt !== undefined]),
      [
        [1, true],
        [2, false],
      ],
    );
    const counts = await store.rootKeys.countSealed();
    assert.deepEqual(
      counts.map((c) => [c.version, c.sealedSecrets]),
      [[2, 3]],
    );
    assert.equal(counts[0]?.keyMaterials, oldMaterials + duringRotation.length);
  } finally {
    await afterwards.close();
  }

  // Running it again finds nothing to do.
  const again = await runTrentCommand(["root-key", "rotate"], {
    ...options.commandEnv,
    TRENT_ROOT_KEY: b64(newKey),
  });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(
    again.stdout,
    "root keys: TRENT_ROOT_KEY is version 2 (current); registered versions: 1, 2\ndone: 0 rows re-sealed\n",
  );
}

describe("root key rotation under load", () => {
  it("answers KMSInternalException, with a log line that says why, on a node not yet given the new key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trent-rotate-"));
    const logs: string[] = [];
    // A node still on the old key, and one already restarted with the new key as current.
    const stale = await startTestTrent(
      { dataDir: dir, rootKey: oldKey },
      { log: (l) => logs.push(l) },
    );
    const restarted = await startTestTrent({
      dataDir: dir,
      rootKey: newKey,
      previousRootKeys: [oldKey],
    });
    try {
      const keyArn = (await restarted.client().send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
      const error = await failure(
        stale.client().send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from("x") })),
      );
      assert.equal(error.name, "KMSInternalException");
      assert.equal(error.status, 500);
      const line = logs.find((l) => l.includes("failed unexpectedly"));
      assert.ok(
        line?.includes(
          `is sealed under root key version 2, which this node was not given (it has 1); is a root key rotation in progress? Give this node that key as a previous root key`,
        ),
        line,
      );
    } finally {
      await stale.close();
      await restarted.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("on SQLite, beside a serving node", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trent-rotate-"));
    try {
      await rotationUnderLoad({
        store: { dataDir: dir },
        commandEnv: { TRENT_DATA_DIR: dir },
        nodes: 1,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("on PostgreSQL, beside two serving nodes", { skip: postgresSkipReason() }, async () => {
    const postgres = await startTestPostgres();
    try {
      const databaseUrl = await postgres.createDatabase();
      await rotationUnderLoad({
        store: { databaseUrl },
        commandEnv: { TRENT_DATABASE_URL: databaseUrl },
        nodes: 2,
      });
    } finally {
      await postgres.stop();
    }
  });
});
