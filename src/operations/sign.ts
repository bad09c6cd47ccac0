/**
 * Sign: a digital signature of a message (up to 4096 bytes), a digest of one, or an ML-DSA μ,
 * with the private key of an asymmetric SIGN_VERIFY key.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html
 */
import { dryRunSucceeded } from "../domain/dry-run.js";
import { resolveKey } from "../domain/key-access.js";
import { checkSigning, signWithKey } from "../domain/signing.js";
import type { SignRequest, SignResponse } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const sign = defineOperation<SignRequest, SignResponse>("Sign", async (input, ctx) => {
  const key = await resolveKey(ctx, input.KeyId, "Sign");
  const messageType = checkSigning(key, {
    algorithm: input.SigningAlgorithm,
    messageType: input.MessageType,
    messageLength: input.Message.length,
  });
  if (input.DryRun) throw dryRunSucceeded("Sign");
  const signature = await signWithKey(ctx, key, input.SigningAlgorithm, input.Message, messageType);
  return { KeyId: key.arn, Signature: signature, SigningAlgorithm: input.SigningAlgorithm };
});
