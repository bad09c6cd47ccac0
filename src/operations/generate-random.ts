/**
 * GenerateRandom: random bytes from the system CSPRNG.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateRandom.html
 */
import { KmsError } from "../domain/kms-errors.js";
import type { GenerateRandomRequest, GenerateRandomResponse } from "../protocol/types.generated.js";
import { validationError } from "../protocol/validate.js";
import { defineOperation } from "./operation.js";

export const generateRandom = defineOperation<GenerateRandomRequest, GenerateRandomResponse>(
  "GenerateRandom",
  async (input, ctx) => {
    if (input.CustomKeyStoreId !== undefined)
      throw new KmsError(
        "CustomKeyStoreNotFoundException",
        `Custom key store '${input.CustomKeyStoreId}' does not exist`,
      );
    if (input.Recipient !== undefined)
      throw new KmsError(
        "UnsupportedOperationException",
        "Trent does not support Recipient (Nitro Enclaves attestation documents).",
      );
    if (input.NumberOfBytes === undefined)
      throw validationError("numberOfBytes", undefined, "not be null");
    return { Plaintext: ctx.services.random.bytes(input.NumberOfBytes) };
  },
);
