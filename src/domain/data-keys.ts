/**
 * Data keys (GenerateDataKey, GenerateDataKeyWithoutPlaintext): random bytes of the length the
 * request asks for, sealed under a symmetric key. The length comes from exactly one of KeySpec
 * and NumberOfBytes; AWS answers one fixed sentence when both or neither are given.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKey.html
 */

import { KmsError } from "../vocabulary/kms-errors.js";
import type { DataKeySpec } from "../vocabulary/types.generated.js";
import { dryRunSucceeded } from "./dry-run.js";
import { validateEncryptionContext } from "./encryption-context.js";
import { sealUnderKey } from "./envelope.js";
import { resolveKey } from "./key-access.js";
import type { RequestContext } from "./request-context.js";

const dataKeyLengths: Record<DataKeySpec, number> = { AES_128: 16, AES_256: 32 };

export interface DataKeyRequest {
  readonly KeyId: string;
  readonly EncryptionContext?: Record<string, string>;
  readonly KeySpec?: DataKeySpec;
  readonly NumberOfBytes?: number;
  readonly GrantTokens?: string[];
  readonly DryRun?: boolean;
}

export interface DataKey {
  readonly keyArn: string;
  readonly plaintext: Uint8Array;
  readonly ciphertextBlob: Uint8Array;
  readonly keyMaterialId: string;
}

export function dataKeyLength(request: Pick<DataKeyRequest, "KeySpec" | "NumberOfBytes">): number {
  const { KeySpec: spec, NumberOfBytes: bytes } = request;
  if ((spec === undefined) === (bytes === undefined))
    throw new KmsError("ValidationException", "Please specify either number of bytes or key spec.");
  return spec === undefined ? (bytes as number) : dataKeyLengths[spec];
}

export async function generateDataKey(
  ctx: RequestContext,
  request: DataKeyRequest,
  operation: "GenerateDataKey" | "GenerateDataKeyWithoutPlaintext",
): Promise<DataKey> {
  const length = dataKeyLength(request);
  const encryptionContext = validateEncryptionContext(request.EncryptionContext);
  const key = await resolveKey(ctx, request.KeyId, operation);
  if (request.DryRun) throw dryRunSucceeded(operation);
  const plaintext = ctx.services.random.bytes(length);
  const sealed = await sealUnderKey(ctx, key, plaintext, encryptionContext);
  return {
    keyArn: key.arn,
    plaintext,
    ciphertextBlob: sealed.ciphertextBlob,
    keyMaterialId: sealed.keyMaterialId,
  };
}
