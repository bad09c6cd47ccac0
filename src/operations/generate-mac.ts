/**
 * GenerateMac: the HMAC of a message (up to 4096 bytes) under an HMAC key, with the MAC
 * algorithm of the key's spec.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateMac.html
 */
import { dryRunSucceeded } from "../domain/dry-run.js";
import { resolveKey } from "../domain/key-access.js";
import { checkMac, macWithKey } from "../domain/macs.js";
import type { GenerateMacRequest, GenerateMacResponse } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const generateMac = defineOperation<GenerateMacRequest, GenerateMacResponse>(
  "GenerateMac",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "GenerateMac");
    checkMac(key, input.MacAlgorithm);
    if (input.DryRun) throw dryRunSucceeded("GenerateMac");
    const mac = await macWithKey(ctx, key, input.MacAlgorithm, input.Message);
    return { Mac: mac, MacAlgorithm: input.MacAlgorithm, KeyId: key.arn };
  },
);
