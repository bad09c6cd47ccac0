import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { GenerateRandomCommand, KMSServiceException } from "@aws-sdk/client-kms";
import { notImplemented } from "../../src/operations/operation.js";
import { createSystemRandom } from "../../src/platform/crypto/random.js";
import { KmsError } from "../../src/vocabulary/kms-errors.js";
import { rawKms, startTestTrent, type TestTrent } from "../support/trent.js";

/** Sends a request without fetch's conveniences, for headers fetch would not let us set. */
function post(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString("utf8"),
          headers: res.headers,
        }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("KMS JSON 1.1 protocol", () => {
  let trent: TestTrent;
  before(async () => {
    trent = await startTestTrent({ maxBodyBytes: 64 * 1024 });
  });
  after(() => trent.close());

  it("serves the real SDK and tags every response with a request id", async () => {
    const out = await trent.client().send(new GenerateRandomCommand({ NumberOfBytes: 32 }));
    assert.equal(out.Plaintext?.length, 32);
    assert.match(out.$metadata.requestId ?? "", /^[0-9a-f-]{36}$/);
  });

  it("words a range failure exactly as AWS does", async () => {
    const res = await rawKms(trent.url, "GenerateRandom", '{"NumberOfBytes":0}');
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, {
      __type: "ValidationException",
      message:
        "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
    });
    assert.match(res.headers.get("x-amzn-requestid") ?? "", /^[0-9a-f-]{36}$/);
  });

  it("surfaces validation errors to the SDK with AWS's status", async () => {
    const error = await trent
      .client()
      .send(new GenerateRandomCommand({ NumberOfBytes: 2000 }))
      .catch((e: unknown) => e);
    assert.ok(error instanceof KMSServiceException);
    assert.equal(error.name, "ValidationException");
    assert.equal(error.$metadata.httpStatusCode, 400);
    assert.equal(
      error.message,
      "1 validation error detected: Value '2000' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
    );
  });

  it("counts and joins several validation errors", async () => {
    const res = await rawKms(
      trent.url,
      "GenerateDataKeyPair",
      JSON.stringify({ KeyId: "", KeyPairSpec: "RSA_1024", GrantTokens: ["x", ""] }),
    );
    assert.equal(res.status, 400);
    assert.equal(res.body.__type, "ValidationException");
    assert.equal(
      res.body.message,
      "3 validation errors detected: " +
        "Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value 'RSA_1024' at 'keyPairSpec' failed to satisfy constraint: Member must satisfy enum value set: [RSA_2048, ECC_NIST_P384, ECC_NIST_EDWARDS25519, ECC_NIST_P256, ECC_NIST_P521, RSA_3072, ECC_SECG_P256K1, RSA_4096]; " +
        "Value '' at 'grantTokens.2.member' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it("reports missing required members as null", async () => {
    const res = await rawKms(trent.url, "DescribeKey", "{}");
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, {
      __type: "ValidationException",
      message:
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
    });
  });

  it("never echoes sensitive values in validation errors", async () => {
    const res = await rawKms(
      trent.url,
      "Encrypt",
      JSON.stringify({ KeyId: "alias/x", Plaintext: Buffer.alloc(4097, 7).toString("base64") }),
    );
    assert.equal(res.status, 400);
    assert.equal(
      res.body.message,
      "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
    );
  });

  it("answers SerializationException for bodies that are not a JSON object", async () => {
    for (const body of ["not json", "[1,2]", '"text"', "null", "{"]) {
      const res = await rawKms(trent.url, "GenerateRandom", body);
      assert.equal(res.status, 400, body);
      assert.equal(res.body.__type, "SerializationException", body);
      assert.equal(typeof res.body.message, "string");
    }
  });

  it("answers SerializationException for members of the wrong JSON type", async () => {
    const cases: [string, string][] = [
      ['{"NumberOfBytes":"32"}', "STRING_VALUE can not be converted to an Integer"],
      ['{"NumberOfBytes":1.5}', "NUMBER_VALUE can not be converted to an Integer"],
      ['{"NumberOfBytes":[1]}', "Start of list found where not expected"],
      ['{"NumberOfBytes":{"a":1}}', "Start of structure or map found where not expected."],
    ];
    for (const [body, message] of cases) {
      const res = await rawKms(trent.url, "GenerateRandom", body);
      assert.deepEqual(res.body, { __type: "SerializationException", message }, body);
    }
    const blob = await rawKms(trent.url, "Decrypt", '{"CiphertextBlob":"***"}');
    assert.equal(blob.body.__type, "SerializationException");
  });

  it("treats JSON null members as absent and ignores unknown members", async () => {
    const res = await rawKms(
      trent.url,
      "GenerateRandom",
      '{"NumberOfBytes":8,"Extra":true,"CustomKeyStoreId":null}',
    );
    assert.equal(res.status, 200);
    assert.equal(Buffer.from(String(res.body.Plaintext), "base64").length, 8);
  });

  it("rejects unknown and missing targets with UnknownOperationException", async () => {
    const res = await rawKms(trent.url, "NoSuchOperation", "{}");
    assert.equal(res.status, 400);
    assert.equal(res.body.__type, "UnknownOperationException");
    const other = await post(
      trent.url,
      {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "OtherService.GenerateRandom",
      },
      Buffer.from("{}"),
    );
    assert.equal(JSON.parse(other.body).__type, "UnknownOperationException");
    const none = await post(
      trent.url,
      { "content-type": "application/x-amz-json-1.1" },
      Buffer.from("{}"),
    );
    assert.equal(JSON.parse(none.body).__type, "UnknownOperationException");
  });

  it("accepts the JSON content types and refuses others", async () => {
    for (const type of [
      "application/x-amz-json-1.1",
      "application/x-amz-json-1.0",
      "application/json; charset=utf-8",
    ]) {
      const res = await rawKms(trent.url, "GenerateRandom", '{"NumberOfBytes":4}', {
        "content-type": type,
      });
      assert.equal(res.status, 200, type);
    }
    const res = await rawKms(trent.url, "GenerateRandom", '{"NumberOfBytes":4}', {
      "content-type": "text/plain",
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.__type, "SerializationException");
  });

  it("refuses bodies over the limit without buffering them", async () => {
    const big = Buffer.alloc(200 * 1024, 0x20);
    const res = await post(
      trent.url,
      {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "TrentService.GenerateRandom",
        "content-length": String(big.length),
      },
      big,
    );
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.body).__type, "RequestEntityTooLargeException");
    assert.ok(res.headers["x-amzn-requestid"]);
    // The server is still healthy afterwards.
    const ok = await rawKms(trent.url, "GenerateRandom", '{"NumberOfBytes":4}');
    assert.equal(ok.status, 200);
  });

  it("answers unimplemented operations with a documented error, never a silent success", async () => {
    // Every KMS operation is implemented now, so the fallback is checked directly.
    await assert.rejects(
      notImplemented("DeleteCustomKeyStore").handle({}, undefined as never),
      (error: unknown) =>
        error instanceof KmsError && error.type === "UnsupportedOperationException",
    );
  });

  it("serves a health check", async () => {
    const res = await fetch(`${trent.url}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: "ok" });
  });
});

describe("unexpected failures", () => {
  it("become KMSInternalException (500) without internals on the wire", async () => {
    const logged: string[] = [];
    // An entropy source that fails underneath a running server.
    const failingRandom = {
      uuid: createSystemRandom().uuid,
      bytes: (): Uint8Array => {
        throw new Error("entropy source failed in /secret/path/random.ts");
      },
    };
    const trent = await startTestTrent({}, { log: (m) => logged.push(m), random: failingRandom });
    try {
      const res = await rawKms(trent.url, "GenerateRandom", '{"NumberOfBytes":16}');
      assert.equal(res.status, 500);
      assert.equal(res.body.__type, "KMSInternalException");
      assert.doesNotMatch(String(res.body.message), /secret|random\.ts|Error:/);
      assert.equal(logged.length, 1);
      assert.match(logged[0] ?? "", /failed unexpectedly/);
      // The server keeps serving.
      const health = await fetch(`${trent.url}/health`);
      assert.equal(health.status, 200);
    } finally {
      await trent.close();
    }
  });
});

describe("map members", () => {
  it("keep a key named __proto__ as an ordinary entry", async () => {
    const trent = await startTestTrent();
    try {
      const created = await rawKms(trent.url, "CreateKey", "{}");
      const keyId = (created.body.KeyMetadata as { KeyId: string }).KeyId;
      const encrypted = await rawKms(
        trent.url,
        "Encrypt",
        JSON.stringify({
          KeyId: keyId,
          Plaintext: "aGVsbG8=",
          EncryptionContext: JSON.parse('{"__proto__":"x"}'),
        }),
      );
      assert.equal(encrypted.status, 200);
      const withoutContext = await rawKms(
        trent.url,
        "Decrypt",
        JSON.stringify({ CiphertextBlob: encrypted.body.CiphertextBlob }),
      );
      assert.equal(withoutContext.body.__type, "InvalidCiphertextException");
      const withContext = await rawKms(
        trent.url,
        "Decrypt",
        `{"CiphertextBlob":${JSON.stringify(encrypted.body.CiphertextBlob)},"EncryptionContext":{"__proto__":"x"}}`,
      );
      assert.equal(withContext.status, 200);
      assert.equal(withContext.body.Plaintext, "aGVsbG8=");
    } finally {
      await trent.close();
    }
  });
});
