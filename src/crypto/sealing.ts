/**
 * Seals key material under the root key before it reaches the store, and opens it again.
 *
 * Sealed format, version 1 (all integers big-endian):
 *   offset  size  field
 *   0       1     format version = 0x01
 *   1       12    IV (random per seal)
 *   13      n     AES-256-GCM ciphertext of the key material
 *   13+n    16    GCM tag
 * AAD: "trent-key-material-v1" ‖ u16 len ‖ key ARN ‖ u16 len ‖ material id, so a sealed blob
 * copied onto another key or material row fails to open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const version = 0x01;
const ivLength = 12;
const tagLength = 16;
const label = Buffer.from("trent-key-material-v1", "utf8");

function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  const len = Buffer.alloc(2);
  len.writeUInt16BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

function aad(keyArn: string, materialId: string): Buffer {
  return Buffer.concat([label, lengthPrefixed(keyArn), lengthPrefixed(materialId)]);
}

export function sealKeyMaterial(
  rootKey: Uint8Array,
  material: Uint8Array,
  keyArn: string,
  materialId: string,
): Uint8Array {
  const iv = randomBytes(ivLength);
  const cipher = createCipheriv("aes-256-gcm", rootKey, iv);
  cipher.setAAD(aad(keyArn, materialId));
  const body = Buffer.concat([cipher.update(material), cipher.final()]);
  return new Uint8Array(Buffer.concat([Buffer.of(version), iv, body, cipher.getAuthTag()]));
}

export function unsealKeyMaterial(
  rootKey: Uint8Array,
  sealed: Uint8Array,
  keyArn: string,
  materialId: string,
): Uint8Array {
  if (sealed.length < 1 + ivLength + tagLength || sealed[0] !== version)
    throw new Error("sealed key material has an unknown format");
  const iv = sealed.subarray(1, 1 + ivLength);
  const tag = sealed.subarray(sealed.length - tagLength);
  const body = sealed.subarray(1 + ivLength, sealed.length - tagLength);
  const decipher = createDecipheriv("aes-256-gcm", rootKey, iv);
  decipher.setAAD(aad(keyArn, materialId));
  decipher.setAuthTag(tag);
  return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
}
