/**
 * DeriveSharedSecret: the raw ECDH shared secret of a KEY_AGREEMENT key's private half and a
 * peer's public key on the same curve. With a Nitro enclave's Recipient the secret goes out only
 * as CiphertextForRecipient.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_DeriveSharedSecret.html
 */
import { dryRunSucceeded } from "../domain/dry-run.js";
import { resolveKey } from "../domain/key-access.js";
import { checkKeyAgreement, deriveWithKey } from "../domain/key-agreement.js";
import { sealForRecipient } from "../domain/recipient.js";
import type {
  DeriveSharedSecretRequest,
  DeriveSharedSecretResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const deriveSharedSecret = defineOperation<
  DeriveSharedSecretRequest,
  DeriveSharedSecretResponse
>("DeriveSharedSecret", async (input, ctx) => {
  const key = await resolveKey(ctx, input.KeyId, "DeriveSharedSecret");
  const peerPoint = checkKeyAgreement(key, input.KeyAgreementAlgorithm, input.PublicKey);
  if (input.DryRun) throw dryRunSucceeded("DeriveSharedSecret");
  const sharedSecret = await deriveWithKey(ctx, key, peerPoint);
  const forRecipient = sealForRecipient(ctx, sharedSecret);
  return {
    KeyId: key.arn,
    ...(forRecipient ? { CiphertextForRecipient: forRecipient } : { SharedSecret: sharedSecret }),
    KeyAgreementAlgorithm: input.KeyAgreementAlgorithm,
    KeyOrigin: key.origin,
  };
});
