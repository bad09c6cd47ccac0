import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { GenerateRandomCommand } from "@aws-sdk/client-kms";
import { rawKms, startTestTrent, type TestTrent } from "../support/trent.js";

describe("protocol", () => {
  let trent: TestTrent;
  before(async () => {
    trent = await startTestTrent();
  });
  after(() => trent.close());

  it("serves GenerateRandom to the real SDK", async () => {
    const out = await trent.client().send(new GenerateRandomCommand({ NumberOfBytes: 32 }));
    assert.equal(out.Plaintext?.length, 32);
  });

  it("words range failures as AWS does", async () => {
    const res = await rawKms(trent.url, "GenerateRandom", '{"NumberOfBytes":0}');
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, {
      __type: "ValidationException",
      message:
        "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
    });
    assert.ok(res.headers.get("x-amzn-requestid"));
  });

  it("rejects unknown targets", async () => {
    const res = await rawKms(trent.url, "Nope", "{}");
    assert.equal(res.status, 400);
    assert.equal(res.body.__type, "UnknownOperationException");
  });
});
