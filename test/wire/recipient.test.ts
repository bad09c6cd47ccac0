/**
 * The Recipient parameter (AWS Nitro Enclaves) through the real SDK v3: attestation documents
 * signed by a test PKI that TRENT_NITRO_ROOT_CERT_FILE names, CiphertextForRecipient opened
 * with `openssl cms -decrypt` and the enclave's key and compared with what the same request
 * gives without a Recipient, the members each response carries and leaves out, the refusals
 * (wrong chain, bad signature, stale document, expired certificate, missing or unusable public
 * key) with their exact errors, the kms:RecipientAttestation:* condition keys in key policies
 * (allow and deny) and IAM policies (GenerateRandom, through the core's in-process entry), and
 * the CloudTrail record's additionalEventData.recipient.
 */
import assert from "node:assert/strict";
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomUUID,
  sign,
  verify,
} from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateKeyCommand,
  DecryptCommand,
  DeriveSharedSecretCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateRandomCommand,
  GetPublicKeyCommand,
  type KMSClient,
  PutKeyPolicyCommand,
  type RecipientInfo,
} from "@aws-sdk/client-kms";
import type { CloudTrailRecord } from "../../src/platform/audit/cloudtrail-record.js";
import type { Caller } from "../../src/vocabulary/request.js";
import { failure, rejectsWith } from "../support/kms-errors.js";
import {
  attestationDocument,
  createEnclaveKey,
  createTestNitroPki,
  type EnclaveKey,
  openEnvelope,
  type TestNitroPki,
  testModuleId,
  testPcrs,
} from "../support/nitro-enclave.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const account = "111122223333";
const root = `arn:aws:iam::${account}:root`;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

const messages = {
  chain:
    "The certificate chain of the attestation document in Recipient does not lead to a trusted root certificate.",
  signature: "The signature of the attestation document in Recipient is not valid.",
  stale:
    "The timestamp of the attestation document in Recipient is more than 300 seconds from the time of the request.",
  certificateTime:
    "A certificate of the attestation document in Recipient is not valid at the time of the request.",
  malformed:
    "The attestation document in Recipient is not a valid AWS Nitro Enclaves attestation document (a CBOR COSE_Sign1 structure).",
  noPublicKey: "The attestation document in Recipient does not include a public key.",
  publicKey:
    "The public key in the attestation document in Recipient must be an RSA public key of at least 2048 bits (DER SubjectPublicKeyInfo).",
};

describe("Recipient (AWS Nitro Enclaves)", () => {
  let pki: TestNitroPki;
  let untrusted: TestNitroPki;
  let enclave: EnclaveKey;
  let trent: TestTrent;
  let kms: KMSClient;
  let keyId: string;
  let keyArn: string;
  /** Added to the server's clock, to send requests "later". */
  let clockOffsetMs = 0;

  const recipient = (document?: Uint8Array): RecipientInfo => ({
    KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_256",
    AttestationDocument: document ?? attestationDocument(pki, { publicKey: enclave.publicKeySpki }),
  });
  const open = (envelope: Uint8Array | undefined) => {
    assert.ok(envelope, "CiphertextForRecipient is missing");
    return openEnvelope(envelope, enclave, pki.dir);
  };
  const auditRecords = (): CloudTrailRecord[] =>
    readFileSync(join(pki.dir, "audit.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as CloudTrailRecord);
  const recordOf = (requestId: string | undefined) => {
    const record = auditRecords().find((r) => r.requestID === requestId);
    assert.ok(record, `no audit record for request ${requestId}`);
    return record;
  };

  before(async () => {
    pki = createTestNitroPki("trent-wire");
    untrusted = createTestNitroPki("untrusted");
    enclave = createEnclaveKey(pki.dir);
    trent = await startTestTrent(
      { nitroRootCertFile: pki.rootFile, auditFile: join(pki.dir, "audit.jsonl") },
      { clock: { now: () => new Date(Date.now() + clockOffsetMs) } },
    );
    kms = trent.client();
    const created = await kms.send(new CreateKeyCommand({}));
    keyId = created.KeyMetadata?.KeyId ?? "";
    keyArn = created.KeyMetadata?.Arn ?? "";
  });
  after(async () => {
    await trent.close();
    pki.dispose();
    untrusted.dispose();
  });

  describe("answers", () => {
    it("GenerateDataKeyPair: the private key only in CiphertextForRecipient, the rest as usual", async () => {
      const context = { Purpose: "enclave" };
      const out = await kms.send(
        new GenerateDataKeyPairCommand({
          KeyId: keyId,
          KeyPairSpec: "ECC_NIST_P256",
          EncryptionContext: context,
          Recipient: recipient(),
        }),
      );
      assert.equal(out.PrivateKeyPlaintext, undefined);
      assert.equal(out.KeyId, keyArn);
      assert.equal(out.KeyPairSpec, "ECC_NIST_P256");
      assert.ok(out.PublicKey && out.PrivateKeyCiphertextBlob);
      assert.match(out.KeyMaterialId ?? "", /^[0-9a-f]{64}$/);
      const privateKey = open(out.CiphertextForRecipient);
      // The same private key as the copy sealed under the KMS key, decrypted without Recipient.
      const sealed = await kms.send(
        new DecryptCommand({
          CiphertextBlob: out.PrivateKeyCiphertextBlob,
          EncryptionContext: context,
        }),
      );
      assert.deepEqual(privateKey, sealed.Plaintext);
      // And it is the private half of the public key in the answer.
      const key = createPrivateKey({ key: Buffer.from(privateKey), format: "der", type: "pkcs8" });
      const publicKey = createPublicKey({
        key: Buffer.from(out.PublicKey),
        format: "der",
        type: "spki",
      });
      const signature = sign("sha256", Buffer.from("enclave"), key);
      assert.ok(verify("sha256", Buffer.from("enclave"), publicKey, signature));
    });

    it("GenerateDataKeyPair RSA_2048: the same for a PKCS#8 RSA private key", async () => {
      const out = await kms.send(
        new GenerateDataKeyPairCommand({
          KeyId: keyId,
          KeyPairSpec: "RSA_2048",
          Recipient: recipient(),
        }),
      );
      assert.equal(out.PrivateKeyPlaintext, undefined);
      const sealed = await kms.send(
        new DecryptCommand({ CiphertextBlob: out.PrivateKeyCiphertextBlob }),
      );
      assert.deepEqual(open(out.CiphertextForRecipient), sealed.Plaintext);
    });

    it("Decrypt: the plaintext only in CiphertextForRecipient, without KeyMaterialId", async () => {
      const plaintext = new TextEncoder().encode("hello world - goodbye world!");
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({ KeyId: keyId, Plaintext: plaintext }),
      );
      const out = await kms.send(new DecryptCommand({ CiphertextBlob, Recipient: recipient() }));
      assert.equal(out.Plaintext, undefined);
      assert.equal(out.KeyMaterialId, undefined);
      assert.equal(out.KeyId, keyArn);
      assert.equal(out.EncryptionAlgorithm, "SYMMETRIC_DEFAULT");
      assert.deepEqual(open(out.CiphertextForRecipient), plaintext);
      const plain = await kms.send(new DecryptCommand({ CiphertextBlob }));
      assert.deepEqual(plain.Plaintext, plaintext);
      assert.ok(plain.KeyMaterialId);
    });

    it("Decrypt of an RSA key's ciphertext works the same", async () => {
      const created = await kms.send(
        new CreateKeyCommand({ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" }),
      );
      const rsaKey = created.KeyMetadata?.KeyId ?? "";
      const plaintext = Uint8Array.of(1, 2, 3, 4);
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({
          KeyId: rsaKey,
          Plaintext: plaintext,
          EncryptionAlgorithm: "RSAES_OAEP_SHA_256",
        }),
      );
      const out = await kms.send(
        new DecryptCommand({
          KeyId: rsaKey,
          CiphertextBlob,
          EncryptionAlgorithm: "RSAES_OAEP_SHA_256",
          Recipient: recipient(),
        }),
      );
      assert.equal(out.Plaintext, undefined);
      assert.deepEqual(open(out.CiphertextForRecipient), plaintext);
    });

    it("GenerateDataKey: the data key only in CiphertextForRecipient, CiphertextBlob as usual", async () => {
      const out = await kms.send(
        new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: "AES_256", Recipient: recipient() }),
      );
      assert.equal(out.Plaintext, undefined);
      assert.equal(out.KeyMaterialId, undefined);
      assert.equal(out.KeyId, keyArn);
      const dataKey = open(out.CiphertextForRecipient);
      assert.equal(dataKey.length, 32);
      const sealed = await kms.send(new DecryptCommand({ CiphertextBlob: out.CiphertextBlob }));
      assert.deepEqual(dataKey, sealed.Plaintext);
    });

    it("GenerateRandom: the bytes only in CiphertextForRecipient", async () => {
      const out = await kms.send(
        new GenerateRandomCommand({ NumberOfBytes: 64, Recipient: recipient() }),
      );
      assert.equal(out.Plaintext, undefined);
      assert.equal(open(out.CiphertextForRecipient).length, 64);
    });

    it("DeriveSharedSecret: the secret only in CiphertextForRecipient", async () => {
      const created = await kms.send(
        new CreateKeyCommand({ KeySpec: "ECC_NIST_P256", KeyUsage: "KEY_AGREEMENT" }),
      );
      const agreementKey = created.KeyMetadata?.KeyId ?? "";
      const peer = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
      const PublicKey = new Uint8Array(peer.publicKey.export({ type: "spki", format: "der" }));
      const request = { KeyId: agreementKey, KeyAgreementAlgorithm: "ECDH" as const, PublicKey };
      const out = await kms.send(
        new DeriveSharedSecretCommand({ ...request, Recipient: recipient() }),
      );
      assert.equal(out.SharedSecret, undefined);
      assert.equal(out.KeyAgreementAlgorithm, "ECDH");
      assert.equal(out.KeyOrigin, "AWS_KMS");
      const secret = open(out.CiphertextForRecipient);
      const plain = await kms.send(new DeriveSharedSecretCommand(request));
      assert.deepEqual(secret, plain.SharedSecret);
      assert.equal(secret.length, 32);
      // Independently: the peer's private key with the KMS key's public key.
      const { PublicKey: kmsSpki } = await kms.send(
        new GetPublicKeyCommand({ KeyId: agreementKey }),
      );
      assert.ok(kmsSpki);
      const kmsPublic = createPublicKey({ key: Buffer.from(kmsSpki), format: "der", type: "spki" });
      assert.deepEqual(
        new Uint8Array(diffieHellman({ privateKey: peer.privateKey, publicKey: kmsPublic })),
        secret,
      );
    });

    it("accepts a document whose public key is RSA 4096 and one without KeyEncryptionAlgorithm", async () => {
      const big = createEnclaveKey(pki.dir, 4096);
      const out = await kms.send(
        new GenerateRandomCommand({
          NumberOfBytes: 16,
          Recipient: {
            AttestationDocument: attestationDocument(pki, { publicKey: big.publicKeySpki }),
          },
        }),
      );
      assert.ok(out.CiphertextForRecipient);
      assert.equal(openEnvelope(out.CiphertextForRecipient, big, pki.dir).length, 16);
    });
  });

  describe("refusals", () => {
    const generateRandom = (document: Uint8Array) =>
      kms.send(new GenerateRandomCommand({ NumberOfBytes: 16, Recipient: recipient(document) }));

    it("a document signed under a root Trent does not trust (wrong chain)", async () => {
      const document = attestationDocument(untrusted, { publicKey: enclave.publicKeySpki });
      await rejectsWith(generateRandom(document), "ValidationException", messages.chain);
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({ KeyId: keyId, Plaintext: Uint8Array.of(7) }),
      );
      await rejectsWith(
        kms.send(new DecryptCommand({ CiphertextBlob, Recipient: recipient(document) })),
        "ValidationException",
        messages.chain,
      );
    });

    it("a document with one byte of its signature flipped", async () => {
      const document = attestationDocument(pki, { publicKey: enclave.publicKeySpki });
      document[document.length - 1] = (document[document.length - 1] as number) ^ 0x01;
      await rejectsWith(
        kms.send(
          new GenerateDataKeyPairCommand({
            KeyId: keyId,
            KeyPairSpec: "ECC_NIST_P256",
            Recipient: recipient(document),
          }),
        ),
        "ValidationException",
        messages.signature,
      );
    });

    it("a stale document (timestamp six minutes old)", async () => {
      const document = attestationDocument(pki, {
        publicKey: enclave.publicKeySpki,
        timestamp: Date.now() - 6 * 60_000,
      });
      await rejectsWith(
        kms.send(
          new GenerateDataKeyCommand({
            KeyId: keyId,
            NumberOfBytes: 32,
            Recipient: recipient(document),
          }),
        ),
        "ValidationException",
        messages.stale,
      );
    });

    it("a document whose leaf certificate expired before the request", async () => {
      clockOffsetMs = 3 * 86_400_000;
      try {
        const document = attestationDocument(pki, {
          publicKey: enclave.publicKeySpki,
          timestamp: Date.now() + clockOffsetMs,
        });
        await rejectsWith(
          generateRandom(document),
          "ValidationException",
          messages.certificateTime,
        );
      } finally {
        clockOffsetMs = 0;
      }
    });

    it("a document that is not an attestation document", async () => {
      await rejectsWith(
        generateRandom(new Uint8Array(32).fill(0x42)),
        "ValidationException",
        messages.malformed,
      );
    });

    it("a document without a public key, or with a key KMS cannot encrypt to", async () => {
      await rejectsWith(
        generateRandom(attestationDocument(pki, { publicKey: null })),
        "ValidationException",
        messages.noPublicKey,
      );
      const ec = generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey;
      const small = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey;
      for (const key of [ec, small])
        await rejectsWith(
          generateRandom(
            attestationDocument(pki, {
              publicKey: new Uint8Array(key.export({ type: "spki", format: "der" })),
            }),
          ),
          "ValidationException",
          messages.publicKey,
        );
    });

    it("a KeyEncryptionAlgorithm other than RSAES_OAEP_SHA_256", async () => {
      const error = await failure(
        kms.send(
          new GenerateRandomCommand({
            NumberOfBytes: 16,
            Recipient: {
              ...recipient(),
              KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_1" as "RSAES_OAEP_SHA_256",
            },
          }),
        ),
      );
      assert.equal(error.name, "ValidationException");
      assert.equal(
        error.message,
        "1 validation error detected: Value 'RSAES_OAEP_SHA_1' at 'recipient.keyEncryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RSAES_OAEP_SHA_256]",
      );
    });

    it("are recorded in the audit trail without recipient data", async () => {
      const document = attestationDocument(untrusted, { publicKey: enclave.publicKeySpki });
      const error = await generateRandom(document).catch(
        (e: { $metadata: { requestId?: string } }) => e,
      );
      const record = recordOf((error as { $metadata: { requestId?: string } }).$metadata.requestId);
      assert.equal(record.errorCode, "ValidationException");
      assert.equal(record.errorMessage, messages.chain);
      assert.equal(record.additionalEventData, undefined);
    });
  });

  describe("condition keys in key policies", () => {
    const pcrs = testPcrs();
    const imageSha384 = hex(pcrs.get(0) as Uint8Array);
    let policyKey: string;
    let ciphertext: Uint8Array;

    before(async () => {
      const policy = {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "Key administration and encryption, without conditions",
            Effect: "Allow",
            Principal: { AWS: root },
            Action: ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:Encrypt"],
            Resource: "*",
          },
          {
            Sid: "Decrypt and data keys only for the enclave image",
            Effect: "Allow",
            Principal: { AWS: root },
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: "*",
            // Upper-case hex on purpose: AWS's example uses StringEqualsIgnoreCase.
            Condition: {
              StringEqualsIgnoreCase: {
                "kms:RecipientAttestation:ImageSha384": imageSha384.toUpperCase(),
              },
            },
          },
          {
            Sid: "Never for another signing certificate (PCR8)",
            Effect: "Deny",
            Principal: { AWS: root },
            Action: "kms:GenerateDataKey",
            Resource: "*",
            Condition: {
              StringNotEquals: { "kms:RecipientAttestation:PCR8": hex(pcrs.get(8) as Uint8Array) },
            },
          },
        ],
      };
      const created = await kms.send(new CreateKeyCommand({ Policy: JSON.stringify(policy) }));
      policyKey = created.KeyMetadata?.KeyId ?? "";
      const encrypted = await kms.send(
        new EncryptCommand({ KeyId: policyKey, Plaintext: Uint8Array.of(42) }),
      );
      ciphertext = encrypted.CiphertextBlob ?? new Uint8Array();
    });

    const withPcrs = (change: (pcrs: Map<number, Uint8Array>) => void) => {
      const changed = testPcrs();
      change(changed);
      return recipient(
        attestationDocument(pki, { publicKey: enclave.publicKeySpki, pcrs: changed }),
      );
    };
    const arnOf = () => `arn:aws:kms:us-east-1:${account}:key/${policyKey}`;

    it("allow Decrypt when the document's PCR0 matches ImageSha384", async () => {
      const out = await kms.send(
        new DecryptCommand({ CiphertextBlob: ciphertext, Recipient: recipient() }),
      );
      assert.deepEqual(open(out.CiphertextForRecipient), Uint8Array.of(42));
    });

    it("deny Decrypt for another image, and without a Recipient", async () => {
      // Decrypt without a KeyId answers AWS's fixed sentence for a key the caller cannot use.
      const denied =
        "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.";
      await rejectsWith(
        kms.send(
          new DecryptCommand({
            CiphertextBlob: ciphertext,
            Recipient: withPcrs((p) => p.set(0, new Uint8Array(48).fill(0xee))),
          }),
        ),
        "AccessDeniedException",
        denied,
      );
      await rejectsWith(
        kms.send(new DecryptCommand({ CiphertextBlob: ciphertext })),
        "AccessDeniedException",
        denied,
      );
    });

    it("allow GenerateDataKey for the image and signer, deny it for another PCR8 explicitly", async () => {
      const out = await kms.send(
        new GenerateDataKeyCommand({ KeyId: policyKey, NumberOfBytes: 32, Recipient: recipient() }),
      );
      assert.equal(open(out.CiphertextForRecipient).length, 32);
      await rejectsWith(
        kms.send(
          new GenerateDataKeyCommand({
            KeyId: policyKey,
            NumberOfBytes: 32,
            Recipient: withPcrs((p) => p.set(8, new Uint8Array(48).fill(0xee))),
          }),
        ),
        "AccessDeniedException",
        `User: ${root} is not authorized to perform: kms:GenerateDataKey on resource: ${arnOf()} with an explicit deny in a resource-based policy`,
      );
    });

    it("keep a policy on other PCRs independent of ImageSha384", async () => {
      await kms.send(
        new PutKeyPolicyCommand({
          KeyId: policyKey,
          Policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { AWS: root },
                Action: ["kms:PutKeyPolicy", "kms:Encrypt"],
                Resource: "*",
              },
              {
                Effect: "Allow",
                Principal: { AWS: root },
                Action: "kms:Decrypt",
                Resource: "*",
                Condition: {
                  StringEquals: {
                    "kms:RecipientAttestation:PCR1": hex(pcrs.get(1) as Uint8Array),
                    "kms:RecipientAttestation:PCR2": hex(pcrs.get(2) as Uint8Array),
                  },
                },
              },
            ],
          }),
        }),
      );
      const out = await kms.send(
        new DecryptCommand({
          CiphertextBlob: ciphertext,
          Recipient: withPcrs((p) => p.set(0, new Uint8Array(48).fill(0xee))),
        }),
      );
      assert.deepEqual(open(out.CiphertextForRecipient), Uint8Array.of(42));
      await rejectsWith(
        kms.send(
          new DecryptCommand({
            CiphertextBlob: ciphertext,
            Recipient: withPcrs((p) => p.set(2, new Uint8Array(48).fill(0xee))),
          }),
        ),
        "AccessDeniedException",
        /^The ciphertext refers to a customer master key that does not exist/,
      );
    });
  });

  describe("condition keys in IAM policies (GenerateRandom, authorized on *)", () => {
    // A user whose only identity policy lets it generate random bytes for one enclave image.
    const enclaveUser = (condition: Record<string, unknown>): Caller => ({
      accountId: account,
      region: "us-east-1",
      principalArn: `arn:aws:iam::${account}:user/enclave`,
      accessKeyId: undefined,
      temporaryCredentials: false,
      identityPolicies: [
        {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "kms:GenerateRandom", Resource: "*", Condition: condition },
          ],
        },
      ],
      sourceIp: "192.0.2.1",
      userAgent: "in-process test",
    });
    const facts = () => ({ requestId: randomUUID(), sourceIp: "192.0.2.1", userAgent: "test" });
    const imageSha384 = hex(testPcrs().get(0) as Uint8Array);

    it("allow the matching image and deny another, or none", async () => {
      const user = enclaveUser({
        StringEquals: { "kms:RecipientAttestation:ImageSha384": imageSha384 },
      });
      const out = await trent.kms.call(
        "GenerateRandom",
        { NumberOfBytes: 8, Recipient: recipient() },
        user,
        facts(),
      );
      assert.equal(open(out.CiphertextForRecipient).length, 8);
      const denied = `User: arn:aws:iam::${account}:user/enclave is not authorized to perform: kms:GenerateRandom on resource: * because no identity-based policy allows the kms:GenerateRandom action`;
      const other = testPcrs();
      other.set(0, new Uint8Array(48).fill(0xee));
      const otherImage = attestationDocument(pki, {
        publicKey: enclave.publicKeySpki,
        pcrs: other,
      });
      for (const input of [
        { NumberOfBytes: 8, Recipient: recipient(otherImage) },
        { NumberOfBytes: 8 },
      ])
        await assert.rejects(trent.kms.call("GenerateRandom", input, user, facts()), {
          type: "AccessDeniedException",
          message: denied,
        });
    });
  });

  describe("audit", () => {
    it("records the module id and measurements as CloudTrail does, and no secret", async () => {
      const out = await kms.send(
        new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 32, Recipient: recipient() }),
      );
      const dataKey = open(out.CiphertextForRecipient);
      const record = recordOf(out.$metadata.requestId);
      const pcrs = testPcrs();
      const pcr = (i: number) => base64(pcrs.get(i) as Uint8Array);
      assert.deepEqual(record.additionalEventData?.recipient, {
        attestationDocumentModuleId: testModuleId,
        attestationDocumentEnclaveImageDigest: pcr(0),
        attestationDocumentEnclavePCR1: pcr(1),
        attestationDocumentEnclavePCR2: pcr(2),
        attestationDocumentEnclavePCR3: pcr(3),
        attestationDocumentEnclavePCR4: pcr(4),
        attestationDocumentEnclavePCR8: pcr(8),
      });
      assert.deepEqual(Object.keys(record.additionalEventData?.recipient ?? {}), [
        "attestationDocumentModuleId",
        "attestationDocumentEnclaveImageDigest",
        "attestationDocumentEnclavePCR1",
        "attestationDocumentEnclavePCR2",
        "attestationDocumentEnclavePCR3",
        "attestationDocumentEnclavePCR4",
        "attestationDocumentEnclavePCR8",
      ]);
      assert.equal(record.responseElements, null);
      const line = readFileSync(join(pki.dir, "audit.jsonl"), "utf8");
      for (const encoding of ["base64", "hex"] as const)
        assert.ok(
          !line.includes(Buffer.from(dataKey).toString(encoding)),
          `data key in ${encoding}`,
        );
    });
  });
});
