/**
 * The Recipient parameter (RecipientInfo) of Decrypt, DeriveSharedSecret, GenerateDataKey,
 * GenerateDataKeyPair and GenerateRandom: an AWS Nitro Enclaves attestation document and the
 * algorithm to encrypt to its public key. The core verifies the document before authorization
 * (so key and IAM policies can test kms:RecipientAttestation:*), and the operation then answers
 * CiphertextForRecipient (CMS EnvelopedData to the enclave's key) instead of the plaintext.
 * https://docs.aws.amazon.com/kms/latest/developerguide/cryptographic-attestation.html
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_RecipientInfo.html
 *
 * Refusals: a document that is malformed or tampered with is answered ValidationException (400),
 * as AWS answered random bytes and a document with one byte flipped (recorded against real KMS
 * by cyntrisec/EphemeralML, 2026-02). No recording shows AWS's message texts, so the sentences in
 * `refusals` are Trent's own, in AWS's style, one per check, naming what to fix. A document that
 * verifies but whose measurements a policy does not allow is AccessDeniedException, from the
 * ordinary authorization path.
 *
 * Freshness is Trent's rule: AWS documents no limit on the document's timestamp, and has been
 * seen accepting a resubmitted document; Trent refuses a timestamp farther than
 * TRENT_NITRO_MAX_AGE_SECONDS (300 by default, 0 for none) from the request's time. The
 * certificates' validity bounds replay either way (the NSM's leaf certificates live ~3 hours).
 * NitroTPM attestation documents (a different payload) are refused as malformed.
 */
import {
  envelopeForRecipient,
  RecipientKeyError,
  RecipientPublicKey,
} from "../platform/crypto/cms-enveloped-data.js";
import {
  type AttestationDocument,
  AttestationError,
  type AttestationFailure,
  verifyAttestationDocument,
} from "../platform/crypto/nitro-attestation.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { OperationName } from "../vocabulary/model.generated.js";
import type { RecipientInfo } from "../vocabulary/types.generated.js";
import type { AttestedRecipient, RequestContext } from "./request-context.js";
import type { Services } from "./services.js";

/** The operations whose input has a Recipient member. */
export const recipientOperations: ReadonlySet<OperationName> = new Set<OperationName>([
  "Decrypt",
  "DeriveSharedSecret",
  "GenerateDataKey",
  "GenerateDataKeyPair",
  "GenerateRandom",
]);

type Refusal = AttestationFailure | "noDocument" | "noPublicKey" | "publicKey";

/** Trent's wording (see the header); every refusal is a ValidationException. */
const refusals: Readonly<Record<Refusal, (maxAgeSeconds: number) => string>> = {
  noDocument: () => "Recipient must include an AttestationDocument.",
  malformed: () =>
    "The attestation document in Recipient is not a valid AWS Nitro Enclaves attestation document (a CBOR COSE_Sign1 structure).",
  algorithm: () =>
    "The attestation document in Recipient must be signed with ES384 (ECDSA with P-384 and SHA-384).",
  untrustedChain: () =>
    "The certificate chain of the attestation document in Recipient does not lead to a trusted root certificate.",
  certificateTime: () =>
    "A certificate of the attestation document in Recipient is not valid at the time of the request.",
  signature: () => "The signature of the attestation document in Recipient is not valid.",
  stale: (maxAgeSeconds) =>
    `The timestamp of the attestation document in Recipient is more than ${maxAgeSeconds} seconds from the time of the request.`,
  noPublicKey: () => "The attestation document in Recipient does not include a public key.",
  publicKey: () =>
    "The public key in the attestation document in Recipient must be an RSA public key of at least 2048 bits (DER SubjectPublicKeyInfo).",
};

function refuse(refusal: Refusal, services: Services): KmsError {
  return new KmsError("ValidationException", refusals[refusal](services.config.nitroMaxAgeSeconds));
}

function attest(services: Services, recipient: RecipientInfo, now: Date): AttestedRecipient {
  // KeyEncryptionAlgorithm's only value, RSAES_OAEP_SHA_256, is checked with the model's
  // constraints; the model leaves it optional, and Trent takes its absence to mean that value.
  const bytes = recipient.AttestationDocument;
  if (bytes === undefined) throw refuse("noDocument", services);
  let document: AttestationDocument;
  try {
    const maxAgeSeconds = services.config.nitroMaxAgeSeconds;
    document = verifyAttestationDocument(bytes, {
      roots: services.nitroRoots,
      now,
      maxAgeMs: maxAgeSeconds === 0 ? undefined : maxAgeSeconds * 1000,
    });
  } catch (error) {
    if (error instanceof AttestationError) throw refuse(error.reason, services);
    throw error;
  }
  if (document.publicKey === undefined) throw refuse("noPublicKey", services);
  try {
    return { document, publicKey: RecipientPublicKey.fromSpki(document.publicKey) };
  } catch (error) {
    if (error instanceof RecipientKeyError) throw refuse("publicKey", services);
    throw error;
  }
}

/**
 * The verified Recipient of a request, or undefined when it has none. Called by the core after
 * the model's constraints and before authorization; throws AWS's ValidationException when the
 * document does not verify at `now`, the request's time.
 */
export function attestRecipient(
  services: Services,
  operation: OperationName,
  input: Readonly<Record<string, unknown>>,
  now: Date,
): AttestedRecipient | undefined {
  if (!recipientOperations.has(operation) || input.Recipient === undefined) return undefined;
  return attest(services, input.Recipient as RecipientInfo, now);
}

/**
 * CloudTrail's additionalEventData.recipient: the module id, PCR0 as the image digest, and
 * PCRs 1, 2, 3, 4 and 8, in AWS's order (developer guide, "Monitoring requests for Nitro
 * enclaves"). The values are base64, as real CloudTrail events show them (the guide's older
 * example shows hex, later ones only placeholders; test/fixtures/nitro/README.md).
 */
function auditNotes(document: AttestationDocument): Record<string, string> {
  const notes: Record<string, string> = { attestationDocumentModuleId: document.moduleId };
  const base64 = (pcr: Uint8Array) => Buffer.from(pcr).toString("base64");
  const imageDigest = document.pcrs.get(0);
  if (imageDigest) notes.attestationDocumentEnclaveImageDigest = base64(imageDigest);
  for (const index of [1, 2, 3, 4, 8]) {
    const pcr = document.pcrs.get(index);
    if (pcr) notes[`attestationDocumentEnclavePCR${index}`] = base64(pcr);
  }
  return notes;
}

/**
 * `secret` encrypted to the request's Recipient (CiphertextForRecipient), or undefined when the
 * request has no Recipient and the operation answers in plaintext. Wipes `secret` once sealed.
 * Notes the attestation for the audit record: CloudTrail shows it on answered requests only.
 */
export function sealForRecipient(ctx: RequestContext, secret: Uint8Array): Uint8Array | undefined {
  const recipient = ctx.recipient;
  if (!recipient) return undefined;
  ctx.audit.recipient = auditNotes(recipient.document);
  const envelope = envelopeForRecipient(recipient.publicKey, secret, ctx.services.random);
  // The plaintext is not part of the answer; nothing needs it once sealed.
  secret.fill(0);
  return envelope;
}
