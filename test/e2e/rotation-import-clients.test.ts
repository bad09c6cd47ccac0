/**
 * Key rotation and imported key material through boto3 and the AWS CLI: two more client stacks
 * parsing Trent's answers (timestamps, the ListKeyRotations paginator, errors), and key
 * material wrapped with Python's `cryptography` (its own RSA-OAEP and RFC 5649 AES key wrap
 * with padding) instead of node's.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { awsClientEnv } from "../support/aws-clients.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const run = promisify(execFile);

const env = awsClientEnv;

const script = `
import json, os, sys, boto3
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding

kms = boto3.client("kms", endpoint_url=sys.argv[1])
out = {}

key = kms.create_key()["KeyMetadata"]
kms.enable_key_rotation(KeyId=key["KeyId"], RotationPeriodInDays=180)
status = kms.get_key_rotation_status(KeyId=key["Arn"])
out["status"] = [status["KeyRotationEnabled"], status["KeyId"] == key["KeyId"],
                 status["RotationPeriodInDays"],
                 round((status["NextRotationDate"] - key["CreationDate"]).total_seconds() / 86400)]
for _ in range(3):
    kms.rotate_key_on_demand(KeyId=key["KeyId"])
pages = kms.get_paginator("list_key_rotations").paginate(KeyId=key["KeyId"],
                                                        PaginationConfig={"PageSize": 2})
listed = [r for page in pages for r in page["Rotations"]]
current = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["CurrentKeyMaterialId"]
out["rotations"] = [len(listed), [r["RotationType"] for r in listed],
                    listed[-1]["KeyMaterialId"] == current,
                    all(r["RotationDate"].tzinfo is not None for r in listed)]
try:
    hmac = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=hmac["KeyId"])
except kms.exceptions.UnsupportedOperationException as e:
    out["hmac"] = [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]

external = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
params = kms.get_parameters_for_import(KeyId=external["KeyId"],
                                       WrappingAlgorithm="RSA_AES_KEY_WRAP_SHA_256",
                                       WrappingKeySpec="RSA_3072")
public = serialization.load_der_public_key(params["PublicKey"])
material = os.urandom(32)
aes_key = os.urandom(32)
wrapped = public.encrypt(aes_key, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()),
                                               algorithm=hashes.SHA256(), label=None))
wrapped += aes_key_wrap_with_padding(aes_key, material)
imported = kms.import_key_material(KeyId=external["KeyId"], ImportToken=params["ImportToken"],
                                   EncryptedKeyMaterial=wrapped,
                                   ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
described = kms.describe_key(KeyId=external["KeyId"])["KeyMetadata"]
out["import"] = [params["KeyId"] == external["Arn"], imported["KeyId"] == external["Arn"],
                 described["KeyState"], described["CurrentKeyMaterialId"] == imported["KeyMaterialId"],
                 (params["ParametersValidTo"] - described["CreationDate"]).total_seconds() >= 86399]
try:
    kms.import_key_material(KeyId=external["KeyId"], ImportToken=b"not a token",
                            EncryptedKeyMaterial=wrapped,
                            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
except kms.exceptions.InvalidImportTokenException as e:
    out["token"] = e.response["Error"]["Code"]
deleted = kms.delete_imported_key_material(KeyId=external["KeyId"])
out["delete"] = [deleted["KeyMaterialId"] == imported["KeyMaterialId"],
                 kms.describe_key(KeyId=external["KeyId"])["KeyMetadata"]["KeyState"]]
print(json.dumps(out))
`;

describe("key rotation and imported key material through other clients", () => {
  let trent: TestTrent;
  const dir = mkdtempSync(join(tmpdir(), "trent-import-cli-"));

  before(async () => {
    trent = await startTestTrent();
  });
  after(async () => {
    await trent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("boto3: rotation status, the ListKeyRotations paginator, import with cryptography's key wrap", async () => {
    const { stdout } = await run("python3", ["-c", script, trent.url], { env });
    assert.deepEqual(JSON.parse(stdout), {
      status: [true, true, 180, 180],
      rotations: [3, ["ON_DEMAND", "ON_DEMAND", "ON_DEMAND"], true, true],
      hmac: ["UnsupportedOperationException", 400],
      import: [true, true, "Enabled", true, true],
      token: "InvalidImportTokenException",
      delete: [true, "PendingImport"],
    });
  });

  it("AWS CLI: get-parameters-for-import, import-key-material with fileb:// and --valid-to", async () => {
    const aws = (...args: string[]) =>
      run("aws", ["--endpoint-url", trent.url, "--output", "json", "kms", ...args], { env });
    const created = JSON.parse((await aws("create-key", "--origin", "EXTERNAL")).stdout);
    const keyId: string = created.KeyMetadata.KeyId;
    const params = JSON.parse(
      (
        await aws(
          "get-parameters-for-import",
          "--key-id",
          keyId,
          "--wrapping-algorithm",
          "RSAES_OAEP_SHA_256",
          "--wrapping-key-spec",
          "RSA_2048",
        )
      ).stdout,
    );
    writeFileSync(join(dir, "PublicKey.bin"), Buffer.from(params.PublicKey, "base64"));
    writeFileSync(join(dir, "ImportToken.bin"), Buffer.from(params.ImportToken, "base64"));
    writeFileSync(join(dir, "PlaintextKeyMaterial.bin"), randomBytes(32));
    await run("openssl", [
      "pkeyutl",
      "-encrypt",
      "-pubin",
      "-keyform",
      "DER",
      "-inkey",
      join(dir, "PublicKey.bin"),
      "-in",
      join(dir, "PlaintextKeyMaterial.bin"),
      "-out",
      join(dir, "EncryptedKeyMaterial.bin"),
      "-pkeyopt",
      "rsa_padding_mode:oaep",
      "-pkeyopt",
      "rsa_oaep_md:sha256",
      "-pkeyopt",
      "rsa_mgf1_md:sha256",
    ]);
    assert.ok(readFileSync(join(dir, "EncryptedKeyMaterial.bin")).length === 256);
    const validTo = new Date(Date.now() + 30 * 24 * 60 * 60 * 1000);
    validTo.setUTCMilliseconds(0);
    const imported = JSON.parse(
      (
        await aws(
          "import-key-material",
          "--key-id",
          keyId,
          "--encrypted-key-material",
          `fileb://${join(dir, "EncryptedKeyMaterial.bin")}`,
          "--import-token",
          `fileb://${join(dir, "ImportToken.bin")}`,
          "--expiration-model",
          "KEY_MATERIAL_EXPIRES",
          "--valid-to",
          validTo.toISOString().replace(".000Z", "Z"),
        )
      ).stdout,
    );
    assert.equal(imported.KeyId, created.KeyMetadata.Arn);
    assert.match(imported.KeyMaterialId, /^[0-9a-f]{64}$/);
    const listed = JSON.parse(
      (
        await aws(
          "list-key-rotations",
          "--key-id",
          keyId,
          "--include-key-material",
          "ALL_KEY_MATERIAL",
        )
      ).stdout,
    );
    // The CLI pages through ListKeyRotations itself and prints the merged list.
    assert.deepEqual(listed, {
      Rotations: [
        {
          KeyId: keyId,
          KeyMaterialId: imported.KeyMaterialId,
          ImportState: "IMPORTED",
          KeyMaterialState: "CURRENT",
          ExpirationModel: "KEY_MATERIAL_EXPIRES",
          ValidTo: validTo.getTime() / 1000,
        },
      ],
    });
  });
});
