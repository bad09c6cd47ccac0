/**
 * Grants through the real AWS SDK: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant and
 * RevokeGrant, Name idempotency, the operations each key type allows in a grant, constraints,
 * DryRun, grant tokens, and the exact errors (type, status, message). Trent runs in open mode
 * here (the caller is the account root); grant authorization is tested in grant-authorization.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateGrantCommand,
  type CreateGrantCommandInput,
  CreateKeyCommand,
  type CreateKeyCommandInput,
  type GrantListEntry,
  type KMSClient,
  ListGrantsCommand,
  ListRetirableGrantsCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import { rejectsWith } from "../support/kms-errors.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const account = "111122223333";
const region = "us-east-1";
const root = `arn:aws:iam::${account}:root`;
const alice = `arn:aws:iam::${account}:user/alice`;
const bob = `arn:aws:iam::${account}:role/bob`;
const grantIdPattern = /^[0-9a-f]{64}$/;
const dryRunMessage = "The request would have succeeded, but the DryRun option is set.";
const unknownGrantId = "0".repeat(64);

describe("grants", () => {
  let trent: TestTrent;
  let client: KMSClient;
  let now = new Date("2026-03-01T12:00:00.000Z");

  before(async () => {
    trent = await startTestTrent({}, { clock: { now: () => now } });
    client = trent.client();
  });
  after(() => trent.close());

  async function createKey(input: CreateKeyCommandInput = {}): Promise<string> {
    const out = await client.send(new CreateKeyCommand(input));
    assert.ok(out.KeyMetadata?.Arn);
    return out.KeyMetadata.Arn;
  }

  async function grant(input: Partial<CreateGrantCommandInput> & { KeyId: string }) {
    const out = await client.send(
      new CreateGrantCommand({ GranteePrincipal: alice, Operations: ["Decrypt"], ...input }),
    );
    assert.ok(out.GrantId && out.GrantToken);
    return { grantId: out.GrantId, token: out.GrantToken };
  }

  async function grantsOf(keyId: string): Promise<GrantListEntry[]> {
    const out = await client.send(new ListGrantsCommand({ KeyId: keyId }));
    assert.equal(out.Truncated, false);
    return out.Grants ?? [];
  }

  describe("CreateGrant and ListGrants", () => {
    it("creates a grant that ListGrants shows field by field", async () => {
      const keyArn = await createKey();
      const keyId = keyArn.split("/")[1] as string;
      const { grantId, token } = await grant({
        KeyId: keyId,
        GranteePrincipal: alice,
        RetiringPrincipal: bob,
        Operations: ["Encrypt", "Decrypt", "DescribeKey"],
        Constraints: { EncryptionContextSubset: { Department: "IT" } },
        Name: "it-decrypt",
      });
      assert.match(grantId, grantIdPattern);
      assert.match(token, /^[A-Za-z0-9_-]+$/);

      const grants = await grantsOf(keyId);
      assert.deepEqual(grants, [
        {
          KeyId: keyArn,
          GrantId: grantId,
          Name: "it-decrypt",
          CreationDate: now,
          GranteePrincipal: alice,
          RetiringPrincipal: bob,
          IssuingAccount: root,
          Operations: ["Encrypt", "Decrypt", "DescribeKey"],
          Constraints: { EncryptionContextSubset: { Department: "IT" } },
        },
      ]);
    });

    it("shows an unnamed grant with an empty Name and no RetiringPrincipal or Constraints", async () => {
      const keyArn = await createKey();
      const { grantId } = await grant({ KeyId: keyArn, Operations: ["GenerateDataKey"] });
      assert.deepEqual(await grantsOf(keyArn), [
        {
          KeyId: keyArn,
          GrantId: grantId,
          Name: "",
          CreationDate: now,
          GranteePrincipal: alice,
          IssuingAccount: root,
          Operations: ["GenerateDataKey"],
        },
      ]);
    });

    it("returns the same grant id with a new token when a named request is retried", async () => {
      const keyArn = await createKey();
      const request = {
        KeyId: keyArn,
        Name: "retry-me",
        Operations: ["Decrypt", "Encrypt"] as const,
        Constraints: { EncryptionContextEquals: { app: "billing" } },
      };
      const first = await grant({ ...request, Operations: [...request.Operations] });
      const retry = await grant({ ...request, Operations: ["Encrypt", "Decrypt"] });
      assert.equal(retry.grantId, first.grantId);
      assert.notEqual(retry.token, first.token);
      assert.equal((await grantsOf(keyArn)).length, 1);

      // The same name with other parameters is another grant, not a retry.
      const other = await grant({ ...request, Operations: ["Decrypt"] });
      assert.notEqual(other.grantId, first.grantId);
      assert.equal((await grantsOf(keyArn)).length, 2);

      // Without a Name every request makes a new grant.
      const unnamed1 = await grant({ KeyId: keyArn });
      const unnamed2 = await grant({ KeyId: keyArn });
      assert.notEqual(unnamed1.grantId, unnamed2.grantId);
    });

    it("scopes grant names to their key", async () => {
      const first = await createKey();
      const second = await createKey();
      const a = await grant({ KeyId: first, Name: "shared-name" });
      const b = await grant({ KeyId: second, Name: "shared-name" });
      assert.notEqual(a.grantId, b.grantId);
      assert.equal((await grantsOf(first)).length, 1);
      assert.equal((await grantsOf(second)).length, 1);
    });

    it("allows in a grant exactly the operations the key type supports", async () => {
      const symmetric = await createKey();
      const hmac = await createKey({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" });
      const signing = await createKey({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
      const rsa = await createKey({ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" });

      await grant({
        KeyId: symmetric,
        Operations: [
          "Decrypt",
          "Encrypt",
          "GenerateDataKey",
          "GenerateDataKeyWithoutPlaintext",
          "GenerateDataKeyPair",
          "GenerateDataKeyPairWithoutPlaintext",
          "ReEncryptFrom",
          "ReEncryptTo",
          "CreateGrant",
          "RetireGrant",
          "DescribeKey",
        ],
      });
      await grant({ KeyId: hmac, Operations: ["GenerateMac", "VerifyMac", "DescribeKey"] });
      await grant({ KeyId: signing, Operations: ["Sign", "Verify", "GetPublicKey"] });
      await grant({ KeyId: rsa, Operations: ["Encrypt", "Decrypt", "GetPublicKey"] });

      await rejectsWith(
        grant({ KeyId: hmac, Operations: ["Encrypt", "GenerateMac"] }),
        "ValidationException",
        `Grant operations [Encrypt] are not supported for KMS key ${hmac} (KeySpec HMAC_256, KeyUsage GENERATE_VERIFY_MAC).`,
      );
      await rejectsWith(
        grant({ KeyId: symmetric, Operations: ["Sign", "GetPublicKey"] }),
        "ValidationException",
        `Grant operations [Sign, GetPublicKey] are not supported for KMS key ${symmetric} (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT).`,
      );
      await rejectsWith(
        grant({ KeyId: rsa, Operations: ["GenerateDataKey"] }),
        "ValidationException",
        `Grant operations [GenerateDataKey] are not supported for KMS key ${rsa} (KeySpec RSA_2048, KeyUsage ENCRYPT_DECRYPT).`,
      );
    });

    it("rejects a grant of only CreateGrant, and an empty operation list", async () => {
      const keyArn = await createKey();
      await rejectsWith(
        grant({ KeyId: keyArn, Operations: ["CreateGrant"] }),
        "ValidationException",
        "Grants must not contain only the CreateGrant operation.",
      );
      await rejectsWith(
        grant({ KeyId: keyArn, Operations: [] }),
        "ValidationException",
        "1 validation error detected: Value '[]' at 'operations' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    });

    it("accepts encryption context constraints only where operations take a context", async () => {
      const symmetric = await createKey();
      const signing = await createKey({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
      await grant({
        KeyId: symmetric,
        Operations: ["Decrypt", "RetireGrant", "DescribeKey"],
        Constraints: {
          EncryptionContextEquals: { a: "1" },
          EncryptionContextSubset: { a: "1" },
        },
      });
      await rejectsWith(
        grant({
          KeyId: signing,
          Operations: ["Sign"],
          Constraints: { EncryptionContextSubset: { a: "1" } },
        }),
        "ValidationException",
        "Grant constraints are supported only on grants for symmetric encryption KMS keys whose operations accept an encryption context; [Sign] do not.",
      );
      const nine = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, "v"]));
      await rejectsWith(
        grant({ KeyId: symmetric, Constraints: { EncryptionContextSubset: nine } }),
        "ValidationException",
        /^1 validation error detected: Value '\{.*\}' at 'constraints.encryptionContextSubset' failed to satisfy constraint: Member must have length less than or equal to 8$/,
      );
      await rejectsWith(
        grant({
          KeyId: symmetric,
          Constraints: { EncryptionContextEquals: { k: "v".repeat(384) } },
        }),
        "ValidationException",
        "The encryption context in a grant constraint cannot exceed 384 characters.",
      );
    });

    it("answers DryRunOperationException (412) and creates nothing on a dry run", async () => {
      const keyArn = await createKey();
      await rejectsWith(
        grant({ KeyId: keyArn, DryRun: true }),
        "DryRunOperationException",
        dryRunMessage,
        412,
      );
      assert.deepEqual(await grantsOf(keyArn), []);
      // A dry run of a request that would fail reports the failure instead.
      await rejectsWith(
        grant({ KeyId: keyArn, DryRun: true, Operations: ["Sign"] }),
        "ValidationException",
        /^Grant operations \[Sign\] are not supported/,
      );
    });

    it("rejects unknown keys, aliases and keys pending deletion", async () => {
      const missing = `arn:aws:kms:${region}:${account}:key/11111111-2222-3333-4444-555555555555`;
      await rejectsWith(
        grant({ KeyId: missing }),
        "NotFoundException",
        `Key '${missing}' does not exist`,
      );
      await rejectsWith(
        grant({ KeyId: "alias/some-alias" }),
        "NotFoundException",
        "Invalid keyId 'alias/some-alias'",
      );
      const keyArn = await createKey();
      await client.send(new ScheduleKeyDeletionCommand({ KeyId: keyArn, PendingWindowInDays: 7 }));
      await rejectsWith(
        grant({ KeyId: keyArn }),
        "KMSInvalidStateException",
        `${keyArn} is pending deletion.`,
      );
    });

    it("rejects forged or malformed grant tokens", async () => {
      const keyArn = await createKey();
      const { token } = await grant({ KeyId: keyArn });
      const forged = `${token.slice(0, -2)}${token.endsWith("AA") ? "AB" : "AA"}`;
      for (const bad of [forged, "not-a-token", "a"]) {
        await rejectsWith(
          grant({ KeyId: keyArn, GrantTokens: [token, bad] }),
          "InvalidGrantTokenException",
          "Invalid grant token.",
        );
      }
      await grant({ KeyId: keyArn, GrantTokens: [token] });
    });

    it("filters ListGrants by grant id and grantee, and pages with Limit and Marker", async () => {
      const keyArn = await createKey();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        now = new Date(now.getTime() + 1000);
        ids.push(
          (await grant({ KeyId: keyArn, GranteePrincipal: i % 2 === 0 ? alice : bob })).grantId,
        );
      }
      const byId = await client.send(new ListGrantsCommand({ KeyId: keyArn, GrantId: ids[3] }));
      assert.deepEqual(
        byId.Grants?.map((g) => g.GrantId),
        [ids[3]],
      );
      const none = await client.send(
        new ListGrantsCommand({ KeyId: keyArn, GrantId: unknownGrantId }),
      );
      assert.deepEqual(none.Grants, []);
      const bobs = await client.send(
        new ListGrantsCommand({ KeyId: keyArn, GranteePrincipal: bob }),
      );
      assert.deepEqual(
        bobs.Grants?.map((g) => g.GrantId),
        [ids[1], ids[3]],
      );

      const seen: string[] = [];
      let marker: string | undefined;
      let pages = 0;
      do {
        const page = await client.send(
          new ListGrantsCommand({ KeyId: keyArn, Limit: 2, Marker: marker }),
        );
        pages++;
        seen.push(...(page.Grants ?? []).map((g) => g.GrantId as string));
        assert.equal(page.Truncated, page.NextMarker !== undefined);
        marker = page.NextMarker;
      } while (marker !== undefined);
      assert.equal(pages, 3);
      assert.deepEqual(seen, ids);

      await rejectsWith(
        client.send(new ListGrantsCommand({ KeyId: keyArn, Marker: "bogus" })),
        "InvalidMarkerException",
        "The marker that specifies where pagination continues is not valid.",
      );
      await rejectsWith(
        client.send(new ListGrantsCommand({ KeyId: keyArn, GrantId: "not-a-grant-id" })),
        "InvalidGrantIdException",
        "Invalid grantId not-a-grant-id",
      );
    });
  });

  describe("ListRetirableGrants", () => {
    it("lists grants of any key in the Region whose retiring principal matches", async () => {
      const retiree = `arn:aws:iam::${account}:role/retiree-${Date.now()}`;
      const k1 = await createKey();
      const k2 = await createKey();
      const g1 = await grant({ KeyId: k1, RetiringPrincipal: retiree });
      now = new Date(now.getTime() + 1000);
      const g2 = await grant({ KeyId: k2, RetiringPrincipal: retiree });
      await grant({ KeyId: k2, RetiringPrincipal: bob });

      const out = await client.send(new ListRetirableGrantsCommand({ RetiringPrincipal: retiree }));
      assert.equal(out.Truncated, false);
      assert.deepEqual(
        out.Grants?.map((g) => [g.KeyId, g.GrantId, g.RetiringPrincipal]),
        [
          [k1, g1.grantId, retiree],
          [k2, g2.grantId, retiree],
        ],
      );
      const first = await client.send(
        new ListRetirableGrantsCommand({ RetiringPrincipal: retiree, Limit: 1 }),
      );
      assert.equal(first.Truncated, true);
      const second = await client.send(
        new ListRetirableGrantsCommand({
          RetiringPrincipal: retiree,
          Limit: 1,
          Marker: first.NextMarker,
        }),
      );
      assert.deepEqual(
        second.Grants?.map((g) => g.GrantId),
        [g2.grantId],
      );
      assert.equal(second.Truncated, false);
    });

    it("refuses a retiring principal of another account", async () => {
      const other = "arn:aws:iam::444455556666:role/elsewhere";
      await rejectsWith(
        client.send(new ListRetirableGrantsCommand({ RetiringPrincipal: other })),
        "AccessDeniedException",
        `User: ${root} is not authorized to perform: kms:ListRetirableGrants on resource: ${other} because no identity-based policy allows the kms:ListRetirableGrants action`,
      );
    });
  });

  describe("RetireGrant and RevokeGrant", () => {
    it("retires a grant by its token, and by key and grant id", async () => {
      const keyArn = await createKey();
      const keyId = keyArn.split("/")[1] as string;
      const byToken = await grant({ KeyId: keyArn });
      const byId = await grant({ KeyId: keyArn });
      await client.send(new RetireGrantCommand({ GrantToken: byToken.token }));
      assert.deepEqual(
        (await grantsOf(keyArn)).map((g) => g.GrantId),
        [byId.grantId],
      );
      await client.send(new RetireGrantCommand({ KeyId: keyId, GrantId: byId.grantId }));
      assert.deepEqual(await grantsOf(keyArn), []);

      // Retired already: the token is genuine, but its grant is gone.
      await rejectsWith(
        client.send(new RetireGrantCommand({ GrantToken: byToken.token })),
        "InvalidGrantIdException",
        `Invalid grantId ${byToken.grantId}`,
      );
    });

    it("answers RetireGrant's errors", async () => {
      const keyArn = await createKey();
      const { grantId, token } = await grant({ KeyId: keyArn });
      await rejectsWith(
        client.send(new RetireGrantCommand({ GrantId: grantId })),
        "ValidationException",
        "Specify a GrantToken, or both a KeyId and a GrantId, to identify the grant to retire.",
      );
      await rejectsWith(
        client.send(new RetireGrantCommand({ GrantToken: "forged-token" })),
        "InvalidGrantTokenException",
        "Invalid grant token.",
      );
      await rejectsWith(
        client.send(new RetireGrantCommand({ KeyId: keyArn, GrantId: unknownGrantId })),
        "InvalidGrantIdException",
        `Invalid grantId ${unknownGrantId}`,
      );
      await rejectsWith(
        client.send(new RetireGrantCommand({ GrantToken: token, GrantId: unknownGrantId })),
        "InvalidGrantIdException",
        `Invalid grantId ${unknownGrantId}`,
      );
      const missing = `arn:aws:kms:${region}:${account}:key/11111111-2222-3333-4444-555555555555`;
      await rejectsWith(
        client.send(new RetireGrantCommand({ KeyId: missing, GrantId: grantId })),
        "NotFoundException",
        `Key '${missing}' does not exist`,
      );
      await rejectsWith(
        client.send(new RetireGrantCommand({ GrantToken: token, DryRun: true })),
        "DryRunOperationException",
        dryRunMessage,
        412,
      );
      assert.equal((await grantsOf(keyArn)).length, 1);
    });

    it("revokes a grant, with RevokeGrant's errors and dry run", async () => {
      const keyArn = await createKey();
      const { grantId } = await grant({ KeyId: keyArn });
      await rejectsWith(
        client.send(new RevokeGrantCommand({ KeyId: keyArn, GrantId: grantId, DryRun: true })),
        "DryRunOperationException",
        dryRunMessage,
        412,
      );
      assert.equal((await grantsOf(keyArn)).length, 1);
      await client.send(new RevokeGrantCommand({ KeyId: keyArn, GrantId: grantId }));
      assert.deepEqual(await grantsOf(keyArn), []);
      await rejectsWith(
        client.send(new RevokeGrantCommand({ KeyId: keyArn, GrantId: grantId })),
        "InvalidGrantIdException",
        `Invalid grantId ${grantId}`,
      );
      await rejectsWith(
        client.send(new RevokeGrantCommand({ KeyId: keyArn, GrantId: "xyz" })),
        "InvalidGrantIdException",
        "Invalid grantId xyz",
      );
      // A grant id of another key is not a grant of this key.
      const other = await createKey();
      const foreign = await grant({ KeyId: other });
      await rejectsWith(
        client.send(new RevokeGrantCommand({ KeyId: keyArn, GrantId: foreign.grantId })),
        "InvalidGrantIdException",
        `Invalid grantId ${foreign.grantId}`,
      );
    });

    it("deletes a key's grants with the key", async () => {
      const keyArn = await createKey();
      const { grantId } = await grant({ KeyId: keyArn });
      await client.send(new ScheduleKeyDeletionCommand({ KeyId: keyArn, PendingWindowInDays: 7 }));
      // Grants of a key pending deletion stay listed, and can still be retired or revoked.
      assert.equal((await grantsOf(keyArn)).length, 1);
      now = new Date(now.getTime() + 8 * 24 * 60 * 60 * 1000);
      await trent.sweepDeletions();
      assert.equal(await trent.services.store.grants.find(grantId), undefined);
    });
  });
});
