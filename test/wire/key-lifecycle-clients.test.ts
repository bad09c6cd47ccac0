/**
 * The key lifecycle through boto3 and the AWS CLI, which parse responses with their own code:
 * timestamps, paginators (ListKeys Marker/Truncated) and error codes must suit them too.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { testCredentials } from "../support/aws-clients.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const run = promisify(execFile);

const credentials = testCredentials;

const boto3Script = `
import json, sys, boto3, botocore
kms = boto3.client("kms", endpoint_url=sys.argv[1])
out = {}
created = [kms.create_key(Description="boto3 %d" % i)["KeyMetadata"] for i in range(3)]
out["created"] = [m["KeyId"] for m in created]
out["creationDateType"] = type(created[0]["CreationDate"]).__name__
hmac = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
out["hmac"] = {k: hmac.get(k) for k in ("KeySpec", "KeyUsage", "MacAlgorithms", "EncryptionAlgorithms")}
pages = kms.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 2})
out["pages"] = [[k["KeyId"] for k in page["Keys"]] for page in pages]
scheduled = kms.schedule_key_deletion(KeyId=created[0]["KeyId"], PendingWindowInDays=7)
out["scheduled"] = {"KeyId": scheduled["KeyId"], "KeyState": scheduled["KeyState"],
                    "PendingWindowInDays": scheduled["PendingWindowInDays"],
                    "days": (scheduled["DeletionDate"] - created[0]["CreationDate"]).days}
out["cancelled"] = kms.cancel_key_deletion(KeyId=created[0]["KeyId"])["KeyId"]
out["state"] = kms.describe_key(KeyId=created[0]["Arn"])["KeyMetadata"]["KeyState"]
try:
    kms.describe_key(KeyId="alias/missing")
except botocore.exceptions.ClientError as e:
    out["error"] = [e.response["Error"]["Code"], e.response["Error"]["Message"],
                    e.response["ResponseMetadata"]["HTTPStatusCode"]]
print(json.dumps(out))
`;

describe("key lifecycle through boto3 and the AWS CLI", () => {
  let trent: TestTrent;
  const env = { ...process.env, ...credentials };
  before(async () => {
    trent = await startTestTrent();
  });
  after(() => trent.close());

  it("serves boto3: create, paginate, schedule, cancel, describe, errors", async () => {
    const { stdout } = await run("python3", ["-c", boto3Script, trent.url], { env });
    const out = JSON.parse(stdout);
    assert.equal(out.creationDateType, "datetime");
    assert.deepEqual(out.hmac, {
      KeySpec: "HMAC_256",
      KeyUsage: "GENERATE_VERIFY_MAC",
      MacAlgorithms: ["HMAC_SHA_256"],
      EncryptionAlgorithms: null,
    });
    assert.deepEqual(
      out.pages.map((page: string[]) => page.length),
      [2, 2],
    );
    const listed: string[] = out.pages.flat();
    assert.equal(new Set(listed).size, 4);
    for (const id of out.created) assert.ok(listed.includes(id));
    const arn = `arn:aws:kms:us-east-1:111122223333:key/${out.created[0]}`;
    assert.deepEqual(out.scheduled, {
      KeyId: arn,
      KeyState: "PendingDeletion",
      PendingWindowInDays: 7,
      days: 7,
    });
    assert.equal(out.cancelled, arn);
    assert.equal(out.state, "Disabled");
    assert.deepEqual(out.error, [
      "NotFoundException",
      "Alias arn:aws:kms:us-east-1:111122223333:alias/missing is not found.",
      400,
    ]);
  });

  it("serves the AWS CLI: create-key, describe-key and its errors", async () => {
    const cli = (...args: string[]) =>
      run("aws", ["--endpoint-url", trent.url, "--output", "json", "kms", ...args], { env });
    const created = JSON.parse(
      (await cli("create-key", "--key-spec", "ECC_NIST_P384", "--key-usage", "SIGN_VERIFY")).stdout,
    ).KeyMetadata;
    assert.equal(created.KeySpec, "ECC_NIST_P384");
    assert.deepEqual(created.SigningAlgorithms, ["ECDSA_SHA_384"]);
    const described = JSON.parse((await cli("describe-key", "--key-id", created.KeyId)).stdout);
    assert.equal(described.KeyMetadata.Arn, created.Arn);
    await assert.rejects(
      cli("schedule-key-deletion", "--key-id", created.KeyId, "--pending-window-in-days", "40"),
      (error: { stderr: string }) => {
        assert.match(
          error.stderr,
          /An error occurred \(ValidationException\) when calling the ScheduleKeyDeletion operation: PendingWindowInDays must be between 7 and 30/,
        );
        return true;
      },
    );
  });
});
