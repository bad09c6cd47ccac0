/**
 * The ciphertext blob of symmetric KMS keys (Encrypt, GenerateDataKey*, GenerateDataKeyPair*'s
 * private key, ReEncrypt). Self-describing, so Decrypt needs no KeyId. A shipped version must
 * stay decodable forever: change the layout only under a new version byte.
 *
 * Layout, version 1 (integers big-endian):
 *   offset     size  field
 *   0          1     format version = 0x01
 *   1          2     n = length of the key ARN
 *   3          n     key ARN (UTF-8): names the key, its account and region
 *   3+n        1     m = length of the key material id
 *   4+n        m     key material id (ASCII), so rotated keys still open old blobs
 *   4+n+m      12    IV, random per encryption
 *   16+n+m     c     AES-256-GCM ciphertext of the plaintext
 *   16+n+m+c   16    GCM tag
 * AAD = header (bytes 0 .. 4+n+m, i.e. everything before the IV) ‖ canonical encryption context
 * (see encryption-context.ts), so neither the key identity nor the context can be swapped.
 */
import { createCipheriv, createDecipheriv } from "node:crypto";

export const ciphertextBlobVersion = 0x01;
export const ivLength = 12;
const tagLength = 16;

export interface BlobHeader {
  readonly keyArn: string;
  readonly materialId: string;
}

export interface ParsedBlob extends BlobHeader {
  readonly header: Uint8Array;
  readonly iv: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array;
}

export class MalformedBlobError extends Error {}

function encodeHeader({ keyArn, materialId }: BlobHeader): Buffer {
  const arn = Buffer.from(keyArn, "utf8");
  const material = Buffer.from(materialId, "ascii");
  if (arn.length > 0xffff || material.length > 0xff) throw new Error("blob header field too long");
  const header = Buffer.alloc(4 + arn.length + material.length);
  header[0] = ciphertextBlobVersion;
  header.writeUInt16BE(arn.length, 1);
  arn.copy(header, 3);
  header[3 + arn.length] = material.length;
  material.copy(header, 4 + arn.length);
  return header;
}

/**
 * Encrypts `plaintext` under 32-byte `keyMaterial`. The caller supplies the 12-byte IV, fresh
 * from a CSPRNG for every encryption (the request context's random source), or fixed in test
 * vectors.
 */
export function encryptBlob(
  keyMaterial: Uint8Array,
  header: BlobHeader,
  plaintext: Uint8Array,
  canonicalContext: Uint8Array,
  iv: Uint8Array,
): Uint8Array {
  if (iv.length !== ivLength) throw new Error("the ciphertext blob IV is 12 bytes");
  const head = encodeHeader(header);
  const cipher = createCipheriv("aes-256-gcm", keyMaterial, iv);
  cipher.setAAD(Buffer.concat([head, canonicalContext]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([head, iv, body, cipher.getAuthTag()]));
}

/** Reads the header of a blob; throws MalformedBlobError for anything not of this format. */
export function parseBlob(blob: Uint8Array): ParsedBlob {
  const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (bytes.length < 4 || bytes[0] !== ciphertextBlobVersion)
    throw new MalformedBlobError("unknown ciphertext format");
  const arnLength = bytes.readUInt16BE(1);
  if (bytes.length < 4 + arnLength) throw new MalformedBlobError("truncated ciphertext");
  const materialLength = bytes[3 + arnLength]!;
  const headerLength = 4 + arnLength + materialLength;
  if (bytes.length < headerLength + ivLength + tagLength)
    throw new MalformedBlobError("truncated ciphertext");
  return {
    keyArn: bytes.subarray(3, 3 + arnLength).toString("utf8"),
    materialId: bytes.subarray(4 + arnLength, headerLength).toString("ascii"),
    header: blob.subarray(0, headerLength),
    iv: blob.subarray(headerLength, headerLength + ivLength),
    ciphertext: blob.subarray(headerLength + ivLength, blob.length - tagLength),
    tag: blob.subarray(blob.length - tagLength),
  };
}

/** Opens a parsed blob; returns undefined when authentication fails (wrong key or context). */
export function decryptBlob(
  keyMaterial: Uint8Array,
  blob: ParsedBlob,
  canonicalContext: Uint8Array,
): Uint8Array | undefined {
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyMaterial, blob.iv);
    decipher.setAAD(Buffer.concat([blob.header, canonicalContext]));
    decipher.setAuthTag(blob.tag);
    return new Uint8Array(Buffer.concat([decipher.update(blob.ciphertext), decipher.final()]));
  } catch {
    return undefined;
  }
}
