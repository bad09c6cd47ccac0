/**
 * GenerateRandom: random bytes from the system CSPRNG; with a Nitro enclave's Recipient, only as
 * CiphertextForRecipient.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateRandom.html
 */
import { loadCustomKeyStore } from "../domain/custom-key-stores.js";
import { sealForRecipient } from "../domain/recipient.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type {
  GenerateRandomRequest,
  GenerateRandomResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const generateRandom = defineOperation<GenerateRandomRequest, GenerateRandomResponse>(
  "GenerateRandom",
  async (input, ctx) => {
    // The model marks NumberOfBytes optional for historical reasons; AWS requires it and says so
    // in its own sentence, not the generic "must not be null".
    if (input.NumberOfBytes === undefined)
      throw new KmsError("ValidationException", "NumberOfBytes is required.");
    // AWS generates random bytes in a CloudHSM key store's cluster; external key stores cannot.
    // Trent has no CloudHSM clusters, so every store it holds is an external one.
    if (input.CustomKeyStoreId !== undefined) {
      const keyStore = await loadCustomKeyStore(ctx, ctx.services.store, input.CustomKeyStoreId);
      throw new KmsError(
        "UnsupportedOperationException",
        `GenerateRandom with CustomKeyStoreId is supported only for AWS CloudHSM key stores; ${keyStore.id} is an external key store.`,
      );
    }
    const random = ctx.services.random.bytes(input.NumberOfBytes);
    const forRecipient = sealForRecipient(ctx, random);
    return forRecipient ? { CiphertextForRecipient: forRecipient } : { Plaintext: random };
  },
);
