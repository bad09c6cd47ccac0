import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type SigningIdentity, verifySigV4 } from "../../src/core/auth/sigv4.js";
import {
  canonicalHeaderValue,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  constantTimeEqual,
  headerLists,
  hmacSha256,
  parseAmzDate,
  type SignedHttpRequest,
  signingKey,
  stringToSign,
} from "../../src/platform/crypto/sigv4.js";
import { KmsError } from "../../src/vocabulary/kms-errors.js";
import { oracleSign, type RequestToSign, type SignedRequest } from "../support/sigv4-oracle.js";

const now = new Date("2024-01-01T00:25:00Z");
const alice = {
  accessKeyId: "AKIAALICE0000000001",
  secretAccessKey: "alice-secret-access-key-0001",
};
const session = {
  accessKeyId: "ASIASESSION00000001",
  secretAccessKey: "session-secret-access-key-01",
  sessionToken: "FwoGZXIvYXdzEXAMPLE//session+token=",
};

interface TestIdentity extends SigningIdentity {
  readonly name: string;
}

const identities = new Map<string, TestIdentity>([
  [
    alice.accessKeyId,
    { name: "alice", secretAccessKey: alice.secretAccessKey, sessionToken: undefined },
  ],
  [
    session.accessKeyId,
    {
      name: "session",
      secretAccessKey: session.secretAccessKey,
      sessionToken: session.sessionToken,
    },
  ],
]);

const kmsHeaders = {
  host: "localhost:4000",
  "content-type": "application/x-amz-json-1.1",
  "x-amz-target": "TrentService.GenerateRandom",
};

function toWire(signed: SignedRequest, extra: [string, string][] = []): SignedHttpRequest {
  return {
    method: signed.method,
    url: signed.url,
    rawHeaders: [...Object.entries(signed.headers).flat(), ...extra.flat()],
    body: new TextEncoder().encode(signed.body),
  };
}

function verify(request: SignedHttpRequest, at: Date = now) {
  return verifySigV4(request, {
    now: at,
    service: "kms",
    isValidRegion: (region) => /^[a-z]{2}(-[a-z]+)+-\d+$/.test(region),
    findIdentity: (id) => identities.get(id),
  });
}

function sign(overrides: Partial<RequestToSign> = {}) {
  return oracleSign({
    credentials: alice,
    date: now,
    headers: kmsHeaders,
    body: '{"NumberOfBytes":32}',
    ...overrides,
  });
}

function rejects(request: SignedHttpRequest, type: string, message: string, at: Date = now) {
  assert.throws(
    () => verify(request, at),
    (error: unknown) => {
      assert.ok(error instanceof KmsError, String(error));
      assert.equal(error.type, type);
      assert.equal(error.message, message);
      assert.equal(error.status, 400);
      return true;
    },
  );
}

const mismatch =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const invalidToken = "The security token included in the request is invalid.";
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("SigV4 primitives and canonical forms", () => {
  it("derives the signing key of AWS's documented example", () => {
    const key = signingKey(
      "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      "20120215",
      "us-east-1",
      "iam",
    );
    assert.equal(hex(key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
  });

  it("reproduces the get-vanilla case of AWS's SigV4 test suite", () => {
    const request: SignedHttpRequest = {
      method: "GET",
      url: "/",
      rawHeaders: ["Host", "example.amazonaws.com", "X-Amz-Date", "20150830T123600Z"],
      body: new Uint8Array(),
    };
    const canonical = canonicalRequest(
      request,
      headerLists(request.rawHeaders),
      ["host", "x-amz-date"],
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    assert.equal(
      canonical,
      "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    const toSign = stringToSign(
      "20150830T123600Z",
      "20150830/us-east-1/service/aws4_request",
      canonical,
    );
    const key = signingKey(
      "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      "20150830",
      "us-east-1",
      "service",
    );
    assert.equal(
      hex(hmacSha256(key, new TextEncoder().encode(toSign))),
      "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    );
  });

  it("normalizes and double-encodes the path of non-S3 services", () => {
    assert.equal(canonicalUri(""), "/");
    assert.equal(canonicalUri("/"), "/");
    assert.equal(canonicalUri("//"), "/");
    assert.equal(canonicalUri("/./"), "/");
    assert.equal(canonicalUri("/example/.."), "/");
    assert.equal(canonicalUri("/example1/example2/../.."), "/");
    assert.equal(canonicalUri("/./example"), "/example");
    assert.equal(canonicalUri("//example//"), "/example/");
    assert.equal(canonicalUri("/example%20space/"), "/example%2520space/");
  });

  it("sorts, decodes and re-encodes query parameters", () => {
    assert.equal(canonicalQueryString(""), "");
    assert.equal(
      canonicalQueryString("Param2=value2&Param1=value1"),
      "Param1=value1&Param2=value2",
    );
    assert.equal(
      canonicalQueryString("Param1=value2&Param1=Value1"),
      "Param1=Value1&Param1=value2",
    );
    assert.equal(canonicalQueryString("Param1"), "Param1=");
    assert.equal(canonicalQueryString("a=b&&c=d"), "a=b&c=d");
    assert.equal(canonicalQueryString("sp=a%20b&star=*&tilde=~"), "sp=a%20b&star=%2A&tilde=~");
    assert.equal(canonicalQueryString("utf8=%E1%88%B4"), "utf8=%E1%88%B4");
    assert.equal(canonicalQueryString("plus=a+b"), "plus=a%2Bb");
  });

  it("trims header values, collapses inner whitespace and joins repeats with commas in order", () => {
    assert.equal(canonicalHeaderValue(["  value1  "]), "value1");
    assert.equal(canonicalHeaderValue(['"a   b   c"']), '"a b c"');
    assert.equal(canonicalHeaderValue(["value2", "value2", "value1"]), "value2,value2,value1");
    assert.equal(
      canonicalHeaderValue(["value4", "value1", "value3", "value2"]),
      "value4,value1,value3,value2",
    );
  });

  it("reads only real ISO-8601 basic timestamps", () => {
    assert.deepEqual(parseAmzDate("20150830T123600Z"), new Date("2015-08-30T12:36:00Z"));
    assert.equal(parseAmzDate("2015-08-30T12:36:00Z"), undefined);
    assert.equal(parseAmzDate("20150230T123600Z"), undefined);
    assert.equal(parseAmzDate("20150830T123600"), undefined);
  });

  it("compares in constant time and never equal across lengths", () => {
    assert.equal(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)), true);
    assert.equal(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3)), false);
    assert.equal(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 3)), false);
  });
});

describe("SigV4 verification against the AWS SDK's signer", () => {
  it("accepts a KMS request signed by the SDK signer", async () => {
    const verified = verify(toWire(await sign()));
    assert.equal(verified.identity.name, "alice");
    assert.equal(verified.accessKeyId, alice.accessKeyId);
    assert.equal(verified.region, "us-east-1");
  });

  it("takes the region from the credential scope", async () => {
    const verified = verify(toWire(await sign({ region: "eu-west-3" })));
    assert.equal(verified.region, "eu-west-3");
  });

  it("accepts temporary credentials carrying their session token", async () => {
    const verified = verify(toWire(await sign({ credentials: session })));
    assert.equal(verified.identity.name, "session");
  });

  it("accepts query parameters in any wire order, with reserved and non-ASCII characters", async () => {
    const signed = await sign({
      query: [
        ["zeta", "last"],
        ["alpha", "a b+c/d"],
        ["alpha", "*(x)!'"],
        ["ünï", "ሴ"],
        ["empty", ""],
      ],
    });
    verify(toWire(signed));
  });

  it("accepts header values with runs of spaces and surrounding whitespace", async () => {
    verify(
      toWire(
        await sign({
          headers: { ...kmsHeaders, "x-amz-meta-note": '  "a   b   c"  ', "My-Header1": "value1" },
        }),
      ),
    );
  });

  it("accepts a repeated header, signed as its values joined by commas in order", async () => {
    const signed = await sign({ headers: { ...kmsHeaders, "my-header1": "value2,value2,value1" } });
    const headers = Object.entries(signed.headers).filter(([name]) => name !== "my-header1");
    const request: SignedHttpRequest = {
      ...toWire(signed),
      rawHeaders: [
        ...headers.flat(),
        "My-Header1",
        "value2",
        "My-Header1",
        "value2",
        "My-Header1",
        "value1",
      ],
    };
    verify(request);
    // The same values in another order are another request.
    const reordered: SignedHttpRequest = {
      ...request,
      rawHeaders: [
        ...headers.flat(),
        "My-Header1",
        "value1",
        "My-Header1",
        "value2",
        "My-Header1",
        "value2",
      ],
    };
    rejects(reordered, "InvalidSignatureException", mismatch);
  });

  it("ignores headers a proxy adds without signing them", async () => {
    const signed = await sign();
    verify(
      toWire(signed, [
        ["X-Forwarded-For", "203.0.113.7"],
        ["Via", "1.1 proxy"],
        ["X-Amzn-Trace-Id", "Root=1-abc"],
      ]),
    );
  });

  it("accepts headers the client chose not to sign changing in transit", async () => {
    const signed = await sign({
      headers: { ...kmsHeaders, "user-agent": "sdk/1" },
      unsigned: ["user-agent"],
    });
    assert.doesNotMatch(signed.headers.authorization!, /user-agent/);
    verify(toWire({ ...signed, headers: { ...signed.headers, "user-agent": "changed/2" } }));
  });

  it("accepts a path the signer normalized", async () => {
    const signed = await sign({ path: "/a/./b/../c/" });
    verify(toWire(signed));
  });

  it("accepts commas without spaces between the Authorization parameters", async () => {
    const signed = await sign();
    const compact = signed.headers.authorization!.replace(/, /g, ",");
    verify(toWire({ ...signed, headers: { ...signed.headers, authorization: compact } }));
  });

  it("accepts the Date header in place of X-Amz-Date", async () => {
    // The date is part of the string to sign whichever header carries it.
    const signed = await sign({ unsigned: ["x-amz-date"] });
    const { "x-amz-date": amzDate, ...headers } = signed.headers;
    assert.equal(amzDate, "20240101T002500Z");
    verify(toWire({ ...signed, headers: { ...headers, date: amzDate } }));
  });
});

describe("SigV4 verification failures, in AWS's words", () => {
  it("asks for authentication when there is no Authorization header", async () => {
    const signed = await sign();
    const { authorization: _removed, ...headers } = signed.headers;
    rejects(
      toWire({ ...signed, headers }),
      "MissingAuthenticationTokenException",
      "Request is missing Authentication Token",
    );
  });

  it("refuses a tampered body", async () => {
    const signed = await sign();
    rejects(
      toWire({ ...signed, body: '{"NumberOfBytes":1024}' }),
      "InvalidSignatureException",
      mismatch,
    );
  });

  it("refuses a tampered signed header", async () => {
    const signed = await sign();
    rejects(
      toWire({
        ...signed,
        headers: { ...signed.headers, "x-amz-target": "TrentService.ScheduleKeyDeletion" },
      }),
      "InvalidSignatureException",
      mismatch,
    );
  });

  it("refuses a signed header removed in transit", async () => {
    const signed = await sign();
    const { "x-amz-target": _removed, ...headers } = signed.headers;
    rejects(toWire({ ...signed, headers }), "InvalidSignatureException", mismatch);
  });

  it("refuses a query parameter added in transit", async () => {
    const signed = await sign();
    rejects(toWire({ ...signed, url: "/?extra=1" }), "InvalidSignatureException", mismatch);
  });

  it("refuses a signature made with another secret", async () => {
    const signed = await sign({
      credentials: { ...alice, secretAccessKey: "not-alices-secret-at-all" },
    });
    rejects(toWire(signed), "InvalidSignatureException", mismatch);
  });

  it("refuses an x-amz-content-sha256 that is not the body's hash", async () => {
    const signed = await sign({
      headers: { ...kmsHeaders, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    });
    rejects(toWire(signed), "InvalidSignatureException", mismatch);
  });

  it("does not know an unknown access key", async () => {
    const signed = await sign({ credentials: { ...alice, accessKeyId: "AKIANOBODY000000001" } });
    rejects(toWire(signed), "UnrecognizedClientException", invalidToken);
  });

  it("refuses a wrong, missing or unexpected session token", async () => {
    rejects(
      toWire(
        await sign({ credentials: { ...session, sessionToken: "FwoGZXIvYXdzEXAMPLE//other" } }),
      ),
      "UnrecognizedClientException",
      invalidToken,
    );
    rejects(
      toWire(
        await sign({
          credentials: {
            accessKeyId: session.accessKeyId,
            secretAccessKey: session.secretAccessKey,
          },
        }),
      ),
      "UnrecognizedClientException",
      invalidToken,
    );
    rejects(
      toWire(await sign({ credentials: { ...alice, sessionToken: "a-token-alice-never-had" } })),
      "UnrecognizedClientException",
      invalidToken,
    );
  });

  it("refuses a date more than 15 minutes old, or ahead", async () => {
    rejects(
      toWire(await sign({ date: new Date("2024-01-01T00:00:00Z") })),
      "InvalidSignatureException",
      "Signature expired: 20240101T000000Z is now earlier than 20240101T001000Z (20240101T002500Z - 15 min.)",
    );
    rejects(
      toWire(await sign({ date: new Date("2024-01-01T00:50:00Z") })),
      "InvalidSignatureException",
      "Signature not yet current: 20240101T005000Z is still later than 20240101T004000Z (20240101T002500Z + 15 min.)",
    );
    // Exactly at the edges is still in time.
    verify(toWire(await sign({ date: new Date("2024-01-01T00:10:00Z") })));
    verify(toWire(await sign({ date: new Date("2024-01-01T00:40:00Z") })));
  });

  it("refuses a scope naming an invalid region or another service, all problems at once", async () => {
    rejects(
      toWire(await sign({ region: "moon" })),
      "InvalidSignatureException",
      "Credential should be scoped to a valid region. ",
    );
    rejects(
      toWire(await sign({ service: "s3" })),
      "InvalidSignatureException",
      "Credential should be scoped to correct service: 'kms'. ",
    );
    rejects(
      toWire(await sign({ region: "moon", service: "s3" })),
      "InvalidSignatureException",
      "Credential should be scoped to a valid region. Credential should be scoped to correct service: 'kms'. ",
    );
  });

  it("refuses a scope whose date or terminator does not match", async () => {
    const signed = await sign();
    const authorization = signed.headers.authorization!;
    rejects(
      toWire({
        ...signed,
        headers: {
          ...signed.headers,
          authorization: authorization.replace("/20240101/", "/20231231/"),
        },
      }),
      "InvalidSignatureException",
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20231231' != '20240101', from '20240101T002500Z'. ",
    );
    rejects(
      toWire({
        ...signed,
        headers: {
          ...signed.headers,
          authorization: authorization.replace("/aws4_request", "/aws5_request"),
        },
      }),
      "InvalidSignatureException",
      "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ",
    );
  });

  it("insists that host is signed", async () => {
    const { host: _host, ...withoutHost } = kmsHeaders;
    const signed = await sign({ headers: withoutHost });
    assert.doesNotMatch(signed.headers.authorization!, /host/);
    rejects(
      toWire({ ...signed, headers: { ...signed.headers, host: "localhost:4000" } }),
      "InvalidSignatureException",
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
  });

  it("explains malformed Authorization headers", async () => {
    const signed = await sign();
    const withAuthorization = (authorization: string) =>
      toWire({ ...signed, headers: { ...signed.headers, authorization } });
    rejects(
      withAuthorization("AWS4-HMAC-SHA256 Signature=abc"),
      "IncompleteSignatureException",
      "Authorization header requires 'Credential' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256",
    );
    rejects(
      withAuthorization("Bearer eyJhbGciOi"),
      "IncompleteSignatureException",
      "Unsupported AWS 'algorithm': 'Bearer'.",
    );
    rejects(
      withAuthorization("AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders"),
      "IncompleteSignatureException",
      "'SignedHeaders' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders'",
    );
    rejects(
      withAuthorization(
        "AWS4-HMAC-SHA256 Credential=AKIAALICE0000000001/20240101/us-east-1/kms, SignedHeaders=host, Signature=00",
      ),
      "IncompleteSignatureException",
      "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIAALICE0000000001/20240101/us-east-1/kms'",
    );
  });

  it("asks for a date header, and for the basic ISO-8601 format", async () => {
    const signed = await sign();
    const { "x-amz-date": _date, ...headers } = signed.headers;
    rejects(
      toWire({ ...signed, headers }),
      "IncompleteSignatureException",
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256",
    );
    rejects(
      toWire({ ...signed, headers: { ...headers, "x-amz-date": "2024-01-01T00:25:00Z" } }),
      "IncompleteSignatureException",
      "Date must be in ISO-8601 'basic format'. Got '2024-01-01T00:25:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
    );
  });

  it("checks the clock before the credential, as AWS does", async () => {
    const stale = await sign({
      date: new Date("2023-06-01T00:00:00Z"),
      region: "moon",
      credentials: { ...alice, accessKeyId: "AKIANOBODY000000001" },
    });
    rejects(
      toWire(stale),
      "InvalidSignatureException",
      "Signature expired: 20230601T000000Z is now earlier than 20240101T001000Z (20240101T002500Z - 15 min.)",
    );
  });

  it("refuses query-string (presigned) authentication", async () => {
    const signed = await sign();
    const { authorization: _removed, ...headers } = signed.headers;
    const presigned: SignedHttpRequest = {
      ...toWire({ ...signed, headers }),
      url: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAALICE0000000001%2F20240101%2Fus-east-1%2Fkms%2Faws4_request&X-Amz-Signature=00",
    };
    rejects(
      presigned,
      "IncompleteSignatureException",
      "Query-string (presigned) authentication is not supported by Trent; sign KMS requests with an Authorization header.",
    );
    rejects({ ...toWire(signed), url: presigned.url }, "InvalidSignatureException", mismatch);
  });
});
