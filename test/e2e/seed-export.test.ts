/**
 * `trent seed apply` and `trent export` as an operator runs them, each in its own process: a
 * seed applied at start and another one applied beside the running server (SQLite in WAL),
 * which the server sees at once; `trent export --include-material` into a 0600 file with a
 * warning; that file applied with `trent seed apply` to a fresh data directory, whose server
 * then opens every ciphertext, verifies every signature and computes every MAC the first one
 * made, for seeded keys and for keys made through the API; and no key material in plaintext
 * anywhere in either data directory.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateMacCommand,
  type KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  RotateKeyOnDemandCommand,
  SignCommand,
  TagResourceCommand,
  VerifyCommand,
} from "@aws-sdk/client-kms";
import { parse } from "yaml";
import { runTrentCommand, startTrentProcess, type TrentProcess } from "../support/trent-process.js";

const account = "111122223333";
const message = new TextEncoder().encode("exported, applied, still opened");
const aes = randomBytes(32);
const hmac = randomBytes(64);
const ids = {
  given: "5eed0000-0000-4000-8000-000000000001",
  ecc: "5eed0000-0000-4000-8000-000000000002",
  hmac: "5eed0000-0000-4000-8000-000000000003",
  rsa: "5eed0000-0000-4000-8000-000000000004",
  multiRegion: "mrk-5eed0000000040008000000000000005",
  external: "5eed0000-0000-4000-8000-000000000006",
  later: "5eed0000-0000-4000-8000-000000000007",
};
const grantId = "5e".repeat(32);

const seed = `keys:
  - id: ${ids.given}
    material: { hex: ${aes.toString("hex")} }
    rotation: { enabled: true }
  - { id: ${ids.ecc}, keySpec: ECC_SECG_P256K1, keyUsage: SIGN_VERIFY }
  - { id: ${ids.hmac}, keySpec: HMAC_512, keyUsage: GENERATE_VERIFY_MAC, material: { base64: ${hmac.toString("base64")} } }
  - { id: ${ids.rsa}, keySpec: RSA_2048, keyUsage: ENCRYPT_DECRYPT }
  - id: ${ids.multiRegion}
    replicas: [{ region: eu-west-1, enabled: false }]
  - { id: ${ids.external}, origin: EXTERNAL }
aliases:
  - { name: alias/given, target: ${ids.given} }
grants:
  - id: ${grantId}
    key: ${ids.given}
    name: reader
    grantee: arn:aws:iam::${account}:role/reader
    operations: [Decrypt]
`;

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Every byte of every regular file in a data directory. */
function contents(dir: string): Buffer {
  return Buffer.concat(
    readdirSync(dir)
      .map((f) => join(dir, f))
      .filter((f) => statSync(f).isFile())
      .map((f) => readFileSync(f)),
  );
}

interface Made {
  readonly ciphertexts: { keyId: string; blob: Uint8Array; context?: Record<string, string> }[];
  readonly signature: Uint8Array;
  readonly mac: Uint8Array;
  readonly apiKeyId: string;
}

describe("trent seed apply and trent export", () => {
  const work = tempDir("trent-seed-export-");
  const first = join(work, "first");
  const second = join(work, "second");
  const seedFile = join(work, "seed.yaml");
  const exportFile = join(work, "export.yaml");
  let server: TrentProcess;
  let kms: KMSClient;
  let made: Made;

  before(async () => {
    writeFileSync(seedFile, seed);
    server = await startTrentProcess({ TRENT_DATA_DIR: first, TRENT_SEED_FILE: seedFile });
    kms = server.client();
    // A key made through the API, rotated, tagged, with an alias and a grant of its own.
    const api = await kms.send(new CreateKeyCommand({ Description: "made through the API" }));
    const apiKeyId = api.KeyMetadata!.KeyId!;
    const before = await kms.send(new EncryptCommand({ KeyId: apiKeyId, Plaintext: message }));
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: apiKeyId }));
    await kms.send(
      new TagResourceCommand({ KeyId: apiKeyId, Tags: [{ TagKey: "via", TagValue: "api" }] }),
    );
    await kms.send(new CreateAliasCommand({ AliasName: "alias/api", TargetKeyId: apiKeyId }));
    await kms.send(
      new CreateGrantCommand({
        KeyId: apiKeyId,
        GranteePrincipal: `arn:aws:iam::${account}:role/api`,
        Operations: ["Encrypt"],
      }),
    );
    const afterRotation = await kms.send(
      new EncryptCommand({ KeyId: apiKeyId, Plaintext: message, EncryptionContext: { k: "v" } }),
    );
    const given = await kms.send(new EncryptCommand({ KeyId: "alias/given", Plaintext: message }));
    const multiRegion = await kms.send(
      new EncryptCommand({ KeyId: ids.multiRegion, Plaintext: message }),
    );
    const signed = await kms.send(
      new SignCommand({ KeyId: ids.ecc, Message: message, SigningAlgorithm: "ECDSA_SHA_256" }),
    );
    const mac = await kms.send(
      new GenerateMacCommand({ KeyId: ids.hmac, Message: message, MacAlgorithm: "HMAC_SHA_512" }),
    );
    made = {
      ciphertexts: [
        { keyId: apiKeyId, blob: before.CiphertextBlob! },
        { keyId: apiKeyId, blob: afterRotation.CiphertextBlob!, context: { k: "v" } },
        { keyId: ids.given, blob: given.CiphertextBlob! },
        { keyId: ids.multiRegion, blob: multiRegion.CiphertextBlob! },
      ],
      signature: signed.Signature!,
      mac: mac.Mac!,
      apiKeyId,
    };
  });
  after(async () => {
    await server?.stop();
  });

  it("applies a seed beside the running server, which sees it at once", async () => {
    const extra = join(work, "extra.yaml");
    writeFileSync(extra, `keys:\n  - { id: ${ids.later}, description: seeded while serving }\n`);
    const applied = await runTrentCommand(["seed", "apply", extra, "--data-dir", first], {});
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /created 1 key, 0 aliases, 0 grants; 0 already there/);
    const described = await kms.send(new DescribeKeyCommand({ KeyId: ids.later }));
    assert.equal(described.KeyMetadata?.Description, "seeded while serving");

    const again = await runTrentCommand(["seed", "apply", seedFile, "--data-dir", first], {});
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /created 0 keys, 0 aliases, 0 grants; 9 already there/);
    assert.match(
      again.stdout,
      new RegExp(
        `grant ${grantId} of arn:aws:kms:us-east-1:${account}:key/${ids.given}: token [A-Za-z0-9_-]+`,
      ),
    );

    const missing = await runTrentCommand(
      ["seed", "apply", join(work, "nope.yaml"), "--data-dir", first],
      {},
    );
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.yaml: cannot read the seed file/);
  });

  it("exports without material by default, and refuses material on standard output", async () => {
    const plain = await runTrentCommand(["export", "--data-dir", first], {});
    assert.equal(plain.code, 0, plain.stderr);
    const document = parse(plain.stdout);
    const keys = document.accounts[account]["us-east-1"].keys as {
      id: string;
      material?: unknown;
    }[];
    assert.deepEqual(keys.find((k) => k.id === ids.given)?.material, "generate");
    assert.equal(keys.find((k) => k.id === ids.external)?.material, undefined);
    assert.ok(!plain.stdout.includes(aes.toString("hex")));
    assert.match(plain.stderr, /exported 9 keys, 2 aliases, 2 grants/);

    const refused = await runTrentCommand(
      ["export", "--data-dir", first, "--include-material"],
      {},
    );
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /--include-material writes plaintext key material: name a file with -o FILE/,
    );
    const nowhere = await runTrentCommand(["export", "--data-dir", join(work, "empty")], {});
    assert.equal(nowhere.code, 1);
    assert.match(nowhere.stderr, /holds no Trent store \(trent\.sqlite\)/);
  });

  it("exports with material into a 0600 file that re-creates the same keys elsewhere", async () => {
    writeFileSync(exportFile, "an old export\n", { mode: 0o644 });
    const exported = await runTrentCommand(
      ["export", "--data-dir", first, "--include-material", "-o", exportFile],
      {},
    );
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(statSync(exportFile).mode & 0o777, 0o600);
    assert.match(
      exported.stderr,
      /Warning: .*export\.yaml holds the plaintext key material of 9 keys/,
    );
    const text = readFileSync(exportFile, "utf8");
    assert.ok(text.includes(aes.toString("hex")), "the given AES material is in the export");

    const applied = await runTrentCommand(["seed", "apply", exportFile, "--data-dir", second], {});
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /created 9 keys, 2 aliases, 2 grants; 0 already there/);

    const copy = await startTrentProcess({ TRENT_DATA_DIR: second });
    try {
      const again = copy.client();
      for (const { keyId, blob, context } of made.ciphertexts) {
        const opened = await again.send(
          new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context }),
        );
        assert.deepEqual(opened.Plaintext, message, `a ciphertext of ${keyId}`);
      }
      const verified = await again.send(
        new VerifyCommand({
          KeyId: ids.ecc,
          Message: message,
          Signature: made.signature,
          SigningAlgorithm: "ECDSA_SHA_256",
        }),
      );
      assert.equal(verified.SignatureValid, true);
      const mac = await again.send(
        new GenerateMacCommand({ KeyId: ids.hmac, Message: message, MacAlgorithm: "HMAC_SHA_512" }),
      );
      assert.deepEqual(mac.Mac, made.mac);
      const listed = async (client: KMSClient) => ({
        keys: (await client.send(new ListKeysCommand({}))).Keys?.map((k) => k.KeyId).sort(),
        aliases: (await client.send(new ListAliasesCommand({}))).Aliases?.map((a) => [
          a.AliasName,
          a.TargetKeyId,
        ]),
        grants: (await client.send(new ListGrantsCommand({ KeyId: ids.given }))).Grants?.map(
          (g) => [g.GrantId, g.Name],
        ),
        rotations: (
          await client.send(
            new ListKeyRotationsCommand({
              KeyId: made.apiKeyId,
              IncludeKeyMaterial: "ALL_KEY_MATERIAL",
            }),
          )
        ).Rotations?.map((r) => [r.KeyMaterialId, r.KeyMaterialState]),
        replicas: (await client.send(new DescribeKeyCommand({ KeyId: ids.multiRegion })))
          .KeyMetadata?.MultiRegionConfiguration?.ReplicaKeys,
      });
      assert.deepEqual(await listed(again), await listed(kms));
    } finally {
      await copy.stop();
    }
  });

  it("keeps no key material in plaintext in either data directory", async () => {
    const exported = parse(readFileSync(exportFile, "utf8"));
    const secrets: Buffer[] = [aes, hmac];
    for (const regions of Object.values(exported.accounts) as Record<
      string,
      { keys?: { material?: unknown }[] }
    >[])
      for (const region of Object.values(regions))
        for (const key of region.keys ?? []) {
          const materials = [key.material].flat() as (
            | { hex?: string; pem?: string }
            | string
            | undefined
          )[];
          for (const m of materials) {
            if (typeof m !== "object") continue;
            if (m.hex) secrets.push(Buffer.from(m.hex, "hex"));
            if (m.pem)
              secrets.push(Buffer.from(m.pem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64"));
          }
        }
    assert.ok(secrets.length >= 8);
    for (const dir of [first, second]) {
      const all = contents(dir);
      for (const secret of secrets)
        for (const form of [
          secret,
          Buffer.from(secret.toString("hex")),
          Buffer.from(secret.toString("base64")),
        ])
          assert.equal(all.indexOf(form), -1, `key material in plaintext in ${dir}`);
      assert.equal(all.indexOf(Buffer.from("PRIVATE KEY")), -1);
    }
  });
});
