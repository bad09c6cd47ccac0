/**
 * TRENT_QUOTAS=aws through the AWS SDK with retries off (maxAttempts 1): AWS KMS's own quotas,
 * no test-only numbers. Requests up to a quota succeed; the next is ThrottlingException (400,
 * AWS's message); each quota is counted on its own, per account and Region; cryptographic
 * operations share a quota by key type; GenerateDataKeyPair is counted per key pair spec. The
 * clock is the test's: nothing refills until the test moves it, so the counts are exact.
 * Without TRENT_QUOTAS nothing is throttled.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  type KMSClient,
  ListKeysCommand,
  SignCommand,
} from "@aws-sdk/client-kms";
import type { KmsCore } from "../../src/core/kms.js";
import { accountRootArn } from "../../src/vocabulary/arns.js";
import type { Caller } from "../../src/vocabulary/request.js";
import { throttlingMessage } from "../../src/vocabulary/throttling.js";
import { rejectsWith } from "../support/kms-errors.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const start = Date.parse("2026-03-01T12:00:00Z");

function movableClock() {
  let now = start;
  return {
    clock: { now: () => new Date(now) },
    advance(ms: number) {
      now += ms;
    },
  };
}

const throttled = (call: Promise<unknown>) =>
  rejectsWith(call, "ThrottlingException", throttlingMessage, 400);

describe("TRENT_QUOTAS=aws", () => {
  const time = movableClock();
  let trent: TestTrent;
  let kms: KMSClient;

  before(async () => {
    trent = await startTestTrent({ quotas: "aws" }, { clock: time.clock });
    kms = trent.client();
  });
  after(() => trent.close());

  it("takes 5 CreateKey requests a second, refills with the clock, and counts others apart", async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
      created.push(KeyMetadata?.KeyId ?? "");
    }
    await throttled(kms.send(new CreateKeyCommand({})));
    await throttled(kms.send(new CreateKeyCommand({ Description: "still this second" })));
    // Each quota on its own: DescribeKey (2,000/s) and ListKeys (500/s) are untouched.
    await kms.send(new DescribeKeyCommand({ KeyId: created[0] }));
    await kms.send(new ListKeysCommand({}));
    // Another Region is another quota.
    await trent.client("eu-west-1").send(new CreateKeyCommand({}));
    // A fifth of a second later, one more request's worth has come back.
    time.advance(200);
    await kms.send(new CreateKeyCommand({}));
    await throttled(kms.send(new CreateKeyCommand({})));
    time.advance(1000);
    for (let i = 0; i < 5; i++) await kms.send(new CreateKeyCommand({}));
    await throttled(kms.send(new CreateKeyCommand({})));
  });

  it("counts GenerateDataKeyPair per key pair spec: RSA_4096 once a second", async () => {
    time.advance(1000);
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const pair = (KeyPairSpec: "RSA_4096" | "RSA_2048") =>
      kms.send(
        new GenerateDataKeyPairWithoutPlaintextCommand({
          KeyId: KeyMetadata?.KeyId,
          KeyPairSpec,
          DryRun: true, // counted like any request, without generating a pair
        }),
      );
    await rejectsWith(
      pair("RSA_4096"),
      "DryRunOperationException",
      "The request would have succeeded, but the DryRun option is set.",
    );
    await throttled(pair("RSA_4096"));
    // RSA_2048's quota is 20 a second, apart from RSA_4096's.
    for (let i = 0; i < 20; i++)
      await rejectsWith(pair("RSA_2048"), "DryRunOperationException", /DryRun/);
    await throttled(pair("RSA_2048"));
    time.advance(1000);
    await rejectsWith(pair("RSA_4096"), "DryRunOperationException", /DryRun/);
  });

  it("shares 1,000 a second among cryptographic operations on ECC keys, apart from symmetric ones", async () => {
    time.advance(1000);
    const account = trent.services.config.accountId;
    const region = trent.services.config.region;
    const caller: Caller = {
      accountId: account,
      region,
      principalArn: accountRootArn(region, account),
      accessKeyId: undefined,
      temporaryCredentials: false,
      identityPolicies: "administrator",
      sourceIp: "192.0.2.1",
      userAgent: "test",
    };
    const core: KmsCore = trent.kms;
    const signing = await kms.send(
      new CreateKeyCommand({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" }),
    );
    const symmetric = await kms.send(new CreateKeyCommand({}));
    const KeyId = signing.KeyMetadata?.KeyId ?? "";
    const Message = Buffer.from("quota");
    const { Signature } = await kms.send(
      new SignCommand({ KeyId, Message, SigningAlgorithm: "ECDSA_SHA_256" }),
    );
    // The rest of the second's 1,000 through the embedding API: Sign and Verify share them.
    let n = 0;
    const facts = () => ({ requestId: `quota-${++n}`, sourceIp: "", userAgent: "test" });
    for (let i = 0; i < 999; i++) {
      if (i % 2 === 0)
        await core.call(
          "Sign",
          { KeyId, Message, SigningAlgorithm: "ECDSA_SHA_256" },
          caller,
          facts(),
        );
      else
        await core.call(
          "Verify",
          {
            KeyId,
            Message,
            Signature: Signature ?? new Uint8Array(),
            SigningAlgorithm: "ECDSA_SHA_256",
          },
          caller,
          facts(),
        );
    }
    await throttled(
      kms.send(new SignCommand({ KeyId, Message, SigningAlgorithm: "ECDSA_SHA_256" })),
    );
    // Symmetric keys have their own (10,000 to 100,000 a second by Region).
    await kms.send(
      new EncryptCommand({ KeyId: symmetric.KeyMetadata?.KeyId, Plaintext: Buffer.from("x") }),
    );
    time.advance(1);
    await kms.send(new SignCommand({ KeyId, Message, SigningAlgorithm: "ECDSA_SHA_256" }));
  });
});

describe("TRENT_QUOTAS=none (the default)", () => {
  let trent: TestTrent;
  before(async () => {
    trent = await startTestTrent({}, { clock: movableClock().clock });
  });
  after(() => trent.close());

  it("throttles nothing", async () => {
    const kms = trent.client();
    for (let i = 0; i < 12; i++) await kms.send(new CreateKeyCommand({}));
    const { Keys } = await kms.send(new ListKeysCommand({}));
    assert.equal(Keys?.length, 12, "twelve CreateKey requests in one second, all answered");
  });
});
