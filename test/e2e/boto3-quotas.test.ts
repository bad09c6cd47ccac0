/**
 * TRENT_QUOTAS=aws seen by boto3 with retries off: AWS's CreateKey quota (5 a second) answers
 * the sixth request of a second with ThrottlingException as botocore parses it (code, message,
 * status 400), other quotas are untouched, and botocore's retry logic classes the error as
 * throttling. The clock is the test's, so a "second" lasts until the test moves it.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { throttlingMessage } from "../../src/vocabulary/throttling.js";
import { awsClientEnv } from "../support/aws-clients.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const run = promisify(execFile);

const script = `
import json, sys, boto3, botocore
from botocore.config import Config
from botocore.retries.standard import RetryContext, ThrottledRetryableChecker

kms = boto3.client("kms", endpoint_url=sys.argv[1],
                   config=Config(retries={"mode": "standard", "total_max_attempts": 1}))
out = {"created": 0}
for i in range(int(sys.argv[2])):
    try:
        key = kms.create_key()["KeyMetadata"]
        out["created"] += 1
        out["last"] = key["KeyId"]
    except botocore.exceptions.ClientError as e:
        out["error"] = [e.response["Error"]["Code"], e.response["Error"]["Message"],
                        e.response["ResponseMetadata"]["HTTPStatusCode"]]
        context = RetryContext(attempt_number=1, parsed_response=e.response)
        out["throttling"] = ThrottledRetryableChecker().is_retryable(context)
if "last" in out:
    out["described"] = kms.describe_key(KeyId=out["last"])["KeyMetadata"]["KeyId"] == out["last"]
print(json.dumps(out))
`;

describe("request quotas through boto3", () => {
  let now = Date.parse("2026-03-01T12:00:00Z");
  let trent: TestTrent;
  before(async () => {
    trent = await startTestTrent({ quotas: "aws" }, { clock: { now: () => new Date(now) } });
  });
  after(() => trent.close());

  const python = async (requests: number) => {
    const { stdout } = await run("python3", ["-c", script, trent.url, String(requests)], {
      env: awsClientEnv,
      timeout: 60_000,
    });
    return JSON.parse(stdout) as {
      created: number;
      error?: [string, string, number];
      throttling?: boolean;
      described?: boolean;
    };
  };

  it("answers the sixth CreateKey of a second ThrottlingException, none under the quota", async () => {
    const under = await python(5);
    assert.deepEqual(under, {
      created: 5,
      last: (under as { last?: string }).last,
      described: true,
    });
    now += 1000;
    const over = await python(7);
    assert.equal(over.created, 5);
    assert.deepEqual(over.error, ["ThrottlingException", throttlingMessage, 400]);
    assert.equal(over.throttling, true, "botocore's retry logic sees a throttling error");
    assert.equal(over.described, true, "DescribeKey has its own quota");
  });
});
