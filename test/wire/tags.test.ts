/**
 * TagResource, UntagResource, ListResourceTags and CreateKey's Tags through the real SDK: tag
 * rules and their errors, key states, and paging.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  type KMSClient,
  ListAliasesCommand,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
  type Tag,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-kms";
import { rejectsWith } from "../support/kms-errors.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const accountId = "111122223333";
const region = "us-east-1";
const keyArn = (id: string) => `arn:aws:kms:${region}:${accountId}:key/${id}`;
const invalidMarker = "The marker that specifies where pagination continues is not valid.";

function tagsNamed(prefix: string, count: number): Tag[] {
  return Array.from({ length: count }, (_, i) => ({ TagKey: `${prefix}${i}`, TagValue: `v${i}` }));
}

describe("tags", () => {
  let trent: TestTrent;
  let kms: KMSClient;

  before(async () => {
    trent = await startTestTrent({ accountId, region });
    kms = trent.client();
  });
  after(() => trent.close());
  beforeEach(() => trent.services.store.reset());

  async function newKey(tags?: Tag[]): Promise<string> {
    const out = await kms.send(new CreateKeyCommand({ Tags: tags }));
    return out.KeyMetadata?.KeyId as string;
  }

  async function tagsOf(keyId: string): Promise<Tag[]> {
    const out = await kms.send(new ListResourceTagsCommand({ KeyId: keyId }));
    assert.equal(out.Truncated, false);
    assert.equal(out.NextMarker, undefined);
    return out.Tags ?? [];
  }

  describe("TagResource and UntagResource", () => {
    it("adds tags, replaces values of existing tag keys, and lists them in order", async () => {
      const keyId = await newKey([{ TagKey: "Project", TagValue: "Alpha" }]);
      const out = await kms.send(
        new TagResourceCommand({
          KeyId: keyArn(keyId),
          Tags: [
            { TagKey: "CostCenter", TagValue: "" },
            { TagKey: "Project", TagValue: "Beta" },
          ],
        }),
      );
      assert.equal(out.$metadata.httpStatusCode, 200);
      assert.deepEqual(await tagsOf(keyId), [
        { TagKey: "Project", TagValue: "Beta" },
        { TagKey: "CostCenter", TagValue: "" },
      ]);
    });

    it("treats tag keys as case-sensitive", async () => {
      const keyId = await newKey();
      await kms.send(
        new TagResourceCommand({
          KeyId: keyId,
          Tags: [
            { TagKey: "env", TagValue: "a" },
            { TagKey: "Env", TagValue: "b" },
          ],
        }),
      );
      assert.equal((await tagsOf(keyId)).length, 2);
    });

    it("removes tags by key and ignores keys the key does not have", async () => {
      const keyId = await newKey(tagsNamed("t", 3));
      await kms.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: ["t1", "absent"] }));
      assert.deepEqual(await tagsOf(keyId), [
        { TagKey: "t0", TagValue: "v0" },
        { TagKey: "t2", TagValue: "v2" },
      ]);
      await kms.send(new UntagResourceCommand({ KeyId: keyArn(keyId), TagKeys: ["t0", "t2"] }));
      assert.deepEqual(await tagsOf(keyId), []);
    });

    it("refuses duplicate tag keys in one request", async () => {
      const keyId = await newKey();
      const duplicate = [
        { TagKey: "tag1", TagValue: "value1" },
        { TagKey: "tag1", TagValue: "another-value1" },
      ];
      await rejectsWith(
        kms.send(new TagResourceCommand({ KeyId: keyId, Tags: duplicate })),
        "TagException",
        "Duplicate tag keys",
      );
      await rejectsWith(
        kms.send(new CreateKeyCommand({ Tags: duplicate })),
        "TagException",
        "Duplicate tag keys",
      );
      assert.deepEqual(await tagsOf(keyId), []);
    });

    it("refuses the reserved aws: prefix in any case", async () => {
      const keyId = await newKey();
      for (const TagKey of ["aws:key1", "AWS:key1", "Aws:cost"]) {
        await rejectsWith(
          kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey, TagValue: "v" }] })),
          "TagException",
          "Tags beginning with aws: are reserved",
        );
        await rejectsWith(
          kms.send(new CreateKeyCommand({ Tags: [{ TagKey, TagValue: "v" }] })),
          "TagException",
          "Tags beginning with aws: are reserved",
        );
      }
      await rejectsWith(
        kms.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: ["aws:createdBy"] })),
        "TagException",
        "Tags beginning with aws: are reserved",
      );
      // Only the key is reserved: "aws" without the colon, and values, are the caller's.
      await kms.send(
        new TagResourceCommand({
          KeyId: keyId,
          Tags: [{ TagKey: "awsome", TagValue: "aws:value" }],
        }),
      );
      assert.deepEqual(await tagsOf(keyId), [{ TagKey: "awsome", TagValue: "aws:value" }]);
    });

    it("allows 50 tags per key and refuses more", async () => {
      await rejectsWith(
        kms.send(new CreateKeyCommand({ Tags: tagsNamed("key", 51) })),
        "TagException",
        "Too many tags",
      );
      const keyId = await newKey(tagsNamed("key", 49));
      await rejectsWith(
        kms.send(new TagResourceCommand({ KeyId: keyId, Tags: tagsNamed("more", 2) })),
        "TagException",
        "Too many tags",
      );
      assert.equal((await tagsOf(keyId)).length, 49);
      // Replacing the value of a tag it has does not count twice.
      await kms.send(
        new TagResourceCommand({
          KeyId: keyId,
          Tags: [{ TagKey: "key0", TagValue: "new" }, ...tagsNamed("more", 1)],
        }),
      );
      assert.equal((await tagsOf(keyId)).length, 50);
    });

    it("checks tag key and value lengths against the model", async () => {
      const keyId = await newKey();
      const longKey = "a".repeat(129);
      await rejectsWith(
        kms.send(
          new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: longKey, TagValue: "v" }] }),
        ),
        "ValidationException",
        `1 validation error detected: Value '${longKey}' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128`,
      );
      const longValue = "v".repeat(257);
      await rejectsWith(
        kms.send(
          new CreateKeyCommand({
            Tags: [
              { TagKey: "ok", TagValue: "ok" },
              { TagKey: "tag1", TagValue: longValue },
            ],
          }),
        ),
        "ValidationException",
        `1 validation error detected: Value '${longValue}' at 'tags.2.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256`,
      );
      await rejectsWith(
        kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "", TagValue: "v" }] })),
        "ValidationException",
        "1 validation error detected: Value '' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
      await kms.send(
        new TagResourceCommand({
          KeyId: keyId,
          Tags: [{ TagKey: "k".repeat(128), TagValue: "v".repeat(256) }],
        }),
      );
    });

    it("tags a disabled key but not a key pending deletion", async () => {
      const keyId = await newKey(tagsNamed("t", 1));
      await kms.send(new DisableKeyCommand({ KeyId: keyId }));
      await kms.send(new TagResourceCommand({ KeyId: keyId, Tags: tagsNamed("d", 1) }));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
      await rejectsWith(
        kms.send(new TagResourceCommand({ KeyId: keyId, Tags: tagsNamed("x", 1) })),
        "KMSInvalidStateException",
        `${keyArn(keyId)} is pending deletion.`,
      );
      await rejectsWith(
        kms.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: ["t0"] })),
        "KMSInvalidStateException",
        `${keyArn(keyId)} is pending deletion.`,
      );
      // Reading tags works in every state.
      assert.equal((await tagsOf(keyId)).length, 2);
    });

    it("names the key by key id or key ARN only", async () => {
      const keyId = await newKey();
      await kms.send(new CreateAliasCommand({ AliasName: "alias/tagged", TargetKeyId: keyId }));
      await rejectsWith(
        kms.send(new TagResourceCommand({ KeyId: "alias/tagged", Tags: tagsNamed("t", 1) })),
        "NotFoundException",
        "Invalid keyId 'alias/tagged'",
      );
      const missing = "0b8e9a3c-5a3c-4c1e-9d37-3f4f1d2c9e10";
      await rejectsWith(
        kms.send(new TagResourceCommand({ KeyId: missing, Tags: tagsNamed("t", 1) })),
        "NotFoundException",
        `Key '${keyArn(missing)}' does not exist`,
      );
      await rejectsWith(
        kms.send(new UntagResourceCommand({ KeyId: missing, TagKeys: ["t0"] })),
        "NotFoundException",
        `Key '${keyArn(missing)}' does not exist`,
      );
      await rejectsWith(
        kms.send(new ListResourceTagsCommand({ KeyId: missing })),
        "NotFoundException",
        `Key '${keyArn(missing)}' does not exist`,
      );
      const aliases = (await kms.send(new ListAliasesCommand({}))).Aliases ?? [];
      // The one alias made above, besides the predefined alias/aws/ ones.
      assert.equal(aliases.filter((a) => !a.AliasName?.startsWith("alias/aws/")).length, 1);
    });
  });

  describe("ListResourceTags", () => {
    it("pages with Limit, Truncated and NextMarker", async () => {
      const tags = tagsNamed("p", 5);
      const keyId = await newKey(tags);
      const seen: Tag[] = [];
      const truncation: boolean[] = [];
      let marker: string | undefined;
      do {
        const page = await kms.send(
          new ListResourceTagsCommand({ KeyId: keyId, Limit: 2, Marker: marker }),
        );
        seen.push(...(page.Tags ?? []));
        truncation.push(page.Truncated as boolean);
        assert.equal(page.NextMarker === undefined, page.Truncated === false);
        marker = page.NextMarker;
      } while (marker);
      assert.deepEqual(seen, tags);
      assert.deepEqual(truncation, [true, true, false]);
    });

    it("returns at most 50 tags a page, and a key has at most 50", async () => {
      const keyId = await newKey(tagsNamed("t", 50));
      const out = await kms.send(new ListResourceTagsCommand({ KeyId: keyId, Limit: 1000 }));
      assert.equal(out.Tags?.length, 50);
      assert.equal(out.Truncated, false);
    });

    it("lists no tags as an empty list", async () => {
      const keyId = await newKey();
      const out = await kms.send(new ListResourceTagsCommand({ KeyId: keyId }));
      assert.deepEqual(out.Tags, []);
      assert.equal(out.Truncated, false);
    });

    it("refuses a marker it did not issue", async () => {
      const keyId = await newKey(tagsNamed("t", 3));
      await rejectsWith(
        kms.send(new ListResourceTagsCommand({ KeyId: keyId, Marker: "AAAA" })),
        "InvalidMarkerException",
        invalidMarker,
      );
      for (let i = 0; i < 3; i++)
        await kms.send(new CreateAliasCommand({ AliasName: `alias/m${i}`, TargetKeyId: keyId }));
      const aliasPage = await kms.send(new ListAliasesCommand({ Limit: 1 }));
      await rejectsWith(
        kms.send(new ListResourceTagsCommand({ KeyId: keyId, Marker: aliasPage.NextMarker })),
        "InvalidMarkerException",
        invalidMarker,
      );
    });
  });
});
