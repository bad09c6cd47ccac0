/**
 * GetPublicKey through the real SDK: the SPKI for each kind of asymmetric key, the algorithm
 * list of its usage only, CustomerMasterKeySpec where the deprecated enum has the spec, and the
 * errors for keys without a public half, key states and references.
 */
import assert from "node:assert/strict";
import { createPublicKey } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DisableKeyCommand,
  GetPublicKeyCommand,
  type KMSClient,
} from "@aws-sdk/client-kms";
import { failure } from "../support/kms-errors.js";
import { rawKms, startTestTrent, type TestTrent } from "../support/trent.js";

describe("GetPublicKey", () => {
  let trent: TestTrent;
  let kms: KMSClient;

  async function newKey(input: CreateKeyCommandInput = {}) {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand(input));
    return { id: KeyMetadata!.KeyId!, arn: KeyMetadata!.Arn! };
  }

  before(async () => {
    trent = await startTestTrent();
    kms = trent.client();
  });
  after(() => trent.close());

  it("returns an RSA encryption key with its encryption algorithms only", async () => {
    const key = await newKey({ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" });
    const out = await kms.send(new GetPublicKeyCommand({ KeyId: key.id }));
    assert.equal(out.KeyId, key.arn);
    assert.equal(out.KeySpec, "RSA_2048");
    assert.equal(out.CustomerMasterKeySpec, "RSA_2048");
    assert.equal(out.KeyUsage, "ENCRYPT_DECRYPT");
    assert.deepEqual(out.EncryptionAlgorithms, ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]);
    assert.equal(out.SigningAlgorithms, undefined);
    assert.equal(out.KeyAgreementAlgorithms, undefined);
    const publicKey = createPublicKey({
      key: Buffer.from(out.PublicKey!),
      format: "der",
      type: "spki",
    });
    assert.equal(publicKey.asymmetricKeyType, "rsa");
    assert.equal(publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  });

  it("returns an ECC signing key with its signing algorithm only", async () => {
    const key = await newKey({ KeySpec: "ECC_NIST_P384", KeyUsage: "SIGN_VERIFY" });
    const out = await kms.send(new GetPublicKeyCommand({ KeyId: key.arn }));
    assert.equal(out.KeyUsage, "SIGN_VERIFY");
    assert.deepEqual(out.SigningAlgorithms, ["ECDSA_SHA_384"]);
    assert.equal(out.EncryptionAlgorithms, undefined);
    const publicKey = createPublicKey({
      key: Buffer.from(out.PublicKey!),
      format: "der",
      type: "spki",
    });
    assert.equal(publicKey.asymmetricKeyDetails?.namedCurve, "secp384r1");
  });

  it("returns a key agreement key with ECDH", async () => {
    const key = await newKey({ KeySpec: "ECC_NIST_P256", KeyUsage: "KEY_AGREEMENT" });
    const out = await kms.send(new GetPublicKeyCommand({ KeyId: key.id }));
    assert.deepEqual(out.KeyAgreementAlgorithms, ["ECDH"]);
    assert.equal(out.SigningAlgorithms, undefined);
  });

  it("leaves CustomerMasterKeySpec out for specs newer than that enum", async () => {
    const key = await newKey({ KeySpec: "ECC_NIST_EDWARDS25519", KeyUsage: "SIGN_VERIFY" });
    const res = await rawKms(trent.url, "GetPublicKey", JSON.stringify({ KeyId: key.id }));
    assert.equal(res.status, 200);
    assert.equal(res.body.KeySpec, "ECC_NIST_EDWARDS25519");
    assert.equal("CustomerMasterKeySpec" in res.body, false);
    assert.deepEqual(res.body.SigningAlgorithms, ["ED25519_SHA_512", "ED25519_PH_SHA_512"]);
    const publicKey = createPublicKey({
      key: Buffer.from(res.body.PublicKey as string, "base64"),
      format: "der",
      type: "spki",
    });
    assert.equal(publicKey.asymmetricKeyType, "ed25519");
  });

  it("refuses keys without a public half", async () => {
    for (const input of [
      {},
      { KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" },
    ] as CreateKeyCommandInput[]) {
      const key = await newKey(input);
      const error = await failure(kms.send(new GetPublicKeyCommand({ KeyId: key.id })));
      assert.equal(error.name, "UnsupportedOperationException");
      assert.equal(error.status, 400);
      assert.ok(error.message.startsWith(key.arn), error.message);
    }
  });

  it("follows the key state table and key references", async () => {
    const key = await newKey({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
    await kms.send(new DisableKeyCommand({ KeyId: key.id }));
    assert.deepEqual(await failure(kms.send(new GetPublicKeyCommand({ KeyId: key.id }))), {
      name: "DisabledException",
      message: `${key.arn} is disabled.`,
      status: 400,
    });
    const missing = await failure(kms.send(new GetPublicKeyCommand({ KeyId: "alias/none" })));
    assert.equal(missing.name, "NotFoundException");
    assert.match(
      missing.message,
      /^Alias arn:aws:kms:us-east-1:\d{12}:alias\/none is not found\.$/,
    );
  });

  it("refuses a forged grant token", async () => {
    const key = await newKey({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
    assert.deepEqual(
      await failure(kms.send(new GetPublicKeyCommand({ KeyId: key.id, GrantTokens: ["forged"] }))),
      { name: "InvalidGrantTokenException", message: "Invalid grant token.", status: 400 },
    );
  });
});
