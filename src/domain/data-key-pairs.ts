/**
 * Data key pairs (GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext): a fresh asymmetric
 * pair whose private key is sealed under a symmetric encryption key. The order of checks decides
 * which error a client sees: the encryption context and grant tokens, then the key (found, state, usage, not in a custom key store), then DryRun, and only then the
 * generation.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKeyPair.html
 */

import type { KeyRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { DataKeyPairSpec } from "../vocabulary/types.generated.js";
import { dryRunSucceeded } from "./dry-run.js";
import { validateEncryptionContext } from "./encryption-context.js";
import { sealUnderKey } from "./envelope.js";
import { resolveKey } from "./key-access.js";
import type { RequestContext } from "./request-context.js";

export type DataKeyPairOperation = "GenerateDataKeyPair" | "GenerateDataKeyPairWithoutPlaintext";

export interface DataKeyPairRequest {
  readonly KeyId: string;
  readonly KeyPairSpec: DataKeyPairSpec;
  readonly EncryptionContext?: Record<string, string>;
  readonly GrantTokens?: string[];
  readonly DryRun?: boolean;
}

export interface SealedDataKeyPair {
  readonly keyArn: string;
  readonly spec: DataKeyPairSpec;
  /** DER SubjectPublicKeyInfo. */
  readonly publicKey: Uint8Array;
  /** DER PKCS#8; present only when the caller asked for the plaintext private key. */
  readonly privateKey: Uint8Array | undefined;
  readonly privateKeyCiphertextBlob: Uint8Array;
  readonly keyMaterialId: string;
}

/**
 * Keys in a custom key store (CloudHSM or external) cannot wrap data key pairs; AWS answers with
 * its origin wording, as for other operations such keys do not support.
 */
function assertNotInCustomKeyStore(key: KeyRecord): void {
  if (key.customKeyStoreId !== undefined)
    throw new KmsError(
      "UnsupportedOperationException",
      `${key.arn} origin is ${key.origin} which is not valid for this operation.`,
    );
}

export async function generateDataKeyPair(
  ctx: RequestContext,
  request: DataKeyPairRequest,
  operation: DataKeyPairOperation,
  options: { readonly returnPrivateKey: boolean },
): Promise<SealedDataKeyPair> {
  const spec = request.KeyPairSpec;
  const encryptionContext = validateEncryptionContext(request.EncryptionContext);
  const key = await resolveKey(ctx, request.KeyId, operation);
  assertNotInCustomKeyStore(key);
  if (request.DryRun) throw dryRunSucceeded(operation);

  const pair = await ctx.services.dataKeyPairs.generate(spec);
  const sealed = await sealUnderKey(ctx, key, pair.privateKey, encryptionContext);
  if (!options.returnPrivateKey) pair.privateKey.fill(0);
  return {
    keyArn: key.arn,
    spec,
    publicKey: pair.publicKey,
    privateKey: options.returnPrivateKey ? pair.privateKey : undefined,
    privateKeyCiphertextBlob: sealed.ciphertextBlob,
    keyMaterialId: sealed.keyMaterialId,
  };
}
