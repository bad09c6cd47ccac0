/**
 * CreateAlias, UpdateAlias, DeleteAlias and ListAliases through the real SDK: alias name rules,
 * targets, key states, quotas, paging, aliases as KeyId, and aliases dying with their key.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  type AliasListEntry,
  CreateAliasCommand,
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  type KMSClient,
  ListAliasesCommand,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
  UpdateAliasCommand,
} from "@aws-sdk/client-kms";
import { rejectsWith } from "../support/kms-errors.js";
import { rawKms, startTestTrent, type TestTrent } from "../support/trent.js";

const accountId = "111122223333";
const region = "us-east-1";
const aliasArn = (name: string) => `arn:aws:kms:${region}:${accountId}:${name}`;
const keyArn = (id: string) => `arn:aws:kms:${region}:${accountId}:key/${id}`;
/** What the SDK reports as the message of an error that has none, as NotAuthorizedException. */
const noMessage = "UnknownError";
/** How many predefined alias/aws/ aliases every account and Region lists (aws-managed-keys.test.ts). */
const predefinedCount = 14;

/** The aliases a test made: the listing without the predefined alias/aws/ ones. */
function own(aliases: AliasListEntry[] | undefined): AliasListEntry[] {
  return (aliases ?? []).filter((alias) => !alias.AliasName?.startsWith("alias/aws/"));
}

describe("aliases", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  let now = new Date("2026-03-01T10:00:00Z");

  before(async () => {
    trent = await startTestTrent({ accountId, region }, { clock: { now: () => now } });
    kms = trent.client();
  });
  after(() => trent.close());
  beforeEach(async () => {
    await trent.services.store.reset();
    now = new Date("2026-03-01T10:00:00Z");
  });

  async function newKey(input: CreateKeyCommandInput = {}): Promise<string> {
    const out = await kms.send(new CreateKeyCommand(input));
    return out.KeyMetadata?.KeyId as string;
  }

  describe("CreateAlias", () => {
    it("names a key, listed with every field", async () => {
      const keyId = await newKey();
      const out = await kms.send(
        new CreateAliasCommand({ AliasName: "alias/app/main-key_1", TargetKeyId: keyId }),
      );
      assert.equal(out.$metadata.httpStatusCode, 200);
      const listed = await kms.send(new ListAliasesCommand({}));
      assert.deepEqual(own(listed.Aliases), [
        {
          AliasName: "alias/app/main-key_1",
          AliasArn: aliasArn("alias/app/main-key_1"),
          TargetKeyId: keyId,
          CreationDate: now,
          LastUpdatedDate: now,
        },
      ]);
      assert.equal(listed.Truncated, false);
      assert.equal(listed.NextMarker, undefined);
    });

    it("takes the target as a key ARN and stores its key id", async () => {
      const keyId = await newKey();
      await kms.send(
        new CreateAliasCommand({ AliasName: "alias/by-arn", TargetKeyId: keyArn(keyId) }),
      );
      const listed = await kms.send(new ListAliasesCommand({}));
      assert.equal(own(listed.Aliases)[0]?.TargetKeyId, keyId);
    });

    it("makes the alias usable as KeyId, by name and by ARN", async () => {
      const keyId = await newKey({ Description: "aliased" });
      await kms.send(new CreateAliasCommand({ AliasName: "alias/usable", TargetKeyId: keyId }));
      for (const reference of ["alias/usable", aliasArn("alias/usable")]) {
        const out = await kms.send(new DescribeKeyCommand({ KeyId: reference }));
        assert.equal(out.KeyMetadata?.KeyId, keyId);
        assert.equal(out.KeyMetadata?.Description, "aliased");
      }
    });

    it("requires the alias/ prefix", async () => {
      const keyId = await newKey();
      await rejectsWith(
        kms.send(new CreateAliasCommand({ AliasName: "my-key", TargetKeyId: keyId })),
        "ValidationException",
        'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
      );
    });

    it("refuses the alias/aws/ prefix AWS reserves for its managed keys", async () => {
      const keyId = await newKey();
      await rejectsWith(
        kms.send(new CreateAliasCommand({ AliasName: "alias/aws/mine", TargetKeyId: keyId })),
        "NotAuthorizedException",
        noMessage,
      );
      const raw = await rawKms(
        trent.url,
        "CreateAlias",
        JSON.stringify({ AliasName: "alias/aws/s3", TargetKeyId: keyId }),
      );
      assert.equal(raw.status, 400);
      assert.deepEqual(raw.body, { __type: "NotAuthorizedException" });
    });

    it("refuses a colon, which the model pattern allows", async () => {
      const keyId = await newKey();
      await rejectsWith(
        kms.send(new CreateAliasCommand({ AliasName: "alias/Service:Test", TargetKeyId: keyId })),
        "ValidationException",
        "alias/Service:Test contains invalid characters for an alias",
      );
    });

    it("checks the model's pattern and length first", async () => {
      const keyId = await newKey();
      await rejectsWith(
        kms.send(new CreateAliasCommand({ AliasName: "alias/has space", TargetKeyId: keyId })),
        "ValidationException",
        "1 validation error detected: Value 'alias/has space' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
      );
      const long = `alias/${"a".repeat(251)}`;
      await rejectsWith(
        kms.send(new CreateAliasCommand({ AliasName: long, TargetKeyId: keyId })),
        "ValidationException",
        `1 validation error detected: Value '${long}' at 'aliasName' failed to satisfy constraint: Member must have length less than or equal to 256`,
      );
      const longest = `alias/${"a".repeat(250)}`;
      await kms.send(new CreateAliasCommand({ AliasName: longest, TargetKeyId: keyId }));
    });

    it("refuses a name already taken, naming it by ARN", async () => {
      const [first, second] = [await newKey(), await newKey()];
      await kms.send(new CreateAliasCommand({ AliasName: "alias/taken", TargetKeyId: first }));
      await rejectsWith(
        kms.send(new CreateAliasCommand({ AliasName: "alias/taken", TargetKeyId: second })),
        "AlreadyExistsException",
        `An alias with the name ${aliasArn("alias/taken")} already exists`,
      );
    });

    it("lets the same name exist in another Region", async () => {
      const keyId = await newKey();
      await kms.send(new CreateAliasCommand({ AliasName: "alias/regional", TargetKeyId: keyId }));
      const west = trent.client("us-west-2");
      const westKey = await west.send(new CreateKeyCommand({}));
      await west.send(
        new CreateAliasCommand({
          AliasName: "alias/regional",
          TargetKeyId: westKey.KeyMetadata?.KeyId,
        }),
      );
      const listed = await west.send(new ListAliasesCommand({}));
      assert.deepEqual(
        own(listed.Aliases).map((a) => a.AliasArn),
        [`arn:aws:kms:us-west-2:${accountId}:alias/regional`],
      );
    });

    it("refuses an alias as the target", async () => {
      const keyId = await newKey();
      await kms.send(new CreateAliasCommand({ AliasName: "alias/first", TargetKeyId: keyId }));
      for (const target of ["alias/first", aliasArn("alias/first")]) {
        await rejectsWith(
          kms.send(new CreateAliasCommand({ AliasName: "alias/second", TargetKeyId: target })),
          "ValidationException",
          "Aliases must refer to keys. Not aliases",
        );
      }
    });

    it("needs an existing key", async () => {
      const missing = "0b8e9a3c-5a3c-4c1e-9d37-3f4f1d2c9e10";
      await rejectsWith(
        kms.send(new CreateAliasCommand({ AliasName: "alias/orphan", TargetKeyId: missing })),
        "NotFoundException",
        `Key '${keyArn(missing)}' does not exist`,
      );
      await rejectsWith(
        kms.send(
          new CreateAliasCommand({ AliasName: "alias/orphan", TargetKeyId: "not-a-key-id" }),
        ),
        "NotFoundException",
        "Invalid keyId 'not-a-key-id'",
      );
    });

    it("accepts a disabled key but not one pending deletion", async () => {
      const disabled = await newKey();
      await kms.send(new DisableKeyCommand({ KeyId: disabled }));
      await kms.send(new CreateAliasCommand({ AliasName: "alias/off", TargetKeyId: disabled }));

      const doomed = await newKey();
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed, PendingWindowInDays: 7 }));
      await rejectsWith(
        kms.send(new CreateAliasCommand({ AliasName: "alias/doomed", TargetKeyId: doomed })),
        "KMSInvalidStateException",
        `${keyArn(doomed)} is pending deletion.`,
      );
    });

    it("allows 50 aliases per key and refuses the 51st", async () => {
      const keyId = await newKey();
      for (let i = 0; i < 50; i++)
        await kms.send(new CreateAliasCommand({ AliasName: `alias/n${i}`, TargetKeyId: keyId }));
      await rejectsWith(
        kms.send(new CreateAliasCommand({ AliasName: "alias/one-too-many", TargetKeyId: keyId })),
        "LimitExceededException",
        `Key ${keyArn(keyId)} already has 50 aliases, the most a KMS key can have.`,
      );
    });
  });

  describe("UpdateAlias", () => {
    it("moves an alias to another key and records when", async () => {
      const [first, second] = [await newKey(), await newKey()];
      await kms.send(new CreateAliasCommand({ AliasName: "alias/moving", TargetKeyId: first }));
      const created = now;
      now = new Date("2026-03-02T12:30:00Z");
      await kms.send(
        new UpdateAliasCommand({ AliasName: "alias/moving", TargetKeyId: keyArn(second) }),
      );
      const listed = await kms.send(new ListAliasesCommand({}));
      assert.deepEqual(own(listed.Aliases), [
        {
          AliasName: "alias/moving",
          AliasArn: aliasArn("alias/moving"),
          TargetKeyId: second,
          CreationDate: created,
          LastUpdatedDate: now,
        },
      ]);
      const described = await kms.send(new DescribeKeyCommand({ KeyId: "alias/moving" }));
      assert.equal(described.KeyMetadata?.KeyId, second);
    });

    it("needs an existing alias", async () => {
      const keyId = await newKey();
      await rejectsWith(
        kms.send(new UpdateAliasCommand({ AliasName: "alias/nowhere", TargetKeyId: keyId })),
        "NotFoundException",
        `Alias ${aliasArn("alias/nowhere")} is not found.`,
      );
    });

    it("applies the alias name rules", async () => {
      const keyId = await newKey();
      await rejectsWith(
        kms.send(new UpdateAliasCommand({ AliasName: "nowhere", TargetKeyId: keyId })),
        "ValidationException",
        'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
      );
      await rejectsWith(
        kms.send(new UpdateAliasCommand({ AliasName: "alias/aws/s3", TargetKeyId: keyId })),
        "NotAuthorizedException",
        noMessage,
      );
    });

    it("keeps the key type and key usage", async () => {
      const symmetric = await newKey();
      await kms.send(new CreateAliasCommand({ AliasName: "alias/typed", TargetKeyId: symmetric }));
      const hmac = await newKey({ KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" });
      await rejectsWith(
        kms.send(new UpdateAliasCommand({ AliasName: "alias/typed", TargetKeyId: hmac })),
        "ValidationException",
        `Alias alias/typed refers to a symmetric ENCRYPT_DECRYPT key and cannot be associated with ${keyArn(hmac)}, a hmac GENERATE_VERIFY_MAC key.`,
      );
      const signing = await newKey({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
      await kms.send(new CreateAliasCommand({ AliasName: "alias/signer", TargetKeyId: signing }));
      const rsaSigning = await newKey({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" });
      await kms.send(
        new UpdateAliasCommand({ AliasName: "alias/signer", TargetKeyId: rsaSigning }),
      );
      const rsaEncryption = await newKey({ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" });
      await rejectsWith(
        kms.send(new UpdateAliasCommand({ AliasName: "alias/signer", TargetKeyId: rsaEncryption })),
        "ValidationException",
        `Alias alias/signer refers to a asymmetric SIGN_VERIFY key and cannot be associated with ${keyArn(rsaEncryption)}, a asymmetric ENCRYPT_DECRYPT key.`,
      );
    });

    it("leaves a key pending deletion but does not move to one", async () => {
      const [first, second, third] = [await newKey(), await newKey(), await newKey()];
      await kms.send(new CreateAliasCommand({ AliasName: "alias/leaving", TargetKeyId: first }));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: first, PendingWindowInDays: 7 }));
      await kms.send(new UpdateAliasCommand({ AliasName: "alias/leaving", TargetKeyId: second }));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: third, PendingWindowInDays: 7 }));
      await rejectsWith(
        kms.send(new UpdateAliasCommand({ AliasName: "alias/leaving", TargetKeyId: third })),
        "KMSInvalidStateException",
        `${keyArn(third)} is pending deletion.`,
      );
    });

    it("refuses an alias as the new target", async () => {
      const keyId = await newKey();
      await kms.send(new CreateAliasCommand({ AliasName: "alias/a", TargetKeyId: keyId }));
      await rejectsWith(
        kms.send(new UpdateAliasCommand({ AliasName: "alias/a", TargetKeyId: "alias/a" })),
        "ValidationException",
        "Aliases must refer to keys. Not aliases",
      );
    });
  });

  describe("DeleteAlias", () => {
    it("removes the alias and leaves the key", async () => {
      const keyId = await newKey();
      await kms.send(
        new CreateAliasCommand({ AliasName: "alias/short-lived", TargetKeyId: keyId }),
      );
      await kms.send(new DeleteAliasCommand({ AliasName: "alias/short-lived" }));
      assert.deepEqual(own((await kms.send(new ListAliasesCommand({}))).Aliases), []);
      await rejectsWith(
        kms.send(new DescribeKeyCommand({ KeyId: "alias/short-lived" })),
        "NotFoundException",
        `Alias ${aliasArn("alias/short-lived")} is not found.`,
      );
      const key = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
      assert.equal(key.KeyMetadata?.KeyState, "Enabled");
      await rejectsWith(
        kms.send(new DeleteAliasCommand({ AliasName: "alias/short-lived" })),
        "NotFoundException",
        `Alias ${aliasArn("alias/short-lived")} is not found.`,
      );
    });

    it("works whatever the key's state", async () => {
      const keyId = await newKey();
      await kms.send(new CreateAliasCommand({ AliasName: "alias/pending", TargetKeyId: keyId }));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
      await kms.send(new DeleteAliasCommand({ AliasName: "alias/pending" }));
    });

    it("applies the alias name rules", async () => {
      await rejectsWith(
        kms.send(new DeleteAliasCommand({ AliasName: "alias/aws/ebs" })),
        "NotAuthorizedException",
        noMessage,
      );
    });
  });

  describe("ListAliases", () => {
    it("filters by key id or key ARN", async () => {
      const [first, second] = [await newKey(), await newKey()];
      await kms.send(new CreateAliasCommand({ AliasName: "alias/b", TargetKeyId: first }));
      await kms.send(new CreateAliasCommand({ AliasName: "alias/a", TargetKeyId: second }));
      await kms.send(new CreateAliasCommand({ AliasName: "alias/c", TargetKeyId: first }));
      for (const reference of [first, keyArn(first)]) {
        const out = await kms.send(new ListAliasesCommand({ KeyId: reference }));
        assert.deepEqual(
          out.Aliases?.map((a) => a.AliasName),
          ["alias/b", "alias/c"],
        );
      }
      const all = await kms.send(new ListAliasesCommand({}));
      assert.deepEqual(
        own(all.Aliases).map((a) => a.AliasName),
        ["alias/a", "alias/b", "alias/c"],
      );
    });

    it("needs the filter key to exist", async () => {
      const missing = "0b8e9a3c-5a3c-4c1e-9d37-3f4f1d2c9e10";
      await rejectsWith(
        kms.send(new ListAliasesCommand({ KeyId: missing })),
        "NotFoundException",
        `Key '${keyArn(missing)}' does not exist`,
      );
    });

    it("pages with Limit, Truncated and NextMarker", async () => {
      const keyId = await newKey();
      const names = ["alias/p1", "alias/p2", "alias/p3", "alias/p4", "alias/p5"];
      for (const name of names)
        await kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: keyId }));
      const seen: string[] = [];
      let marker: string | undefined;
      const truncation: boolean[] = [];
      do {
        const page = await kms.send(new ListAliasesCommand({ Limit: 2, Marker: marker }));
        assert.ok((page.Aliases?.length ?? 0) <= 2);
        seen.push(...(page.Aliases ?? []).map((a) => a.AliasName as string));
        truncation.push(page.Truncated as boolean);
        assert.equal(page.NextMarker === undefined, page.Truncated === false);
        marker = page.NextMarker;
      } while (marker);
      // The predefined alias/aws/ aliases come between alias/a... and alias/p...
      assert.deepEqual(
        seen.filter((name) => !name.startsWith("alias/aws/")),
        names,
      );
      assert.equal(seen.length, names.length + predefinedCount);
      const pages = Math.ceil(seen.length / 2);
      assert.deepEqual(truncation, [...Array(pages - 1).fill(true), false]);
    });

    it("returns at most 100 aliases a page", async () => {
      for (let k = 0; k < 3; k++) {
        const keyId = await newKey();
        for (let i = 0; i < 40; i++)
          await kms.send(
            new CreateAliasCommand({ AliasName: `alias/k${k}-${i}`, TargetKeyId: keyId }),
          );
      }
      const first = await kms.send(new ListAliasesCommand({ Limit: 1000 }));
      assert.equal(first.Aliases?.length, 100);
      assert.equal(first.Truncated, true);
      const defaultPage = await kms.send(new ListAliasesCommand({}));
      assert.equal(defaultPage.Aliases?.length, 50);
      const rest = await kms.send(
        new ListAliasesCommand({ Limit: 1000, Marker: first.NextMarker }),
      );
      assert.equal(rest.Aliases?.length, 20 + predefinedCount);
      assert.equal(rest.Truncated, false);
    });

    it("refuses a marker it did not issue", async () => {
      await rejectsWith(
        kms.send(new ListAliasesCommand({ Marker: "bogus" })),
        "InvalidMarkerException",
        "The marker that specifies where pagination continues is not valid.",
      );
      const tags = [0, 1, 2].map((i) => ({ TagKey: `t${i}`, TagValue: "" }));
      const tagged = await newKey({ Tags: tags });
      const tagPage = await kms.send(new ListResourceTagsCommand({ KeyId: tagged, Limit: 1 }));
      assert.ok(tagPage.NextMarker);
      await rejectsWith(
        kms.send(new ListAliasesCommand({ Marker: tagPage.NextMarker })),
        "InvalidMarkerException",
        "The marker that specifies where pagination continues is not valid.",
      );
    });

    it("checks Limit against the model", async () => {
      await rejectsWith(
        kms.send(new ListAliasesCommand({ Limit: 0 })),
        "ValidationException",
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
      );
    });
  });

  it("drops a key's aliases when the deletion sweep deletes the key", async () => {
    const [doomed, kept] = [await newKey(), await newKey()];
    await kms.send(new CreateAliasCommand({ AliasName: "alias/doomed-1", TargetKeyId: doomed }));
    await kms.send(new CreateAliasCommand({ AliasName: "alias/doomed-2", TargetKeyId: doomed }));
    await kms.send(new CreateAliasCommand({ AliasName: "alias/kept", TargetKeyId: kept }));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed, PendingWindowInDays: 7 }));

    assert.equal(await trent.sweepDeletions(), 0);
    assert.equal(own((await kms.send(new ListAliasesCommand({}))).Aliases).length, 3);

    now = new Date(now.getTime() + 7 * 24 * 3600 * 1000);
    assert.equal(await trent.sweepDeletions(), 1);
    const listed = await kms.send(new ListAliasesCommand({}));
    assert.deepEqual(
      own(listed.Aliases).map((a) => a.AliasName),
      ["alias/kept"],
    );
    await rejectsWith(
      kms.send(new DescribeKeyCommand({ KeyId: "alias/doomed-1" })),
      "NotFoundException",
      `Alias ${aliasArn("alias/doomed-1")} is not found.`,
    );
  });
});
