/**
 * GetKeyPolicy, PutKeyPolicy and ListKeyPolicies through the real SDK: the default policy, a
 * policy stored verbatim, the policy grammar's errors, the size quota, names and paging.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  GetKeyPolicyCommand,
  type KMSClient,
  ListKeyPoliciesCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";
import { defaultKeyPolicy } from "../../src/domain/policy/default-policy.js";
import { rejectsWith } from "../support/kms-errors.js";
import { rawKms, startTestTrent, type TestTrent } from "../support/trent.js";

const accountId = "111122223333";
const region = "us-east-1";
const keyArn = (id: string) => `arn:aws:kms:${region}:${accountId}:key/${id}`;
/** What the SDK reports as the message of an error that has none. */
const noMessage = "UnknownError";
const noPrincipal = "Policy contains a statement with no principal.";
const invalidPrincipals = "Policy contains a statement with one or more invalid principals.";

const rootStatement = {
  Sid: "Enable IAM User Permissions",
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${accountId}:root` },
  Action: "kms:*",
  Resource: "*",
};

function policyWith(...statements: object[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: [rootStatement, ...statements] });
}

describe("key policies", () => {
  let trent: TestTrent;
  let kms: KMSClient;

  before(async () => {
    trent = await startTestTrent({ accountId, region });
    kms = trent.client();
  });
  after(() => trent.close());
  beforeEach(() => trent.services.store.reset());

  async function newKey(policy?: string): Promise<string> {
    const out = await kms.send(new CreateKeyCommand({ Policy: policy }));
    return out.KeyMetadata?.KeyId as string;
  }

  describe("GetKeyPolicy", () => {
    it("returns the default policy of a key created without one", async () => {
      const keyId = await newKey();
      for (const PolicyName of [undefined, "default"]) {
        const out = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName }));
        assert.equal(out.Policy, defaultKeyPolicy(region, accountId));
        assert.equal(out.PolicyName, "default");
      }
      const byArn = await kms.send(new GetKeyPolicyCommand({ KeyId: keyArn(keyId) }));
      assert.equal(byArn.Policy, defaultKeyPolicy(region, accountId));
    });

    it("knows no policy but default", async () => {
      const keyId = await newKey();
      await rejectsWith(
        kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "custom" })),
        "NotFoundException",
        "No such policy exists",
      );
      await rejectsWith(
        kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "not-a-name" })),
        "ValidationException",
        "1 validation error detected: Value 'not-a-name' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]+",
      );
    });

    it("names the key by key id or key ARN only", async () => {
      const keyId = await newKey();
      await kms.send(new CreateAliasCommand({ AliasName: "alias/policy", TargetKeyId: keyId }));
      await rejectsWith(
        kms.send(new GetKeyPolicyCommand({ KeyId: "alias/policy" })),
        "NotFoundException",
        "Invalid keyId 'alias/policy'",
      );
      const missing = "0b8e9a3c-5a3c-4c1e-9d37-3f4f1d2c9e10";
      await rejectsWith(
        kms.send(new GetKeyPolicyCommand({ KeyId: missing })),
        "NotFoundException",
        `Key '${keyArn(missing)}' does not exist`,
      );
    });
  });

  describe("PutKeyPolicy", () => {
    it("stores the document exactly as sent", async () => {
      const keyId = await newKey();
      const policy = `{\n  "Version": "2012-10-17",\n  "Id": "mine",\n  "Statement": [ ${JSON.stringify(rootStatement)},\n    {"Sid": "Let S3 use it", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},\n     "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",\n     "Condition": {"StringEquals": {"aws:SourceAccount": "${accountId}"}}} ]\n}`;
      const out = await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: policy }));
      assert.equal(out.$metadata.httpStatusCode, 200);
      assert.equal((await kms.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy, policy);
    });

    it("accepts PolicyName default and BypassPolicyLockoutSafetyCheck", async () => {
      const keyId = await newKey();
      const policy = policyWith({
        Effect: "Deny",
        NotPrincipal: { AWS: [`arn:aws:iam::${accountId}:role/admin`, accountId] },
        NotAction: ["kms:Describe*", "kms:Get*"],
        Resource: ["*"],
      });
      await kms.send(
        new PutKeyPolicyCommand({
          KeyId: keyArn(keyId),
          PolicyName: "default",
          Policy: policy,
          BypassPolicyLockoutSafetyCheck: true,
        }),
      );
      assert.equal((await kms.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy, policy);
    });

    it("replaces the policy of a key pending deletion", async () => {
      const keyId = await newKey();
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
      const policy = policyWith();
      await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: policy }));
      assert.equal((await kms.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy, policy);
    });

    it("refuses a document that is not JSON, with no message, as KMS does", async () => {
      const keyId = await newKey();
      await rejectsWith(
        kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: "not a real policy" })),
        "MalformedPolicyDocumentException",
        noMessage,
      );
      const raw = await rawKms(
        trent.url,
        "PutKeyPolicy",
        JSON.stringify({ KeyId: keyId, Policy: "{" }),
      );
      assert.equal(raw.status, 400);
      assert.deepEqual(raw.body, { __type: "MalformedPolicyDocumentException" });
    });

    it("refuses a statement without a principal", async () => {
      const keyId = await newKey();
      const { Principal: _, ...rest } = rootStatement;
      const withoutPrincipal = { ...rest, Sid: "no principal" };
      await rejectsWith(
        kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: policyWith(withoutPrincipal) })),
        "MalformedPolicyDocumentException",
        noPrincipal,
      );
      await rejectsWith(
        kms.send(new CreateKeyCommand({ Policy: policyWith(withoutPrincipal) })),
        "MalformedPolicyDocumentException",
        noPrincipal,
      );
    });

    it("refuses principals KMS cannot accept", async () => {
      const keyId = await newKey();
      for (const Principal of [
        { AWS: "alice" },
        { AWS: "arn:aws:iam::*:root" },
        { AWS: "arn:aws:iam::111122223333:*" },
        { AWS: [] },
        { Users: "arn:aws:iam::111122223333:root" },
        "everyone",
        {},
      ]) {
        const policy = policyWith({ ...rootStatement, Sid: "bad", Principal });
        await rejectsWith(
          kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: policy })),
          "MalformedPolicyDocumentException",
          invalidPrincipals,
        );
      }
    });

    it("refuses documents outside the policy grammar", async () => {
      const keyId = await newKey();
      const statement = { ...rootStatement, Sid: "second" };
      const bad: Record<string, string> = {
        "an array": "[]",
        "no Statement": JSON.stringify({ Version: "2012-10-17" }),
        "an empty Statement": JSON.stringify({ Version: "2012-10-17", Statement: [] }),
        "an unknown Version": JSON.stringify({ Version: "2020-01-01", Statement: rootStatement }),
        "an unknown element": JSON.stringify({ Statement: rootStatement, Owner: "me" }),
        "an unknown Effect": policyWith({ ...statement, Effect: "Maybe" }),
        "no Action": policyWith({ ...statement, Action: undefined }),
        "Action and NotAction": policyWith({ ...statement, NotAction: "kms:Decrypt" }),
        "an empty Action": policyWith({ ...statement, Action: "" }),
        "a Resource other than *": policyWith({ ...statement, Resource: keyArn("x") }),
        "no Resource": policyWith({ ...statement, Resource: undefined }),
        "Principal and NotPrincipal": policyWith({ ...statement, NotPrincipal: "*" }),
        "a duplicate Sid": policyWith({ ...rootStatement }),
        "an unknown condition operator": policyWith({
          ...statement,
          Condition: { StringSortOf: { "kms:CallerAccount": accountId } },
        }),
        "a condition without keys": policyWith({ ...statement, Condition: { StringEquals: {} } }),
      };
      for (const [what, policy] of Object.entries(bad)) {
        await rejectsWith(
          kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: policy })),
          "MalformedPolicyDocumentException",
          noMessage,
        ).catch((error: Error) => assert.fail(`${what}: ${error.message}`));
      }
      assert.equal(
        (await kms.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy,
        defaultKeyPolicy(region, accountId),
      );
    });

    it("accepts the grammar's other forms", async () => {
      const keyId = await newKey();
      const good = [
        JSON.stringify({ Version: "2008-10-17", Statement: rootStatement }),
        JSON.stringify({ Statement: [rootStatement] }),
        policyWith({
          Sid: "Anyone in the account via a service",
          Effect: "Allow",
          Principal: "*",
          Action: ["kms:Encrypt", "kms:Decrypt"],
          Resource: "*",
          Condition: {
            StringEquals: {
              "kms:CallerAccount": accountId,
              "kms:ViaService": ["s3.us-east-1.amazonaws.com"],
            },
            "ForAnyValue:StringLike": { "kms:ResourceAliases": "alias/app-*" },
            BoolIfExists: { "aws:MultiFactorAuthPresent": true },
            NumericLessThan: { "kms:RecipientAttestation:ImageSha384": 10 },
            Null: { "kms:GranteePrincipal": "false" },
          },
        }),
      ];
      for (const policy of good) {
        await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: policy }));
        assert.equal((await kms.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy, policy);
      }
    });

    it("refuses a policy over 32 KiB with LimitExceededException", async () => {
      const keyId = await newKey();
      const padding = (bytes: number) => ({ ...rootStatement, Sid: "x".repeat(bytes) });
      const base = Buffer.byteLength(policyWith(padding(0)));
      const fits = policyWith(padding(32_768 - base));
      assert.equal(Buffer.byteLength(fits), 32_768);
      const tooBig = policyWith(padding(32_769 - base));
      await rejectsWith(
        kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: tooBig })),
        "LimitExceededException",
        "The key policy exceeds the maximum size of 32768 bytes.",
      );
      await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: fits }));
    });

    it("checks PolicyName and the key", async () => {
      const keyId = await newKey();
      await rejectsWith(
        kms.send(
          new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "custom", Policy: policyWith() }),
        ),
        "NotFoundException",
        "No such policy exists",
      );
      const missing = "0b8e9a3c-5a3c-4c1e-9d37-3f4f1d2c9e10";
      await rejectsWith(
        kms.send(new PutKeyPolicyCommand({ KeyId: missing, Policy: policyWith() })),
        "NotFoundException",
        `Key '${keyArn(missing)}' does not exist`,
      );
    });
  });

  describe("ListKeyPolicies", () => {
    it("lists the one policy name, default", async () => {
      const keyId = await newKey();
      for (const Limit of [undefined, 1, 1000]) {
        const out = await kms.send(new ListKeyPoliciesCommand({ KeyId: keyId, Limit }));
        assert.deepEqual(out.PolicyNames, ["default"]);
        assert.equal(out.Truncated, false);
        assert.equal(out.NextMarker, undefined);
      }
    });

    it("works in any key state and needs the key", async () => {
      const keyId = await newKey();
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
      const out = await kms.send(new ListKeyPoliciesCommand({ KeyId: keyArn(keyId) }));
      assert.deepEqual(out.PolicyNames, ["default"]);
      const missing = "0b8e9a3c-5a3c-4c1e-9d37-3f4f1d2c9e10";
      await rejectsWith(
        kms.send(new ListKeyPoliciesCommand({ KeyId: missing })),
        "NotFoundException",
        `Key '${keyArn(missing)}' does not exist`,
      );
    });

    it("refuses a marker it did not issue", async () => {
      const keyId = await newKey();
      await rejectsWith(
        kms.send(new ListKeyPoliciesCommand({ KeyId: keyId, Marker: "bogus" })),
        "InvalidMarkerException",
        "The marker that specifies where pagination continues is not valid.",
      );
    });
  });
});
