/**
 * Where AWS KMS answers an error with no message at all: the JSON body is {"__type": "..."}
 * and has no message member (not an empty one). One row per situation, with the recorded AWS
 * answer that shows it (test/fixtures/aws-recordings/, replayed by
 * test/wire/aws-recordings.test.ts). Every other KMS error carries a message; an error built
 * anywhere else with an empty message is a mistake (test/unit/messageless-errors.test.ts
 * checks the sources).
 *
 * How the recordings tell: botocore copies the body's message member of an error the KMS model
 * declares into a top-level "message" key, so a recorded declared error with Error.Message ""
 * and no "message" key had no member on the wire. For errors the model does not declare
 * (ValidationException, NotAuthorizedException) an absent and an empty member look alike to
 * botocore; Trent leaves them out too, as AWS does for every case that can be told.
 */
import { KmsError, type KmsErrorType } from "./kms-errors.js";

interface MessagelessError {
  readonly type: KmsErrorType;
  /** The operations and circumstances. */
  readonly situation: string;
  /** The recorded answer(s), by source, test and date of recording. */
  readonly source: string;
}

export const messagelessErrors = {
  signatureDoesNotVerify: {
    type: "KMSInvalidSignatureException",
    situation: "Verify: the signature does not verify with the key, algorithm and message",
    source: "LocalStack test_sign_verify, 8 key specs and algorithms, recorded 2023-04-13",
  },
  macDoesNotVerify: {
    type: "KMSInvalidMacException",
    situation: "VerifyMac: the MAC does not verify",
    source: "LocalStack test_invalid_verify_mac, recorded 2023-04-13",
  },
  invalidCiphertext: {
    type: "InvalidCiphertextException",
    situation:
      "Decrypt and ReEncrypt's source side: the ciphertext is not one KMS made for the key, was altered, or the encryption context differs",
    source:
      "LocalStack test_encrypt_decrypt_encryption_context 2025-09-22, test_key_rotations_encryption_decryption 2026-02-09, test_encryption_context_generate_data_key(_without_plaintext, _pair, _pair_without_plaintext) 2023-06-16",
  },
  rotationOfNonSymmetricKey: {
    type: "UnsupportedOperationException",
    situation: "RotateKeyOnDemand and the other rotation operations on an asymmetric or HMAC key",
    source: "LocalStack test_rotate_key_on_demand_raises_error_given_non_symmetric_key 2025-03-08",
  },
  publicKeyNotOfCurve: {
    type: "ValidationException",
    situation:
      "DeriveSharedSecret: PublicKey is not a DER SubjectPublicKeyInfo of a point on the key's curve",
    source:
      "LocalStack test_derive_shared_secret 2024-12-25 (an undeclared error: empty or absent, botocore cannot tell)",
  },
  malformedPolicyDocument: {
    type: "MalformedPolicyDocumentException",
    situation:
      "CreateKey, PutKeyPolicy, ReplicateKey: a policy that is not JSON or not a policy document (the named faults, such as a statement without a principal, have sentences)",
    source:
      "no recording in the corpus: known as messageless since Trent's key policy work; absent like every declared error recorded without a message",
  },
  reservedAlias: {
    type: "NotAuthorizedException",
    situation:
      "CreateAlias, UpdateAlias, DeleteAlias on an alias/aws/ name (AWS reserves them for its managed keys)",
    source:
      "no recording in the corpus: an error outside the model, known as messageless since Trent's aliases work; absent like every case that can be told",
  },
} as const satisfies Record<string, MessagelessError>;

export type MessagelessSituation = keyof typeof messagelessErrors;

/** AWS's answer for `situation`: its error type, its status, no message member. */
export function messagelessError(situation: MessagelessSituation): KmsError {
  return new KmsError(messagelessErrors[situation].type, undefined);
}
