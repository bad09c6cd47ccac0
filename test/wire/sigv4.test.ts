/**
 * sigv4 mode end to end: the AWS SDK v3, boto3 and the AWS CLI sign with credentials from a
 * credentials file and get through; forged, stale, mis-scoped or unsigned requests get AWS's
 * exact error, status and message, before Trent looks at the body.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  GenerateRandomCommand,
  KMSClient,
} from "@aws-sdk/client-kms";
import { startTrent } from "../../src/app.js";
import { ConfigError, withDefaults } from "../../src/vocabulary/config.js";
import { isolatedAwsConfig } from "../support/aws-clients.js";
import { failure } from "../support/kms-errors.js";
import { type OracleCredentials, oracleSign, type RequestToSign } from "../support/sigv4-oracle.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const run = promisify(execFile);

const alice = {
  accessKeyId: "AKIAALICE0000000001",
  secretAccessKey: "alice-secret-access-key-0001",
};
const deployer = {
  accessKeyId: "ASIADEPLOYER0000001",
  secretAccessKey: "deployer-secret-access-key-1",
  sessionToken: "FwoGZXIvYXdzEXAMPLE//deployer+session=",
};
const china = {
  accessKeyId: "AKIACHINA0000000001",
  secretAccessKey: "china-secret-access-key-0001",
};

const credentialsYaml = `identities:
  - accessKeyId: ${alice.accessKeyId}
    secretAccessKey: "${alice.secretAccessKey}"
    accountId: "111122223333"
    arn: arn:aws:iam::111122223333:user/alice
  - accessKeyId: ${deployer.accessKeyId}
    secretAccessKey: "${deployer.secretAccessKey}"
    sessionToken: "${deployer.sessionToken}"
    accountId: "444455556666"
    arn: arn:aws:sts::444455556666:assumed-role/deployer/ci-run-42
  - accessKeyId: ${china.accessKeyId}
    secretAccessKey: "${china.secretAccessKey}"
    accountId: "555566667777"
    arn: arn:aws-cn:iam::555566667777:role/app
`;

const mismatch =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const invalidToken = "The security token included in the request is invalid.";

const cliEnv = isolatedAwsConfig;

interface RawResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Sends exactly the given headers (Host included), which fetch would not allow. */
function send(
  url: string,
  signed: { method: string; url: string; headers: Record<string, string>; body: string },
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        hostname,
        port,
        method: signed.method,
        path: signed.url,
        headers: { ...signed.headers, "content-length": Buffer.byteLength(signed.body) },
        setHost: !Object.keys(signed.headers).some((name) => name.toLowerCase() === "host"),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}"),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(signed.body);
  });
}

describe("sigv4 mode", () => {
  let trent: TestTrent;
  let dir: string;
  let host: string;
  // Trent's clock is pinned so messages that quote it are exact; it is within seconds of the
  // real clock the SDKs sign with.
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const clients: KMSClient[] = [];

  function client(credentials: OracleCredentials, region = "us-east-1"): KMSClient {
    const c = new KMSClient({ endpoint: trent.url, region, credentials, maxAttempts: 1 });
    clients.push(c);
    return c;
  }

  function sign(overrides: Partial<RequestToSign> = {}) {
    return oracleSign({
      credentials: alice,
      date: now,
      headers: {
        host,
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "TrentService.GenerateRandom",
      },
      body: '{"NumberOfBytes":16}',
      ...overrides,
    });
  }

  async function rejected(
    response: Promise<RawResponse>,
    type: string,
    message: string,
  ): Promise<void> {
    assert.deepEqual(await response, { status: 400, body: { __type: type, message } });
  }

  const stamp = (date: Date) => `${date.toISOString().slice(0, 19).replace(/[-:]/g, "")}Z`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "trent-sigv4-"));
    const credentialsFile = join(dir, "credentials.yaml");
    writeFileSync(credentialsFile, credentialsYaml, { mode: 0o600 });
    trent = await startTestTrent(
      { authMode: "sigv4", credentialsFile },
      { clock: { now: () => now } },
    );
    host = new URL(trent.url).host;
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await trent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe("the AWS SDK v3 with configured credentials", () => {
    it("calls GenerateRandom as an IAM user", async () => {
      const out = await client(alice).send(new GenerateRandomCommand({ NumberOfBytes: 24 }));
      assert.equal(out.Plaintext?.length, 24);
    });

    it("calls with temporary credentials, in the signer's account and region", async () => {
      const kms = client(deployer, "eu-west-1");
      const created = await kms.send(new CreateKeyCommand({ Description: "deployer key" }));
      assert.equal(created.KeyMetadata?.AWSAccountId, "444455556666");
      assert.match(
        created.KeyMetadata?.Arn ?? "",
        /^arn:aws:kms:eu-west-1:444455556666:key\/[0-9a-f-]{36}$/,
      );
      const described = await kms.send(
        new DescribeKeyCommand({ KeyId: created.KeyMetadata?.KeyId }),
      );
      assert.equal(described.KeyMetadata?.Arn, created.KeyMetadata?.Arn);
    });

    it("keeps an aws-cn identity to the China regions", async () => {
      const created = await client(china, "cn-north-1").send(new CreateKeyCommand({}));
      assert.match(created.KeyMetadata?.Arn ?? "", /^arn:aws-cn:kms:cn-north-1:555566667777:key\//);
      assert.deepEqual(
        await failure(client(china).send(new GenerateRandomCommand({ NumberOfBytes: 8 }))),
        { name: "UnrecognizedClientException", message: invalidToken, status: 400 },
      );
    });

    it("refuses a wrong secret, an unknown key and a wrong or missing session token", async () => {
      const cases: [OracleCredentials, string, string][] = [
        [
          { ...alice, secretAccessKey: "not-alices-secret-at-all" },
          "InvalidSignatureException",
          mismatch,
        ],
        [
          { ...alice, accessKeyId: "AKIANOBODY000000001" },
          "UnrecognizedClientException",
          invalidToken,
        ],
        [
          { ...deployer, sessionToken: "FwoGZXIvYXdzEXAMPLE//stolen" },
          "UnrecognizedClientException",
          invalidToken,
        ],
        [
          { accessKeyId: deployer.accessKeyId, secretAccessKey: deployer.secretAccessKey },
          "UnrecognizedClientException",
          invalidToken,
        ],
      ];
      for (const [credentials, name, message] of cases)
        assert.deepEqual(
          await failure(client(credentials).send(new GenerateRandomCommand({ NumberOfBytes: 8 }))),
          { name, message, status: 400 },
          credentials.accessKeyId,
        );
    });
  });

  describe("requests that do not authenticate", () => {
    it("accepts what the SDK signer signs (the baseline for the cases below)", async () => {
      const response = await send(trent.url, await sign());
      assert.equal(response.status, 200);
    });

    it("asks for a signature, before reading the body", async () => {
      const signed = await sign({ body: "{not json" });
      const { authorization: _removed, ...headers } = signed.headers;
      await rejected(
        send(trent.url, { ...signed, headers }),
        "MissingAuthenticationTokenException",
        "Request is missing Authentication Token",
      );
    });

    it("refuses a tampered body, before parsing it", async () => {
      const signed = await sign();
      await rejected(
        send(trent.url, { ...signed, body: '{"NumberOfBytes":1024}' }),
        "InvalidSignatureException",
        mismatch,
      );
      await rejected(
        send(trent.url, { ...signed, body: "{not json" }),
        "InvalidSignatureException",
        mismatch,
      );
    });

    it("refuses a tampered signed header", async () => {
      const signed = await sign();
      await rejected(
        send(trent.url, {
          ...signed,
          headers: { ...signed.headers, "x-amz-target": "TrentService.ListKeys" },
        }),
        "InvalidSignatureException",
        mismatch,
      );
    });

    it("refuses a scope with an invalid region or another service", async () => {
      await rejected(
        send(trent.url, await sign({ region: "moon" })),
        "InvalidSignatureException",
        "Credential should be scoped to a valid region. ",
      );
      await rejected(
        send(trent.url, await sign({ service: "s3" })),
        "InvalidSignatureException",
        "Credential should be scoped to correct service: 'kms'. ",
      );
    });

    it("refuses a stale or future date, quoting its clock", async () => {
      const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
      await rejected(
        send(trent.url, await sign({ date: at(-20) })),
        "InvalidSignatureException",
        `Signature expired: ${stamp(at(-20))} is now earlier than ${stamp(at(-15))} (${stamp(now)} - 15 min.)`,
      );
      await rejected(
        send(trent.url, await sign({ date: at(16) })),
        "InvalidSignatureException",
        `Signature not yet current: ${stamp(at(16))} is still later than ${stamp(at(15))} (${stamp(now)} + 15 min.)`,
      );
    });

    it("insists that host is signed", async () => {
      const signed = await sign({
        headers: {
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": "TrentService.GenerateRandom",
        },
      });
      await rejected(
        send(trent.url, signed),
        "InvalidSignatureException",
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
      );
    });

    it("explains a malformed Authorization header", async () => {
      const signed = await sign();
      await rejected(
        send(trent.url, {
          ...signed,
          headers: { ...signed.headers, authorization: "AWS4-HMAC-SHA256 SignedHeaders=host" },
        }),
        "IncompleteSignatureException",
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256",
      );
    });

    it("refuses presigned (query-string) authentication", async () => {
      const signed = await sign();
      const { authorization: _removed, ...headers } = signed.headers;
      await rejected(
        send(trent.url, {
          ...signed,
          url: `/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${alice.accessKeyId}%2F20240101%2Fus-east-1%2Fkms%2Faws4_request&X-Amz-Signature=00`,
          headers,
        }),
        "IncompleteSignatureException",
        "Query-string (presigned) authentication is not supported by Trent; sign KMS requests with an Authorization header.",
      );
    });

    it("keeps the reset endpoints closed, saying why in a JSON error", async () => {
      const kms = client(alice);
      const created = await kms.send(new CreateKeyCommand({ Description: "outlives reset" }));
      for (const path of ["/_trent/reset", "/moto-api/reset"]) {
        const res = await fetch(`${trent.url}${path}`, { method: "POST" });
        assert.equal(res.status, 404);
        assert.equal(res.headers.get("content-type"), "application/json");
        assert.deepEqual(await res.json(), {
          __type: "UnknownOperationException",
          message: `${path} is only served in open mode (TRENT_AUTH_MODE=open); this server runs in sigv4 mode`,
        });
      }
      const described = await kms.send(
        new DescribeKeyCommand({ KeyId: created.KeyMetadata?.KeyId }),
      );
      assert.equal(described.KeyMetadata?.Description, "outlives reset");
    });
  });

  describe("boto3 and the AWS CLI", () => {
    const boto3Script = `
import json, sys, boto3, botocore
kms = boto3.client("kms", endpoint_url=sys.argv[1], region_name="us-west-2")
out = {"bytes": len(kms.generate_random(NumberOfBytes=12)["Plaintext"])}
bad = boto3.client("kms", endpoint_url=sys.argv[1], region_name="us-west-2",
                   aws_access_key_id="${alice.accessKeyId}", aws_secret_access_key="wrong-secret-key-value")
try:
    bad.generate_random(NumberOfBytes=12)
except botocore.exceptions.ClientError as e:
    out["error"] = [e.response["Error"]["Code"], e.response["Error"]["Message"],
                    e.response["ResponseMetadata"]["HTTPStatusCode"]]
print(json.dumps(out))
`;

    it("serves boto3 with temporary credentials, and refuses a wrong secret", async () => {
      const env = {
        ...process.env,
        ...cliEnv,
        AWS_ACCESS_KEY_ID: deployer.accessKeyId,
        AWS_SECRET_ACCESS_KEY: deployer.secretAccessKey,
        AWS_SESSION_TOKEN: deployer.sessionToken,
      };
      const { stdout } = await run("python3", ["-c", boto3Script, trent.url], { env });
      assert.deepEqual(JSON.parse(stdout), {
        bytes: 12,
        error: ["InvalidSignatureException", mismatch, 400],
      });
    });

    it("serves the AWS CLI, and refuses an unknown key", async () => {
      const args = [
        "kms",
        "generate-random",
        "--number-of-bytes",
        "10",
        "--endpoint-url",
        trent.url,
        "--output",
        "json",
      ];
      const env = {
        ...process.env,
        ...cliEnv,
        AWS_DEFAULT_REGION: "ap-southeast-2",
        AWS_ACCESS_KEY_ID: alice.accessKeyId,
        AWS_SECRET_ACCESS_KEY: alice.secretAccessKey,
      };
      const { stdout } = await run("aws", args, { env });
      assert.equal(Buffer.from(JSON.parse(stdout).Plaintext, "base64").length, 10);

      const unknown = run("aws", args, {
        env: { ...env, AWS_ACCESS_KEY_ID: "AKIANOBODY000000001" },
      });
      await assert.rejects(unknown, (error: { stderr: string; code: number }) => {
        assert.equal(
          error.stderr.trim(),
          `An error occurred (UnrecognizedClientException) when calling the GenerateRandom operation: ${invalidToken}`,
        );
        assert.notEqual(error.code, 0);
        return true;
      });
    });
  });
});

describe("sigv4 and network safety at start-up", () => {
  it("refuses a credentials file with a problem, naming the line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "trent-sigv4-"));
    try {
      const credentialsFile = join(dir, "credentials.yaml");
      writeFileSync(
        credentialsFile,
        credentialsYaml.replace(`    accountId: "444455556666"\n`, ""),
      );
      await assert.rejects(
        startTrent(
          withDefaults({ port: 0, dataDir: ":memory:", authMode: "sigv4", credentialsFile }),
        ),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(
            error.message,
            `${credentialsFile}:6:5: identity ${deployer.accessKeyId} is missing accountId`,
          );
          return true;
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses open mode on all interfaces unless explicitly allowed", async () => {
    await assert.rejects(
      startTrent(withDefaults({ port: 0, dataDir: ":memory:", host: "0.0.0.0" })),
      (error: unknown) =>
        error instanceof ConfigError &&
        /^refusing to listen on 0\.0\.0\.0 in open mode/.test(error.message),
    );
    const trent = await startTrent(
      withDefaults({ port: 0, dataDir: ":memory:", host: "0.0.0.0", allowOpenOnNetwork: true }),
      { log: () => {} },
    );
    await trent.close();
  });
});
