/**
 * Verify: checks a signature with the public key of an asymmetric SIGN_VERIFY key. It answers
 * SignatureValid: true or fails with KMSInvalidSignatureException; it never answers false.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_Verify.html
 */
import { dryRunSucceeded } from "../domain/dry-run.js";
import { resolveKey } from "../domain/key-access.js";
import { checkSigning, verifyWithKey } from "../domain/signing.js";
import type { VerifyRequest, VerifyResponse } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const verify = defineOperation<VerifyRequest, VerifyResponse>(
  "Verify",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "Verify");
    const messageType = checkSigning(key, {
      algorithm: input.SigningAlgorithm,
      messageType: input.MessageType,
      messageLength: input.Message.length,
    });
    if (input.DryRun) throw dryRunSucceeded("Verify");
    await verifyWithKey(
      ctx,
      key,
      input.SigningAlgorithm,
      input.Message,
      messageType,
      input.Signature,
    );
    return { KeyId: key.arn, SignatureValid: true, SigningAlgorithm: input.SigningAlgorithm };
  },
);
