/**
 * VerifyMac: recomputes the HMAC of a message under an HMAC key and compares it with the one
 * given. It answers MacValid: true or fails with KMSInvalidMacException; it never answers false.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_VerifyMac.html
 */
import { dryRunSucceeded } from "../domain/dry-run.js";
import { resolveKey } from "../domain/key-access.js";
import { checkMac, verifyMacWithKey } from "../domain/macs.js";
import type { VerifyMacRequest, VerifyMacResponse } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const verifyMac = defineOperation<VerifyMacRequest, VerifyMacResponse>(
  "VerifyMac",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "VerifyMac");
    checkMac(key, input.MacAlgorithm);
    if (input.DryRun) throw dryRunSucceeded("VerifyMac");
    await verifyMacWithKey(ctx, key, input.MacAlgorithm, input.Message, input.Mac);
    return { KeyId: key.arn, MacValid: true, MacAlgorithm: input.MacAlgorithm };
  },
);
