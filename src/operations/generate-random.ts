/**
 * GenerateRandom: random bytes from the system CSPRNG.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateRandom.html
 */
import { KmsError } from "../domain/kms-errors.js";
import { recipientNotSupported } from "../domain/recipient.js";
import type { GenerateRandomRequest, GenerateRandomResponse } from "../protocol/types.generated.js";
import { defineOperation } from "./operation.js";

export const generateRandom = defineOperation<GenerateRandomRequest, GenerateRandomResponse>(
  "GenerateRandom",
  async (input, ctx) => {
    // The model marks NumberOfBytes optional for historical reasons; AWS requires it and says so
    // in its own sentence, not the generic "must not be null".
    if (input.NumberOfBytes === undefined)
      throw new KmsError("ValidationException", "NumberOfBytes is required.");
    // Trent has no custom key stores (CreateCustomKeyStore is not implemented), so no id names
    // one: AWS's answer for an id that does not exist.
    if (input.CustomKeyStoreId !== undefined)
      throw new KmsError(
        "CustomKeyStoreNotFoundException",
        `Custom key store '${input.CustomKeyStoreId}' does not exist`,
      );
    if (input.Recipient !== undefined) throw recipientNotSupported();
    return { Plaintext: ctx.services.random.bytes(input.NumberOfBytes) };
  },
);
