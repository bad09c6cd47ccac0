/**
 * HTTPS with a test CA made at test time: the real SDK v3 (an https agent trusting the CA),
 * the AWS CLI (--ca-bundle) and boto3 (verify=) talk to Trent over TLS. A key policy that
 * allows Encrypt and Decrypt only with aws:SecureTransport true lets TLS requests through and
 * denies the same requests made over plain HTTP to a second Trent serving the same data
 * directory. On SIGHUP a Trent process reads its certificate again: a kept-alive connection
 * survives, a new connection sees the new certificate, and a broken file keeps the old one.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { TLSSocket } from "node:tls";
import { promisify } from "node:util";
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  KMSClient,
} from "@aws-sdk/client-kms";
import { awsClientEnv } from "../support/aws-clients.js";
import { createTestCa, issueServerCertificate, type TestCa } from "../support/test-ca.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";
import { logLines, startTrentProcess, type TrentProcess } from "../support/trent-process.js";

const run = promisify(execFile);
const account = "111122223333";
const root = `arn:aws:iam::${account}:root`;

/** Encrypt and Decrypt only over TLS; everything else for the account as usual. */
const tlsOnlyPolicy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "Administration",
      Effect: "Allow",
      Principal: { AWS: root },
      Action: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy"],
      Resource: "*",
    },
    {
      Sid: "Cryptography over TLS only",
      Effect: "Allow",
      Principal: { AWS: root },
      Action: ["kms:Encrypt", "kms:Decrypt"],
      Resource: "*",
      Condition: { Bool: { "aws:SecureTransport": "true" } },
    },
  ],
});

function sdk(url: string, ca?: string): KMSClient {
  return new KMSClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDTRENTTEST", secretAccessKey: "trent-test-secret" },
    maxAttempts: 1,
    ...(ca === undefined ? {} : { requestHandler: { httpsAgent: new Agent({ ca }) } }),
  });
}

/** GET `path` through `agent`; resolves with the status, the body and the connection used. */
function get(
  url: string,
  path: string,
  agent: Agent,
): Promise<{ status: number; body: string; reused: boolean; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { agent }, (res) => {
      // Read now: a kept-alive socket leaves the response once it ends.
      const fingerprint = (res.socket as TLSSocket).getPeerX509Certificate()?.fingerprint256;
      let body = "";
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          body,
          reused: req.reusedSocket,
          fingerprint: fingerprint ?? "",
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

const fingerprintOf = (certFile: string) =>
  new X509Certificate(readFileSync(certFile)).fingerprint256;

describe("Trent over HTTPS", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-tls-"));
  const dataDir = join(dir, "data");
  let ca: TestCa;
  let caPem: string;
  let tls: TestTrent;
  let plain: TestTrent;
  let keyArn: string;
  const clients: KMSClient[] = [];

  before(async () => {
    ca = await createTestCa(dir);
    caPem = readFileSync(ca.certFile, "utf8");
    const server = await issueServerCertificate(ca, "trent-server");
    tls = await startTestTrent({
      dataDir,
      tlsCertFile: server.certFile,
      tlsKeyFile: server.keyFile,
    });
    plain = await startTestTrent({ dataDir });
    const kms = sdk(tls.url, caPem);
    clients.push(kms);
    keyArn = (await kms.send(new CreateKeyCommand({ Policy: tlsOnlyPolicy }))).KeyMetadata!.Arn!;
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await tls.close();
    await plain.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("listens on https, and answers /health and /ready there", async () => {
    assert.match(tls.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(plain.url, /^http:\/\//);
    const agent = new Agent({ ca: caPem });
    try {
      const health = await get(tls.url, "/health", agent);
      assert.deepEqual([health.status, JSON.parse(health.body)], [200, { status: "ok" }]);
      const ready = await get(tls.url, "/ready", agent);
      assert.equal(ready.status, 200);
    } finally {
      agent.destroy();
    }
  });

  it("serves the SDK, whose TLS requests the aws:SecureTransport condition allows", async () => {
    const kms = sdk(tls.url, caPem);
    clients.push(kms);
    const encrypted = await kms.send(
      new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from("over TLS") }),
    );
    const decrypted = await kms.send(
      new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }),
    );
    assert.equal(Buffer.from(decrypted.Plaintext!).toString(), "over TLS");
  });

  it("denies the same requests over plain HTTP to a Trent on the same data", async () => {
    const kms = sdk(plain.url);
    clients.push(kms);
    const described = await kms.send(new DescribeKeyCommand({ KeyId: keyArn }));
    assert.equal(described.KeyMetadata?.Arn, keyArn, "the plain Trent sees the key");
    await assert.rejects(
      kms.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from("in clear") })),
      (error: Error & { $metadata: { httpStatusCode?: number } }) => {
        assert.equal(error.name, "AccessDeniedException");
        assert.equal(error.$metadata.httpStatusCode, 400);
        assert.match(error.message, /is not authorized to perform: kms:Encrypt/);
        return true;
      },
    );
  });

  it("refuses a client that does not trust the CA", async () => {
    const kms = sdk(tls.url);
    clients.push(kms);
    await assert.rejects(
      kms.send(new DescribeKeyCommand({ KeyId: keyArn })),
      /self-signed certificate|unable to (get|verify)/,
    );
  });

  it("refuses to start with a key that is not the certificate's, or a missing file", async () => {
    const one = await issueServerCertificate(ca, "one");
    const two = await issueServerCertificate(ca, "two");
    await assert.rejects(
      startTestTrent({ tlsCertFile: one.certFile, tlsKeyFile: two.keyFile }),
      new RegExp(
        `^Error: TRENT_TLS_CERT_FILE ${one.certFile} and TRENT_TLS_KEY_FILE ${two.keyFile} do not make a TLS certificate and its key: `,
      ),
    );
    await assert.rejects(
      startTestTrent({ tlsCertFile: join(dir, "absent.pem"), tlsKeyFile: one.keyFile }),
      { message: `cannot read TRENT_TLS_CERT_FILE ${join(dir, "absent.pem")}: ENOENT` },
    );
  });

  it("serves the AWS CLI with --ca-bundle", async () => {
    const aws = async (...args: string[]) =>
      (
        await run(
          "aws",
          [
            "kms",
            ...args,
            "--endpoint-url",
            tls.url,
            "--ca-bundle",
            ca.certFile,
            "--output",
            "json",
          ],
          { env: awsClientEnv },
        )
      ).stdout;
    const plaintextFile = join(dir, "cli.txt");
    writeFileSync(plaintextFile, "from the AWS CLI over TLS");
    const encrypted = JSON.parse(
      await aws("encrypt", "--key-id", keyArn, "--plaintext", `fileb://${plaintextFile}`),
    ) as { CiphertextBlob: string; KeyId: string };
    assert.equal(encrypted.KeyId, keyArn);
    const blobFile = join(dir, "cli.enc");
    writeFileSync(blobFile, Buffer.from(encrypted.CiphertextBlob, "base64"));
    const decrypted = JSON.parse(
      await aws("decrypt", "--ciphertext-blob", `fileb://${blobFile}`),
    ) as { Plaintext: string };
    assert.equal(
      Buffer.from(decrypted.Plaintext, "base64").toString(),
      "from the AWS CLI over TLS",
    );
  });

  it("serves boto3 with verify= the CA", async () => {
    const script = `
import sys, boto3
kms = boto3.client("kms", endpoint_url=sys.argv[1], verify=sys.argv[2])
enc = kms.encrypt(KeyId=sys.argv[3], Plaintext=b"from boto3 over TLS")
print(kms.decrypt(CiphertextBlob=enc["CiphertextBlob"])["Plaintext"].decode())
`;
    const { stdout } = await run("python3", ["-c", script, tls.url, ca.certFile, keyArn], {
      env: awsClientEnv,
    });
    assert.equal(stdout.trim(), "from boto3 over TLS");
  });
});

describe("certificate reload on SIGHUP", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-tls-reload-"));
  const certFile = join(dir, "live.pem");
  const keyFile = join(dir, "live.key");
  let ca: TestCa;
  let trent: TrentProcess;

  before(async () => {
    ca = await createTestCa(dir);
    const first = await issueServerCertificate(ca, "first");
    copyFileSync(first.certFile, certFile);
    copyFileSync(first.keyFile, keyFile);
    trent = await startTrentProcess({
      TRENT_DATA_DIR: join(dir, "data"),
      TRENT_TLS_CERT_FILE: certFile,
      TRENT_TLS_KEY_FILE: keyFile,
    });
  });
  after(async () => {
    await trent.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends SIGHUP and waits for the log line that says how the reload went. */
  async function hangUp(): Promise<string> {
    const seen = logLines(trent.stderr()).length;
    process.kill(trent.pid, "SIGHUP");
    for (;;) {
      const line = logLines(trent.stderr())
        .slice(seen)
        .find((l) => /TLS certificate/.test(l.msg));
      if (line) return line.msg;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it("keeps open connections and serves new ones with the new certificate", async () => {
    const caPem = readFileSync(ca.certFile);
    const kept = new Agent({ ca: caPem, keepAlive: true, maxSockets: 1 });
    try {
      const before_ = await get(trent.url, "/health", kept);
      assert.equal(before_.status, 200);
      assert.equal(before_.fingerprint, fingerprintOf(certFile));

      const second = await issueServerCertificate(ca, "second");
      copyFileSync(second.certFile, certFile);
      copyFileSync(second.keyFile, keyFile);
      assert.match(await hangUp(), /^TLS certificate reloaded from /);

      const again = await get(trent.url, "/health", kept);
      assert.equal(again.status, 200);
      assert.equal(again.reused, true, "the kept-alive connection survived the reload");

      const fresh = new Agent({ ca: caPem });
      try {
        const renewed = await get(trent.url, "/health", fresh);
        assert.equal(renewed.status, 200);
        assert.equal(renewed.fingerprint, fingerprintOf(second.certFile));
        assert.notEqual(renewed.fingerprint, before_.fingerprint);
      } finally {
        fresh.destroy();
      }
    } finally {
      kept.destroy();
    }
  });

  it("keeps the certificate in use when the new files are broken, and says why", async () => {
    const inUse = fingerprintOf(certFile);
    const other = await issueServerCertificate(ca, "mismatched");
    // A key that is not the certificate's, as a half-finished renewal would leave.
    copyFileSync(other.keyFile, keyFile);
    assert.match(await hangUp(), /^TLS certificate not reloaded, the one in use stays: /);
    const agent = new Agent({ ca: readFileSync(ca.certFile) });
    try {
      const answer = await get(trent.url, "/health", agent);
      assert.equal(answer.status, 200);
      assert.equal(answer.fingerprint, inUse);
    } finally {
      agent.destroy();
    }
    const line = logLines(trent.stderr()).find((l) => /not reloaded/.test(l.msg));
    assert.equal(line?.level, "error");
  });
});
