/**
 * Encrypt, Decrypt, ReEncrypt and GenerateDataKey end to end through boto3, plus RSA-OAEP
 * offline encryption with Python's `cryptography` and the public key from GetPublicKey: a
 * second, independent client stack parsing Trent's responses and errors.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { awsClientEnv } from "../support/aws-clients.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const run = promisify(execFile);

const env = awsClientEnv;

const script = `
import json, sys, boto3, botocore
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

kms = boto3.client("kms", endpoint_url=sys.argv[1])
out = {}

key = kms.create_key()["KeyMetadata"]
ctx = {"tenant": "acme", "purpose": "boto3"}
enc = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"from boto3", EncryptionContext=ctx)
dec = kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], EncryptionContext=ctx)
out["symmetric"] = {"KeyId": dec["KeyId"] == key["Arn"], "Plaintext": dec["Plaintext"].decode(),
                    "EncryptionAlgorithm": dec["EncryptionAlgorithm"]}

try:
    kms.decrypt(CiphertextBlob=enc["CiphertextBlob"])
except botocore.exceptions.ClientError as e:
    out["mismatch"] = [e.response["Error"]["Code"], e.response["Error"]["Message"],
                       e.response["ResponseMetadata"]["HTTPStatusCode"]]

other = kms.create_key()["KeyMetadata"]
try:
    kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], EncryptionContext=ctx, KeyId=other["KeyId"])
except kms.exceptions.IncorrectKeyException as e:
    out["incorrect"] = e.response["Error"]["Message"]

re = kms.re_encrypt(CiphertextBlob=enc["CiphertextBlob"], SourceEncryptionContext=ctx,
                    DestinationKeyId=other["Arn"], DestinationEncryptionContext={"v": "2"})
out["reencrypt"] = [re["SourceKeyId"] == key["Arn"], re["KeyId"] == other["Arn"],
                    kms.decrypt(CiphertextBlob=re["CiphertextBlob"],
                                EncryptionContext={"v": "2"})["Plaintext"].decode()]

data = kms.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_256")
out["datakey"] = [len(data["Plaintext"]),
                  kms.decrypt(CiphertextBlob=data["CiphertextBlob"])["Plaintext"] == data["Plaintext"]]
try:
    kms.generate_data_key(KeyId=key["KeyId"])
except botocore.exceptions.ClientError as e:
    out["either"] = [e.response["Error"]["Code"], e.response["Error"]["Message"]]

try:
    kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x", DryRun=True)
except botocore.exceptions.ClientError as e:
    out["dryrun"] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]

rsa_key = kms.create_key(KeySpec="RSA_3072", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
public = serialization.load_der_public_key(kms.get_public_key(KeyId=rsa_key["KeyId"])["PublicKey"])
offline = public.encrypt(b"offline oaep", padding.OAEP(mgf=padding.MGF1(hashes.SHA256()),
                                                        algorithm=hashes.SHA256(), label=None))
opened = kms.decrypt(CiphertextBlob=offline, KeyId=rsa_key["Arn"],
                     EncryptionAlgorithm="RSAES_OAEP_SHA_256")
out["rsa"] = [opened["Plaintext"].decode(), opened["EncryptionAlgorithm"], "KeyMaterialId" in opened]
print(json.dumps(out))
`;

describe("Encrypt and Decrypt through boto3", () => {
  let trent: TestTrent;
  before(async () => {
    trent = await startTestTrent();
  });
  after(() => trent.close());

  it("round-trips and reports errors the way botocore parses them", async () => {
    const { stdout } = await run("python3", ["-c", script, trent.url], { env });
    const out = JSON.parse(stdout);
    assert.deepEqual(out.symmetric, {
      KeyId: true,
      Plaintext: "from boto3",
      EncryptionAlgorithm: "SYMMETRIC_DEFAULT",
    });
    assert.deepEqual(out.mismatch, ["InvalidCiphertextException", "", 400]);
    assert.equal(
      out.incorrect,
      "The key ID in the request does not identify a CMK that can perform this operation.",
    );
    assert.deepEqual(out.reencrypt, [true, true, "from boto3"]);
    assert.deepEqual(out.datakey, [32, true]);
    assert.deepEqual(out.either, [
      "ValidationException",
      "Please specify either number of bytes or key spec.",
    ]);
    assert.deepEqual(out.dryrun, ["DryRunOperationException", 412]);
    assert.deepEqual(out.rsa, ["offline oaep", "RSAES_OAEP_SHA_256", false]);
  });
});
