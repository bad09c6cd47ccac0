/**
 * Rules for the EncryptionContext members of requests. The model makes a context a map of
 * string to string with no size limits, and AWS documents none beyond the request size; what it
 * does document is that asymmetric keys take no context at all:
 * https://docs.aws.amazon.com/kms/latest/developerguide/encrypt_context.html
 * The canonical byte form bound to ciphertexts lives in crypto/encryption-context.ts.
 */
import { KmsError } from "../vocabulary/kms-errors.js";

export type EncryptionContext = Readonly<Record<string, string>>;

/** Lone UTF-16 surrogates: UTF-8 cannot hold them, so two such contexts could collide. */
const loneSurrogate = /\p{Cs}/u;

function invalidContext(): KmsError {
  // AWS's wording for a context it cannot use (seen from GenerateDataKey).
  return new KmsError("ValidationException", "Invalid EncryptionContext");
}

/**
 * Checks one EncryptionContext member and returns it typed. JSON null values survive decoding
 * (a map keeps its keys), so they are caught here, with strings that are not well-formed UTF-16.
 */
export function validateEncryptionContext(
  context: Readonly<Record<string, unknown>> | undefined,
): EncryptionContext | undefined {
  if (context === undefined) return undefined;
  for (const [key, value] of Object.entries(context)) {
    if (typeof value !== "string" || loneSurrogate.test(key) || loneSurrogate.test(value))
      throw invalidContext();
  }
  return context as EncryptionContext;
}

export function hasEncryptionContext(context: EncryptionContext | undefined): boolean {
  return context !== undefined && Object.keys(context).length > 0;
}

/**
 * Asymmetric encryption algorithms have no associated data, so AWS refuses a context with them
 * rather than ignore it (the message is the one AWS KMS answers; KMS error texts still say CMK).
 */
export function assertNoEncryptionContext(context: EncryptionContext | undefined): void {
  if (hasEncryptionContext(context))
    throw new KmsError(
      "ValidationException",
      "EncryptionContext is not supported when encrypting/decrypting with asymmetric CMKs.",
    );
}
