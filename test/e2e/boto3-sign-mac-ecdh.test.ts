/**
 * Sign, Verify, GenerateMac, VerifyMac and DeriveSharedSecret end to end through boto3, with
 * Python's `cryptography` (its own OpenSSL, which has ML-DSA) checking signatures and shared
 * secrets offline against the public keys from GetPublicKey: a second, independent client stack
 * and a second, independent implementation of every scheme it knows.
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
import hashlib, json, sys, boto3, botocore
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils

kms = boto3.client("kms", endpoint_url=sys.argv[1])
out = {}
message = b"signed in Trent, checked in Python"

def public_key(key_id):
    return serialization.load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])

def error(call):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return [e.response["Error"]["Code"], e.response["Error"]["Message"],
                e.response["ResponseMetadata"]["HTTPStatusCode"]]
    return None

rsa = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
signed = kms.sign(KeyId=rsa["KeyId"], Message=message, SigningAlgorithm="RSASSA_PSS_SHA_256")
public_key(rsa["KeyId"]).verify(signed["Signature"], message,
    padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
verified = kms.verify(KeyId=rsa["KeyId"], Message=message, Signature=signed["Signature"],
                      SigningAlgorithm="RSASSA_PSS_SHA_256")
out["rsa"] = [signed["KeyId"] == rsa["Arn"], signed["SigningAlgorithm"], verified["SignatureValid"],
              verified["KeyId"] == rsa["Arn"], verified["SigningAlgorithm"]]
out["bad_signature"] = error(lambda: kms.verify(
    KeyId=rsa["KeyId"], Message=b"not the message", Signature=signed["Signature"],
    SigningAlgorithm="RSASSA_PSS_SHA_256"))
try:
    kms.verify(KeyId=rsa["KeyId"], Message=b"x", Signature=signed["Signature"],
               SigningAlgorithm="RSASSA_PSS_SHA_256")
except kms.exceptions.KMSInvalidSignatureException:
    out["modeled_signature_error"] = True
out["dryrun"] = error(lambda: kms.sign(KeyId=rsa["KeyId"], Message=message,
                                       SigningAlgorithm="RSASSA_PSS_SHA_256", DryRun=True))

p256 = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
digest = hashlib.sha256(message).digest()
ecdsa = kms.sign(KeyId=p256["KeyId"], Message=digest, MessageType="DIGEST",
                 SigningAlgorithm="ECDSA_SHA_256")
public_key(p256["KeyId"]).verify(ecdsa["Signature"], message, ec.ECDSA(hashes.SHA256()))
public_key(p256["KeyId"]).verify(ecdsa["Signature"], digest,
                                 ec.ECDSA(utils.Prehashed(hashes.SHA256())))
out["ecdsa"] = True
out["bad_digest"] = error(lambda: kms.sign(KeyId=p256["KeyId"], Message=digest[:31],
                                           MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256"))

ed = kms.create_key(KeySpec="ECC_NIST_EDWARDS25519", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
ed_sig = kms.sign(KeyId=ed["KeyId"], Message=message, SigningAlgorithm="ED25519_SHA_512")
public_key(ed["KeyId"]).verify(ed_sig["Signature"], message)
out["ed25519"] = len(ed_sig["Signature"])

mldsa = kms.create_key(KeySpec="ML_DSA_65", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
ml_sig = kms.sign(KeyId=mldsa["KeyId"], Message=message, SigningAlgorithm="ML_DSA_SHAKE_256")
ml_public = public_key(mldsa["KeyId"])
ml_public.verify(ml_sig["Signature"], message)
out["mldsa"] = [type(ml_public).__name__, len(ml_sig["Signature"])]

hmac = kms.create_key(KeySpec="HMAC_384", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
mac = kms.generate_mac(KeyId=hmac["KeyId"], Message=message, MacAlgorithm="HMAC_SHA_384")
checked = kms.verify_mac(KeyId=hmac["KeyId"], Message=message, MacAlgorithm="HMAC_SHA_384",
                         Mac=mac["Mac"])
out["mac"] = [len(mac["Mac"]), mac["MacAlgorithm"], mac["KeyId"] == hmac["Arn"],
              checked["MacValid"], checked["KeyId"] == hmac["Arn"], checked["MacAlgorithm"]]
out["bad_mac"] = error(lambda: kms.verify_mac(KeyId=hmac["KeyId"], Message=b"other",
                                              MacAlgorithm="HMAC_SHA_384", Mac=mac["Mac"]))
out["wrong_mac_algorithm"] = error(lambda: kms.generate_mac(
    KeyId=hmac["KeyId"], Message=message, MacAlgorithm="HMAC_SHA_256"))

agreement = kms.create_key(KeySpec="ECC_NIST_P384", KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
local = ec.generate_private_key(ec.SECP384R1())
local_spki = local.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
derived = kms.derive_shared_secret(KeyId=agreement["KeyId"], KeyAgreementAlgorithm="ECDH",
                                   PublicKey=local_spki)
offline = local.exchange(ec.ECDH(), public_key(agreement["KeyId"]))
out["ecdh"] = [derived["SharedSecret"] == offline, len(offline), derived["KeyId"] == agreement["Arn"],
               derived["KeyAgreementAlgorithm"], derived["KeyOrigin"]]
out["bad_peer"] = error(lambda: kms.derive_shared_secret(
    KeyId=agreement["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=b"InvalidPublicKey"))
print(json.dumps(out))
`;

describe("Sign, Verify, MACs and key agreement through boto3", () => {
  let trent: TestTrent;
  before(async () => {
    trent = await startTestTrent();
  });
  after(() => trent.close());

  it("round-trips, verifies offline with cryptography, and reports errors as botocore parses them", async () => {
    const { stdout } = await run("python3", ["-c", script, trent.url], { env });
    const out = JSON.parse(stdout);
    assert.deepEqual(out.rsa, [true, "RSASSA_PSS_SHA_256", true, true, "RSASSA_PSS_SHA_256"]);
    assert.deepEqual(out.bad_signature, ["KMSInvalidSignatureException", "", 400]);
    assert.equal(out.modeled_signature_error, true);
    assert.deepEqual(out.dryrun, [
      "DryRunOperationException",
      "The request would have succeeded, but the DryRun option is set.",
      412,
    ]);
    assert.equal(out.ecdsa, true);
    assert.deepEqual(out.bad_digest, [
      "ValidationException",
      "Digest is invalid length for algorithm ECDSA_SHA_256.",
      400,
    ]);
    assert.equal(out.ed25519, 64);
    assert.deepEqual(out.mldsa, ["MLDSA65PublicKey", 3309]);
    assert.deepEqual(out.mac, [48, "HMAC_SHA_384", true, true, true, "HMAC_SHA_384"]);
    assert.deepEqual(out.bad_mac, ["KMSInvalidMacException", "", 400]);
    assert.deepEqual(out.wrong_mac_algorithm, [
      "InvalidKeyUsageException",
      "Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_384.",
      400,
    ]);
    assert.deepEqual(out.ecdh, [true, 48, true, "ECDH", "AWS_KMS"]);
    assert.deepEqual(out.bad_peer, ["ValidationException", "", 400]);
  });
});
