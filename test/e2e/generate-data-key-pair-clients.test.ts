/**
 * GenerateDataKeyPair* end to end through boto3 and the AWS CLI, which decode the responses with
 * their own code: the pairs must load in Python's `cryptography` (the library most callers use
 * on the private key), DryRun must surface as AWS's error (HTTP 400 for these two operations, as
 * recorded in 2025), and the CLI must print base64
 * keys that parse as SubjectPublicKeyInfo.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createPublicKey } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import { awsClientEnv } from "../support/aws-clients.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const run = promisify(execFile);

const env = awsClientEnv;

const boto3Script = `
import json, sys, boto3, botocore
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

kms = boto3.client("kms", endpoint_url=sys.argv[1])
key_id = sys.argv[2]
out = {}
for spec in ["RSA_2048", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1"]:
    pair = kms.generate_data_key_pair(KeyId=key_id, KeyPairSpec=spec,
                                      EncryptionContext={"app": "boto3"})
    public = serialization.load_der_public_key(pair["PublicKey"])
    private = serialization.load_der_private_key(pair["PrivateKeyPlaintext"], password=None)
    if isinstance(public, rsa.RSAPublicKey):
        shape = ["rsa", public.key_size, public.public_numbers().e]
        signature = private.sign(b"m", padding.PKCS1v15(), hashes.SHA256())
        public.verify(signature, b"m", padding.PKCS1v15(), hashes.SHA256())
    else:
        shape = ["ec", public.curve.name]
        public.verify(private.sign(b"m", ec.ECDSA(hashes.SHA256())), b"m", ec.ECDSA(hashes.SHA256()))
    opened = kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"],
                         EncryptionContext={"app": "boto3"})
    out[spec] = {"shape": shape, "KeyId": pair["KeyId"], "KeyPairSpec": pair["KeyPairSpec"],
                 "decrypted": opened["Plaintext"] == pair["PrivateKeyPlaintext"],
                 "KeyMaterialId": len(pair["KeyMaterialId"])}
without = kms.generate_data_key_pair_without_plaintext(KeyId=key_id, KeyPairSpec="ECC_NIST_P256")
out["without"] = sorted(k for k in without if k != "ResponseMetadata")
try:
    kms.generate_data_key_pair(KeyId=key_id, KeyPairSpec="RSA_4096", DryRun=True)
except botocore.exceptions.ClientError as e:
    out["dryRun"] = [e.response["Error"]["Code"], e.response["Error"]["Message"],
                     e.response["ResponseMetadata"]["HTTPStatusCode"]]
print(json.dumps(out))
`;

describe("GenerateDataKeyPair through boto3 and the AWS CLI", () => {
  let trent: TestTrent;
  let keyArn: string;

  before(async () => {
    trent = await startTestTrent({ keyPairPoolSize: { RSA_2048: 1, RSA_3072: 0, RSA_4096: 0 } });
    const created = await trent.client().send(new CreateKeyCommand({}));
    keyArn = created.KeyMetadata?.Arn ?? "";
  });
  after(() => trent.close());

  it("serves boto3: pairs that load in cryptography, sign, and decrypt back; DryRun", async () => {
    const { stdout } = await run("python3", ["-c", boto3Script, trent.url, keyArn], { env });
    const out = JSON.parse(stdout);
    const expected: Record<string, unknown[]> = {
      RSA_2048: ["rsa", 2048, 65537],
      ECC_NIST_P256: ["ec", "secp256r1"],
      ECC_NIST_P384: ["ec", "secp384r1"],
      ECC_NIST_P521: ["ec", "secp521r1"],
      ECC_SECG_P256K1: ["ec", "secp256k1"],
    };
    for (const [spec, shape] of Object.entries(expected))
      assert.deepEqual(out[spec], {
        shape,
        KeyId: keyArn,
        KeyPairSpec: spec,
        decrypted: true,
        KeyMaterialId: 64,
      });
    assert.deepEqual(out.without, [
      "KeyId",
      "KeyMaterialId",
      "KeyPairSpec",
      "PrivateKeyCiphertextBlob",
      "PublicKey",
    ]);
    assert.deepEqual(out.dryRun, [
      "DryRunOperationException",
      "The request would have succeeded, but the DryRun option is set.",
      400,
    ]);
  });

  it("serves the AWS CLI: generate-data-key-pair(-without-plaintext) and --dry-run", async () => {
    const cli = (...args: string[]) =>
      run("aws", ["--endpoint-url", trent.url, "--output", "json", "kms", ...args], { env });
    const pair = JSON.parse(
      (
        await cli(
          "generate-data-key-pair",
          "--key-id",
          keyArn,
          "--key-pair-spec",
          "ECC_NIST_P256",
          "--encryption-context",
          "purpose=cli",
        )
      ).stdout,
    );
    assert.equal(pair.KeyId, keyArn);
    assert.equal(pair.KeyPairSpec, "ECC_NIST_P256");
    const publicKey = createPublicKey({
      key: Buffer.from(pair.PublicKey, "base64"),
      format: "der",
      type: "spki",
    });
    assert.deepEqual(publicKey.asymmetricKeyDetails, { namedCurve: "prime256v1" });
    assert.equal(Buffer.from(pair.PrivateKeyPlaintext, "base64").length, 138);

    const without = JSON.parse(
      (
        await cli(
          "generate-data-key-pair-without-plaintext",
          "--key-id",
          keyArn,
          "--key-pair-spec",
          "RSA_2048",
        )
      ).stdout,
    );
    assert.equal(without.PrivateKeyPlaintext, undefined);
    const rsaKey = createPublicKey({
      key: Buffer.from(without.PublicKey, "base64"),
      format: "der",
      type: "spki",
    });
    assert.equal(rsaKey.asymmetricKeyDetails?.modulusLength, 2048);

    await assert.rejects(
      cli("generate-data-key-pair", "--key-id", keyArn, "--key-pair-spec", "RSA_2048", "--dry-run"),
      (error: { stderr: string }) => {
        assert.match(
          error.stderr,
          /An error occurred \(DryRunOperationException\) when calling the GenerateDataKeyPair operation: The request would have succeeded, but the DryRun option is set\./,
        );
        return true;
      },
    );
  });
});
