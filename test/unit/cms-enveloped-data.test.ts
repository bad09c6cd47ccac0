/**
 * CiphertextForRecipient's CMS envelope: the same bytes as AWS's recorded answers wherever they
 * do not depend on keys and randomness, and opened by OpenSSL's CMS implementation with the
 * enclave's private key.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  envelopeForRecipient,
  RecipientKeyError,
  RecipientPublicKey,
} from "../../src/platform/crypto/cms-enveloped-data.js";
import { createSystemRandom } from "../../src/platform/crypto/random.js";
import { createEnclaveKey, openEnvelope } from "../support/nitro-enclave.js";

interface Recording {
  readonly id: string;
  readonly hex: string;
}

const recordings = JSON.parse(
  readFileSync(
    new URL("../fixtures/nitro/aws-ciphertext-for-recipient.json", import.meta.url),
    "utf8",
  ),
) as Recording[];

const dir = mkdtempSync(join(tmpdir(), "trent-cms-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const random = createSystemRandom();

/**
 * The ranges of a 2048-bit-recipient envelope that depend on the key and randomness, for an
 * encrypted content of `contentLength` bytes (one chunk): subjectKeyIdentifier, encryptedKey,
 * IV, encrypted content. Offsets follow the layout in cms-enveloped-data.ts.
 */
function variableRanges(contentLength: number): [number, number][] {
  return [
    [33, 65],
    [131, 387],
    [415, 431],
    [435, 435 + contentLength],
  ];
}

describe("CiphertextForRecipient", () => {
  const enclave = createEnclaveKey(dir);
  const recipient = RecipientPublicKey.fromSpki(enclave.publicKeySpki);

  for (const [recording, plaintextLength] of [
    [recordings[0], 28],
    [recordings[1], 32],
  ] as const) {
    it(`has AWS's layout byte for byte (${recording?.id})`, () => {
      const aws = Buffer.from(recording?.hex ?? "", "hex");
      const ours = Buffer.from(
        envelopeForRecipient(recipient, new Uint8Array(plaintextLength), random),
      );
      assert.equal(ours.length, aws.length);
      const contentLength = aws.length - 477 + 32;
      // AWS's key-dependent and random parts put into Trent's envelope must give AWS's bytes.
      for (const [from, to] of variableRanges(contentLength)) aws.copy(ours, from, from, to);
      assert.equal(ours.toString("hex"), aws.toString("hex"));
    });
  }

  it("opens with openssl cms -decrypt and the enclave's key, for short and chunked contents", () => {
    for (const length of [1, 16, 32, 999, 1000, 1001, 2500]) {
      const content = random.bytes(length);
      const envelope = envelopeForRecipient(recipient, content, random);
      assert.deepEqual(openEnvelope(envelope, enclave, dir), content, `${length} bytes`);
    }
  });

  it("does not open with another key", () => {
    const stranger = createEnclaveKey(dir);
    const envelope = envelopeForRecipient(recipient, Uint8Array.of(1, 2, 3), random);
    assert.throws(() => openEnvelope(envelope, stranger, dir));
  });

  it("works for larger RSA keys (3072 bits)", () => {
    const big = createEnclaveKey(dir, 3072);
    const content = random.bytes(48);
    const envelope = envelopeForRecipient(
      RecipientPublicKey.fromSpki(big.publicKeySpki),
      content,
      random,
    );
    assert.deepEqual(openEnvelope(envelope, big, dir), content);
  });

  it("refuses recipient keys that are not RSA of at least 2048 bits", () => {
    const der = (key: import("node:crypto").KeyObject) =>
      new Uint8Array(key.export({ type: "spki", format: "der" }));
    const ec = generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey;
    const small = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey;
    const pss = generateKeyPairSync("rsa-pss", { modulusLength: 2048 }).publicKey;
    for (const spki of [der(ec), der(small), der(pss), Uint8Array.of(1, 2, 3)])
      assert.throws(() => RecipientPublicKey.fromSpki(spki), RecipientKeyError);
  });
});
