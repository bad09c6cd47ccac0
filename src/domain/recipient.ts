/**
 * The Recipient member (a Nitro Enclaves or NitroTPM attestation document) of Decrypt,
 * GenerateDataKey*, GenerateDataKeyPair and GenerateRandom. Trent cannot verify AWS's
 * attestation signatures, so it refuses the member plainly rather than return plaintext the
 * caller asked to receive only in encrypted form.
 */
import { KmsError } from "../vocabulary/kms-errors.js";

export function recipientNotSupported(): KmsError {
  return new KmsError(
    "UnsupportedOperationException",
    "Trent does not support Recipient (Nitro Enclaves attestation documents).",
  );
}
