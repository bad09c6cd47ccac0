/**
 * A seed file written for local-kms, unchanged, given to Trent as local-kms takes it
 * (KMS_SEED_PATH, with KMS_ACCOUNT_ID and KMS_REGION), then used through boto3 with Python's
 * `cryptography` as the independent check: the same key ids and aliases; GetPublicKey equal to
 * the SubjectPublicKeyInfo of each PEM, derived in Python; signatures that verify with it; an
 * AES key with two backing keys whose last one encrypts (its blob opened in Python) and whose
 * first still decrypts (a blob sealed in Python under it); an HMAC key whose MAC equals Python's.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { awsClientEnv } from "../support/aws-clients.js";
import { startTrentProcess, type TrentProcess } from "../support/trent-process.js";

const run = promisify(execFile);
const account = "123456789012";
const region = "eu-west-2";

const ids = {
  aes: "c1a8f0e2-3b4d-4e6f-8a9b-0c1d2e3f4a5b",
  hmac: "3f0a8d4e-1c2b-4d5e-8f90-a1b2c3d4e5f6",
  rsa: "d2b9e1f3-4c5e-4f70-9b8c-1d2e3f4a5b6c",
  p256: "e3cae2f4-5d6f-4081-ac9d-2e3f4a5b6c7d",
  secp256k1: "6b1d3c1e-9d0c-4c53-9a51-7d6f1b0e4a21",
  secp256k1Hex: "9e2f4a6b-8c0d-4e1f-a2b3-c4d5e6f7a8b9",
};
const backingKeys = [randomBytes(32).toString("hex"), randomBytes(32).toString("hex")];
const hmacKey = randomBytes(32).toString("hex");
const pem = (type: "rsa" | "ec", format: "pkcs8" | "sec1", curve?: string) =>
  (type === "rsa"
    ? generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey
    : generateKeyPairSync("ec", { namedCurve: curve ?? "prime256v1" }).privateKey
  ).export({ type: format, format: "pem" }) as string;
const pems = {
  rsa: pem("rsa", "pkcs8"),
  p256: pem("ec", "sec1"),
  secp256k1: pem("ec", "sec1", "secp256k1"),
};
const rawSecp256k1 = Buffer.from(
  generateKeyPairSync("ec", { namedCurve: "secp256k1" }).privateKey.export({ format: "jwk" }).d ??
    "",
  "base64url",
).toString("hex");

const indent = (text: string, spaces: number) =>
  text
    .trim()
    .split("\n")
    .map((line) => `${" ".repeat(spaces)}${line}`)
    .join("\n");

/** local-kms's format, as its README describes it (plus the HMAC keys of a local-kms fork). */
const seed = `Keys:
  Symmetric:
    Aes:
      - Metadata:
          KeyId: ${ids.aes}
          Description: two backing keys, rotated once
        BackingKeys:
          - ${backingKeys[0]}
          - ${backingKeys[1]}
    Hmac:
      - Metadata:
          KeyId: ${ids.hmac}
          KeyUsage: GENERATE_VERIFY_MAC
          KeySpec: HMAC_256
        BackingKeys:
          - ${hmacKey}
  Asymmetric:
    Rsa:
      - Metadata:
          KeyId: ${ids.rsa}
          KeyUsage: SIGN_VERIFY
          Description: a signing key of 2048 bits
        PrivateKeyPem: |
${indent(pems.rsa, 10)}
    Ecc:
      - Metadata:
          KeyId: ${ids.p256}
          KeyUsage: SIGN_VERIFY
          Description: a P-256 signer
        PrivateKeyPem: |
${indent(pems.p256, 10)}
      - Metadata:
          KeyId: ${ids.secp256k1}
          KeyUsage: SIGN_VERIFY
          Description: a secp256k1 signer
        PrivateKeyPem: |
${indent(pems.secp256k1, 10)}
      - Metadata:
          KeyId: ${ids.secp256k1Hex}
          KeyUsage: SIGN_VERIFY
        PrivateKeyHex: ${rawSecp256k1}

Aliases:
  - AliasName: alias/testing
    TargetKeyId: ${ids.aes}
  - AliasName: alias/signer
    TargetKeyId: ${ids.secp256k1}
`;

const script = `
import hashlib, hmac, json, os, struct, sys, boto3
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

facts = json.load(open(sys.argv[2]))
kms = boto3.client("kms", endpoint_url=sys.argv[1], region_name=facts["region"])
ids = facts["ids"]
out = {}
message = b"seeded for local-kms, served by Trent"

out["keys"] = sorted(k["KeyId"] for k in kms.list_keys()["Keys"])
out["described"] = {name: [m["KeyId"], m["Arn"], m["KeySpec"], m["KeyUsage"], m["KeyState"], m.get("Description", "")]
                    for name, m in ((n, kms.describe_key(KeyId=i)["KeyMetadata"]) for n, i in ids.items())}
out["aliases"] = sorted([a["AliasName"], a["TargetKeyId"], a["AliasArn"]]
                        for a in kms.list_aliases()["Aliases"] if "TargetKeyId" in a)
out["by_alias"] = kms.describe_key(KeyId="alias/testing")["KeyMetadata"]["KeyId"]

def spki(private_pem):
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)

raw = ec.derive_private_key(int(facts["raw_secp256k1"], 16), ec.SECP256K1())
raw_spki = raw.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
out["public_keys"] = {
    "rsa": kms.get_public_key(KeyId=ids["rsa"])["PublicKey"] == spki(facts["pems"]["rsa"]),
    "p256": kms.get_public_key(KeyId=ids["p256"])["PublicKey"] == spki(facts["pems"]["p256"]),
    "secp256k1": kms.get_public_key(KeyId="alias/signer")["PublicKey"] == spki(facts["pems"]["secp256k1"]),
    "secp256k1_hex": kms.get_public_key(KeyId=ids["secp256k1Hex"])["PublicKey"] == raw_spki,
}

def public(name):
    return serialization.load_der_public_key(kms.get_public_key(KeyId=ids[name])["PublicKey"])

signed = {}
sig = kms.sign(KeyId=ids["rsa"], Message=message, SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256")["Signature"]
serialization.load_pem_private_key(facts["pems"]["rsa"].encode(), None).public_key().verify(
    sig, message, padding.PKCS1v15(), hashes.SHA256())
signed["rsa_pkcs1"] = True
sig = kms.sign(KeyId=ids["rsa"], Message=message, SigningAlgorithm="RSASSA_PSS_SHA_512")["Signature"]
public("rsa").verify(sig, message, padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64), hashes.SHA512())
signed["rsa_pss"] = True
for name in ("p256", "secp256k1"):
    key = serialization.load_pem_private_key(facts["pems"][name].encode(), None).public_key()
    sig = kms.sign(KeyId=ids[name], Message=message, SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    key.verify(sig, message, ec.ECDSA(hashes.SHA256()))
    digest = hashlib.sha256(message).digest()
    sig = kms.sign(KeyId=ids[name], Message=digest, MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    key.verify(sig, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    signed[name] = True
sig = kms.sign(KeyId=ids["secp256k1Hex"], Message=message, SigningAlgorithm="ECDSA_SHA_256")["Signature"]
raw.public_key().verify(sig, message, ec.ECDSA(hashes.SHA256()))
signed["secp256k1_hex"] = True
out["signed"] = signed

# The AES key: its blob layout is documented (src/platform/crypto/ciphertext-blob.ts).
def header(key_arn, material_id):
    arn = key_arn.encode()
    mid = material_id.encode()
    return bytes([1]) + struct.pack(">H", len(arn)) + arn + bytes([len(mid)]) + mid

def open_blob(blob, key):
    n = struct.unpack(">H", blob[1:3])[0]
    m = blob[3 + n]
    h = 4 + n + m
    return blob[4 + n:h].decode(), AESGCM(key).decrypt(blob[h:h + 12], blob[h + 12:], blob[:h] + b"\\0\\0\\0\\0")

backing = [bytes.fromhex(k) for k in facts["backing_keys"]]
enc = kms.encrypt(KeyId="alias/testing", Plaintext=message)
current_id, plaintext = open_blob(enc["CiphertextBlob"], backing[1])
aes_arn = out["described"]["aes"][1]
rotations = kms.list_key_rotations(KeyId=ids["aes"], IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]
first_id = rotations[0]["KeyMaterialId"]
iv = os.urandom(12)
old = header(aes_arn, first_id)
old_blob = old + iv + AESGCM(backing[0]).encrypt(iv, message, old + b"\\0\\0\\0\\0")
dec = kms.decrypt(CiphertextBlob=old_blob)
out["aes"] = {
    "last_backing_key_is_current": plaintext == message and current_id == rotations[1]["KeyMaterialId"],
    "states": [r["KeyMaterialState"] for r in rotations],
    "first_backing_key_decrypts": dec["Plaintext"] == message and dec["KeyId"] == aes_arn,
    "round_trip": kms.decrypt(CiphertextBlob=enc["CiphertextBlob"])["Plaintext"] == message,
}
mac = kms.generate_mac(KeyId=ids["hmac"], Message=message, MacAlgorithm="HMAC_SHA_256")["Mac"]
out["hmac"] = mac == hmac.new(bytes.fromhex(facts["hmac_key"]), message, hashlib.sha256).digest()
print(json.dumps(out))
`;

describe("a local-kms seed file through boto3", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-local-kms-seed-"));
  const seedFile = join(dir, "seed.yaml");
  const factsFile = join(dir, "facts.json");
  let trent: TrentProcess;

  before(async () => {
    writeFileSync(seedFile, seed);
    writeFileSync(
      factsFile,
      JSON.stringify({
        region,
        ids,
        pems,
        backing_keys: backingKeys,
        hmac_key: hmacKey,
        raw_secp256k1: rawSecp256k1,
      }),
    );
    trent = await startTrentProcess({
      KMS_SEED_PATH: seedFile,
      KMS_ACCOUNT_ID: account,
      KMS_REGION: region,
      TRENT_DATA_DIR: join(dir, "data"),
    });
  });
  after(async () => {
    await trent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("makes the keys, aliases, public keys and signatures the seed implies", async () => {
    assert.match(
      await trent.stderrMatching(/seed .*seed\.yaml/),
      /seed .*seed\.yaml \(local-kms format\): created 6 keys, 2 aliases, 0 grants; 0 already there/,
    );
    const { stdout } = await run("python3", ["-c", script, trent.url, factsFile], {
      env: { ...awsClientEnv, AWS_DEFAULT_REGION: region },
    });
    const out = JSON.parse(stdout);
    const arn = (id: string) => `arn:aws:kms:${region}:${account}:key/${id}`;
    assert.deepEqual(out.keys, Object.values(ids).sort());
    assert.deepEqual(out.described, {
      aes: [
        ids.aes,
        arn(ids.aes),
        "SYMMETRIC_DEFAULT",
        "ENCRYPT_DECRYPT",
        "Enabled",
        "two backing keys, rotated once",
      ],
      hmac: [ids.hmac, arn(ids.hmac), "HMAC_256", "GENERATE_VERIFY_MAC", "Enabled", ""],
      rsa: [
        ids.rsa,
        arn(ids.rsa),
        "RSA_2048",
        "SIGN_VERIFY",
        "Enabled",
        "a signing key of 2048 bits",
      ],
      p256: [ids.p256, arn(ids.p256), "ECC_NIST_P256", "SIGN_VERIFY", "Enabled", "a P-256 signer"],
      secp256k1: [
        ids.secp256k1,
        arn(ids.secp256k1),
        "ECC_SECG_P256K1",
        "SIGN_VERIFY",
        "Enabled",
        "a secp256k1 signer",
      ],
      secp256k1Hex: [
        ids.secp256k1Hex,
        arn(ids.secp256k1Hex),
        "ECC_SECG_P256K1",
        "SIGN_VERIFY",
        "Enabled",
        "",
      ],
    });
    assert.deepEqual(out.aliases, [
      ["alias/signer", ids.secp256k1, `arn:aws:kms:${region}:${account}:alias/signer`],
      ["alias/testing", ids.aes, `arn:aws:kms:${region}:${account}:alias/testing`],
    ]);
    assert.equal(out.by_alias, ids.aes);
    assert.deepEqual(out.public_keys, {
      rsa: true,
      p256: true,
      secp256k1: true,
      secp256k1_hex: true,
    });
    assert.deepEqual(out.signed, {
      rsa_pkcs1: true,
      rsa_pss: true,
      p256: true,
      secp256k1: true,
      secp256k1_hex: true,
    });
    assert.deepEqual(out.aes, {
      last_backing_key_is_current: true,
      states: ["NON_CURRENT", "CURRENT"],
      first_backing_key_decrypts: true,
      round_trip: true,
    });
    assert.equal(out.hmac, true);
  });
});
