/**
 * Aliases, tags and key policies through boto3 and the AWS CLI, which parse responses with
 * their own code: their paginators (Marker/NextMarker/Truncated), timestamps, and the error
 * codes and messages they report, including errors that have no message.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { awsClientEnv } from "../support/aws-clients.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const run = promisify(execFile);

const env = awsClientEnv;

const boto3Script = `
import json, sys, boto3, botocore
kms = boto3.client("kms", endpoint_url=sys.argv[1])
out = {}
def error(call, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as e:
        return [e.response["Error"]["Code"], e.response["Error"]["Message"],
                e.response["ResponseMetadata"]["HTTPStatusCode"]]
key = kms.create_key(Tags=[{"TagKey": "t%d" % i, "TagValue": "v"} for i in range(5)])["KeyMetadata"]
for i in range(5):
    kms.create_alias(AliasName="alias/boto3-%d" % i, TargetKeyId=key["KeyId"])
pages = kms.get_paginator("list_aliases").paginate(PaginationConfig={"PageSize": 2})
out["aliasPages"] = [[a["AliasName"] for a in page["Aliases"]] for page in pages]
first = kms.list_aliases(KeyId=key["Arn"])["Aliases"][0]
out["aliasDates"] = [type(first["CreationDate"]).__name__, first["CreationDate"] == first["LastUpdatedDate"]]
pages = kms.get_paginator("list_resource_tags").paginate(KeyId=key["KeyId"], PaginationConfig={"PageSize": 3})
out["tagPages"] = [[t["TagKey"] for t in page["Tags"]] for page in pages]
out["policyNames"] = [n for page in kms.get_paginator("list_key_policies").paginate(KeyId=key["KeyId"]) for n in page["PolicyNames"]]
out["reserved"] = error(kms.create_alias, AliasName="alias/aws/mine", TargetKeyId=key["KeyId"])
out["taken"] = error(kms.create_alias, AliasName="alias/boto3-0", TargetKeyId=key["KeyId"])
out["reservedTag"] = error(kms.tag_resource, KeyId=key["KeyId"], Tags=[{"TagKey": "aws:x", "TagValue": ""}])
out["notJson"] = error(kms.put_key_policy, KeyId=key["KeyId"], PolicyName="default", Policy="nope")
out["policyName"] = error(kms.get_key_policy, KeyId=key["KeyId"], PolicyName="other")
print(json.dumps(out))
`;

describe("aliases, tags and key policies through boto3 and the AWS CLI", () => {
  let trent: TestTrent;
  before(async () => {
    trent = await startTestTrent();
  });
  after(() => trent.close());

  it("serves boto3's paginators and error parsing", async () => {
    const { stdout } = await run("python3", ["-c", boto3Script, trent.url], { env });
    const out = JSON.parse(stdout);
    // Pages of two, the predefined alias/aws/ aliases (14, sorting first) included.
    const pages: string[][] = out.aliasPages;
    assert.equal(pages.length, Math.ceil((5 + 14) / 2));
    assert.ok(pages.every((page) => page.length === 2 || page === pages.at(-1)));
    assert.deepEqual(
      pages.flat().filter((name) => !name.startsWith("alias/aws/")),
      ["alias/boto3-0", "alias/boto3-1", "alias/boto3-2", "alias/boto3-3", "alias/boto3-4"],
    );
    assert.deepEqual(out.aliasDates, ["datetime", true]);
    assert.deepEqual(out.tagPages, [
      ["t0", "t1", "t2"],
      ["t3", "t4"],
    ]);
    assert.deepEqual(out.policyNames, ["default"]);
    assert.deepEqual(out.reserved, ["NotAuthorizedException", "", 400]);
    assert.deepEqual(out.taken, [
      "AlreadyExistsException",
      "An alias with the name arn:aws:kms:us-east-1:111122223333:alias/boto3-0 already exists",
      400,
    ]);
    assert.deepEqual(out.reservedTag, [
      "TagException",
      "Tags beginning with aws: are reserved",
      400,
    ]);
    assert.deepEqual(out.notJson, ["MalformedPolicyDocumentException", "", 400]);
    assert.deepEqual(out.policyName, ["NotFoundException", "No such policy exists", 400]);
  });

  it("serves the AWS CLI: create-alias, list-aliases, tag-resource, get-key-policy", async () => {
    const cli = async (...args: string[]) => {
      const { stdout } = await run(
        "aws",
        ["--endpoint-url", trent.url, "--output", "json", "kms", ...args],
        {
          env,
        },
      );
      return stdout.trim() === "" ? {} : JSON.parse(stdout);
    };
    const key = (await cli("create-key")).KeyMetadata;
    await cli("create-alias", "--alias-name", "alias/cli", "--target-key-id", key.KeyId);
    await cli("tag-resource", "--key-id", key.KeyId, "--tags", "TagKey=Project,TagValue=Alpha");
    const aliases = await cli("list-aliases", "--key-id", key.KeyId);
    assert.deepEqual(
      aliases.Aliases.map((a: { AliasName: string; TargetKeyId: string }) => [
        a.AliasName,
        a.TargetKeyId,
      ]),
      [["alias/cli", key.KeyId]],
    );
    const tags = await cli("list-resource-tags", "--key-id", key.Arn);
    assert.deepEqual(tags.Tags, [{ TagKey: "Project", TagValue: "Alpha" }]);
    const policy = await cli("get-key-policy", "--key-id", key.KeyId, "--policy-name", "default");
    assert.equal(policy.PolicyName, "default");
    assert.equal(
      JSON.parse(policy.Policy).Statement[0].Principal.AWS,
      "arn:aws:iam::111122223333:root",
    );
    await assert.rejects(
      run(
        "aws",
        ["--endpoint-url", trent.url, "kms", "delete-alias", "--alias-name", "alias/aws/s3"],
        {
          env,
        },
      ),
      (error: { stderr: string }) => {
        assert.match(
          error.stderr,
          /\(NotAuthorizedException\) when calling the DeleteAlias operation/,
        );
        return true;
      },
    );
  });
});
