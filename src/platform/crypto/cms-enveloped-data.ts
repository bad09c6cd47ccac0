/**
 * CiphertextForRecipient: a secret encrypted to the RSA public key of an attestation document,
 * as a CMS (RFC 5652) ContentInfo of EnvelopedData with one KeyTransRecipientInfo. The secret
 * is encrypted with a fresh AES-256 key in CBC mode (PKCS #7 padding, 16-byte IV); that key is
 * encrypted with RSAES-OAEP, SHA-256 for the hash and for MGF1, empty label (RFC 8017 §7.1,
 * parameters as RFC 4055 §4.1 writes them).
 *
 * The bytes follow AWS's answers exactly, as recorded from real KMS responses (test/fixtures/
 * nitro/README.md): BER with indefinite lengths for the outer layers, definite lengths inside
 * RecipientInfos and the algorithm identifiers, and the encrypted content as a constructed [0]
 * of OCTET STRING chunks. Format version: the one AWS uses; nothing of Trent's is in it.
 *
 *   30 80                                ContentInfo
 *     06 09 1.2.840.113549.1.7.3           envelopedData
 *     a0 80                                [0] EXPLICIT
 *       30 80                              EnvelopedData
 *         02 01 02                           version 2 (a subjectKeyIdentifier recipient)
 *         31 L                               RecipientInfos
 *           30 L                             KeyTransRecipientInfo
 *             02 01 02                         version 2
 *             80 20 <32 bytes>                 rid [0] subjectKeyIdentifier
 *             30 3c                            rsaesOaep (1.2.840.113549.1.1.7) with
 *                                              { [0] sha256 NULL, [1] mgf1 { sha256 NULL } }
 *             04 L <RSA modulus length>        encryptedKey
 *         30 80                              EncryptedContentInfo
 *           06 09 1.2.840.113549.1.7.1         data
 *           30 1d 06 09 2.16.840.1.101.3.4.1.42 04 10 <IV>   aes256-CBC
 *           a0 80 (04 L <chunk>)… 00 00        [0] IMPLICIT encryptedContent, chunked
 *         00 00
 *       00 00
 *     00 00
 *   00 00
 *
 * Two choices are Trent's where the recordings cannot tell: the subjectKeyIdentifier is the
 * SHA-256 of the recipient's SubjectPublicKeyInfo DER (AWS's is 32 bytes too, derivation not
 * published; clients find their one recipient without it), and content longer than 1000 bytes
 * is split into 1000-byte chunks (the recordings hold shorter contents in a single chunk; 1000
 * is the default of the streaming CMS encoder whose layout AWS's matches).
 */
import {
  constants,
  createCipheriv,
  createHash,
  createPublicKey,
  type KeyObject,
  publicEncrypt,
} from "node:crypto";
import type { Random } from "../../vocabulary/ports.js";
import { objectIdentifier, octetString, sequence, smallInteger, tlv } from "./der.js";

/** The smallest RSA modulus KMS encrypts to. */
export const minimumRecipientKeyBits = 2048;

const chunkLength = 1000;

/** Why an attestation document's public_key cannot be a recipient. */
export class RecipientKeyError extends Error {}

/** An RSA public key of at least 2048 bits, from its SubjectPublicKeyInfo DER. */
export class RecipientPublicKey {
  readonly #key: KeyObject;
  readonly #spki: Uint8Array;

  private constructor(key: KeyObject, spki: Uint8Array) {
    this.#key = key;
    this.#spki = spki;
  }

  static fromSpki(spki: Uint8Array): RecipientPublicKey {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
    } catch {
      throw new RecipientKeyError("public_key is not a DER SubjectPublicKeyInfo");
    }
    if (key.asymmetricKeyType !== "rsa")
      throw new RecipientKeyError(`public_key is a ${key.asymmetricKeyType} key, not RSA`);
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < minimumRecipientKeyBits)
      throw new RecipientKeyError(`public_key is RSA with a ${bits}-bit modulus`);
    return new RecipientPublicKey(key, Uint8Array.from(spki));
  }

  /** RSAES-OAEP with SHA-256 and MGF1-SHA-256 of `bytes` (a content-encryption key). */
  encrypt(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(
      publicEncrypt(
        { key: this.#key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
        bytes,
      ),
    );
  }

  /** The rid of the recipient: SHA-256 of the SubjectPublicKeyInfo. */
  subjectKeyIdentifier(): Uint8Array {
    return new Uint8Array(createHash("sha256").update(this.#spki).digest());
  }
}

const oids = {
  envelopedData: "1.2.840.113549.1.7.3",
  data: "1.2.840.113549.1.7.1",
  rsaesOaep: "1.2.840.113549.1.1.7",
  mgf1: "1.2.840.113549.1.1.8",
  sha256: "2.16.840.1.101.3.4.2.1",
  aes256Cbc: "2.16.840.1.101.3.4.1.42",
} as const;

const nullValue = Uint8Array.of(0x05, 0x00);
const endOfContents = Uint8Array.of(0x00, 0x00);

/** A constructed value of indefinite length (BER): tag, 0x80, the parts, end-of-contents. */
function indefinite(tag: number, ...parts: readonly Uint8Array[]): Uint8Array {
  let length = 4;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  out[0] = tag;
  out[1] = 0x80;
  let offset = 2;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  out.set(endOfContents, offset);
  return out;
}

function oaepSha256Identifier(): Uint8Array {
  const sha256 = sequence(objectIdentifier(oids.sha256), nullValue);
  return sequence(
    objectIdentifier(oids.rsaesOaep),
    sequence(tlv(0xa0, sha256), tlv(0xa1, sequence(objectIdentifier(oids.mgf1), sha256))),
  );
}

function aes256CbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  return new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final()]));
}

function chunks(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkLength)
    out.push(octetString(bytes.subarray(offset, offset + chunkLength)));
  return out;
}

/** The CMS EnvelopedData carrying `content` to `recipient`, in AWS's encoding. */
export function envelopeForRecipient(
  recipient: RecipientPublicKey,
  content: Uint8Array,
  random: Random,
): Uint8Array {
  const contentKey = random.bytes(32);
  const iv = random.bytes(16);
  try {
    const encryptedContent = aes256CbcEncrypt(contentKey, iv, content);
    const recipientInfo = sequence(
      smallInteger(2),
      tlv(0x80, recipient.subjectKeyIdentifier()),
      oaepSha256Identifier(),
      octetString(recipient.encrypt(contentKey)),
    );
    const encryptedContentInfo = indefinite(
      0x30,
      objectIdentifier(oids.data),
      sequence(objectIdentifier(oids.aes256Cbc), octetString(iv)),
      indefinite(0xa0, ...chunks(encryptedContent)),
    );
    const envelopedData = indefinite(
      0x30,
      smallInteger(2),
      tlv(0x31, recipientInfo),
      encryptedContentInfo,
    );
    return indefinite(0x30, objectIdentifier(oids.envelopedData), indefinite(0xa0, envelopedData));
  } finally {
    contentKey.fill(0);
  }
}
