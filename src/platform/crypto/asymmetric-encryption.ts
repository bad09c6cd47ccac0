/**
 * Encryption with asymmetric ENCRYPT_DECRYPT keys: RSAES-OAEP (PKCS #1 v2.2 §7.1, the same hash
 * for the OAEP digest and MGF1, empty label, as AWS documents for RSAES_OAEP_SHA_1/_256) and
 * SM2PKE (sm2.ts). The ciphertexts are the standard formats with no Trent metadata, so data
 * encrypted offline with the public key from GetPublicKey decrypts here, and the other way round.
 * Keys come as DER: the public key as SubjectPublicKeyInfo, the private key as PKCS#8.
 */
import {
  constants,
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
} from "node:crypto";
import { sm2Decrypt, sm2Encrypt } from "./sm2.js";

export type AsymmetricEncryptionAlgorithm = "RSAES_OAEP_SHA_1" | "RSAES_OAEP_SHA_256" | "SM2PKE";

const oaepHash = { RSAES_OAEP_SHA_1: "sha1", RSAES_OAEP_SHA_256: "sha256" } as const;

export interface AsymmetricKeyPair {
  readonly publicKeySpki: Uint8Array;
  readonly privateKeyPkcs8: Uint8Array;
}

export function asymmetricEncrypt(
  algorithm: AsymmetricEncryptionAlgorithm,
  keys: AsymmetricKeyPair,
  plaintext: Uint8Array,
): Uint8Array {
  if (algorithm === "SM2PKE") return sm2Encrypt(keys.privateKeyPkcs8, plaintext);
  const key = createPublicKey({
    key: Buffer.from(keys.publicKeySpki),
    format: "der",
    type: "spki",
  });
  return new Uint8Array(
    publicEncrypt(
      { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaepHash[algorithm] },
      plaintext,
    ),
  );
}

/** The plaintext, or undefined when the ciphertext does not decrypt under this key. */
export function asymmetricDecrypt(
  algorithm: AsymmetricEncryptionAlgorithm,
  privateKeyPkcs8: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array | undefined {
  if (algorithm === "SM2PKE") return sm2Decrypt(privateKeyPkcs8, ciphertext);
  const key = createPrivateKey({ key: Buffer.from(privateKeyPkcs8), format: "der", type: "pkcs8" });
  try {
    return new Uint8Array(
      privateDecrypt(
        { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaepHash[algorithm] },
        ciphertext,
      ),
    );
  } catch {
    return undefined;
  }
}
