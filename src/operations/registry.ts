/**
 * The closed list of KMS operations. Every operation of the KMS model appears exactly once, so
 * the compiler rejects a missing one; `checkRegistry` runs at start-up and in a test. Operations
 * Trent does not implement yet answer UnsupportedOperationException (see notImplemented).
 */
import { type OperationName, operationNames } from "../vocabulary/model.generated.js";
import { cancelKeyDeletion } from "./cancel-key-deletion.js";
import { connectCustomKeyStore } from "./connect-custom-key-store.js";
import { createAlias } from "./create-alias.js";
import { createCustomKeyStore } from "./create-custom-key-store.js";
import { createGrant } from "./create-grant.js";
import { createKey } from "./create-key.js";
import { decrypt } from "./decrypt.js";
import { deleteAlias } from "./delete-alias.js";
import { deleteCustomKeyStore } from "./delete-custom-key-store.js";
import { deleteImportedKeyMaterial } from "./delete-imported-key-material.js";
import { deriveSharedSecret } from "./derive-shared-secret.js";
import { describeCustomKeyStores } from "./describe-custom-key-stores.js";
import { describeKey } from "./describe-key.js";
import { disableKey } from "./disable-key.js";
import { disableKeyRotation } from "./disable-key-rotation.js";
import { disconnectCustomKeyStore } from "./disconnect-custom-key-store.js";
import { enableKey } from "./enable-key.js";
import { enableKeyRotation } from "./enable-key-rotation.js";
import { encrypt } from "./encrypt.js";
import { generateDataKey } from "./generate-data-key.js";
import { generateDataKeyPair } from "./generate-data-key-pair.js";
import { generateDataKeyPairWithoutPlaintext } from "./generate-data-key-pair-without-plaintext.js";
import { generateDataKeyWithoutPlaintext } from "./generate-data-key-without-plaintext.js";
import { generateMac } from "./generate-mac.js";
import { generateRandom } from "./generate-random.js";
import { getKeyLastUsage } from "./get-key-last-usage.js";
import { getKeyPolicy } from "./get-key-policy.js";
import { getKeyRotationStatus } from "./get-key-rotation-status.js";
import { getParametersForImport } from "./get-parameters-for-import.js";
import { getPublicKey } from "./get-public-key.js";
import { importKeyMaterial } from "./import-key-material.js";
import { listAliases } from "./list-aliases.js";
import { listGrants } from "./list-grants.js";
import { listKeyPolicies } from "./list-key-policies.js";
import { listKeyRotations } from "./list-key-rotations.js";
import { listKeys } from "./list-keys.js";
import { listResourceTags } from "./list-resource-tags.js";
import { listRetirableGrants } from "./list-retirable-grants.js";
import type { Operation } from "./operation.js";
import { putKeyPolicy } from "./put-key-policy.js";
import { reEncrypt } from "./re-encrypt.js";
import { replicateKey } from "./replicate-key.js";
import { retireGrant } from "./retire-grant.js";
import { revokeGrant } from "./revoke-grant.js";
import { rotateKeyOnDemand } from "./rotate-key-on-demand.js";
import { scheduleKeyDeletion } from "./schedule-key-deletion.js";
import { sign } from "./sign.js";
import { tagResource } from "./tag-resource.js";
import { untagResource } from "./untag-resource.js";
import { updateAlias } from "./update-alias.js";
import { updateCustomKeyStore } from "./update-custom-key-store.js";
import { updateKeyDescription } from "./update-key-description.js";
import { updatePrimaryRegion } from "./update-primary-region.js";
import { verify } from "./verify.js";
import { verifyMac } from "./verify-mac.js";

// biome-ignore lint/suspicious/noExplicitAny: each operation has its own input and output types
type AnyOperation = Operation<any, any>;

export const operations: Record<OperationName, AnyOperation> = {
  CancelKeyDeletion: cancelKeyDeletion,
  ConnectCustomKeyStore: connectCustomKeyStore,
  CreateAlias: createAlias,
  CreateCustomKeyStore: createCustomKeyStore,
  CreateGrant: createGrant,
  CreateKey: createKey,
  Decrypt: decrypt,
  DeleteAlias: deleteAlias,
  DeleteCustomKeyStore: deleteCustomKeyStore,
  DeleteImportedKeyMaterial: deleteImportedKeyMaterial,
  DeriveSharedSecret: deriveSharedSecret,
  DescribeCustomKeyStores: describeCustomKeyStores,
  DescribeKey: describeKey,
  DisableKey: disableKey,
  DisableKeyRotation: disableKeyRotation,
  DisconnectCustomKeyStore: disconnectCustomKeyStore,
  EnableKey: enableKey,
  EnableKeyRotation: enableKeyRotation,
  Encrypt: encrypt,
  GenerateDataKey: generateDataKey,
  GenerateDataKeyPair: generateDataKeyPair,
  GenerateDataKeyPairWithoutPlaintext: generateDataKeyPairWithoutPlaintext,
  GenerateDataKeyWithoutPlaintext: generateDataKeyWithoutPlaintext,
  GenerateMac: generateMac,
  GenerateRandom: generateRandom,
  GetKeyLastUsage: getKeyLastUsage,
  GetKeyPolicy: getKeyPolicy,
  GetKeyRotationStatus: getKeyRotationStatus,
  GetParametersForImport: getParametersForImport,
  GetPublicKey: getPublicKey,
  ImportKeyMaterial: importKeyMaterial,
  ListAliases: listAliases,
  ListGrants: listGrants,
  ListKeyPolicies: listKeyPolicies,
  ListKeyRotations: listKeyRotations,
  ListKeys: listKeys,
  ListResourceTags: listResourceTags,
  ListRetirableGrants: listRetirableGrants,
  PutKeyPolicy: putKeyPolicy,
  ReEncrypt: reEncrypt,
  ReplicateKey: replicateKey,
  RetireGrant: retireGrant,
  RevokeGrant: revokeGrant,
  RotateKeyOnDemand: rotateKeyOnDemand,
  ScheduleKeyDeletion: scheduleKeyDeletion,
  Sign: sign,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateAlias: updateAlias,
  UpdateCustomKeyStore: updateCustomKeyStore,
  UpdateKeyDescription: updateKeyDescription,
  UpdatePrimaryRegion: updatePrimaryRegion,
  Verify: verify,
  VerifyMac: verifyMac,
};

/** Throws unless the registry holds exactly the model's operations, each under its own name. */
export function checkRegistry(): void {
  const registered = Object.keys(operations).sort();
  const expected = [...operationNames].sort();
  if (JSON.stringify(registered) !== JSON.stringify(expected)) {
    throw new Error(`operation registry does not match the KMS model: ${registered.join(",")}`);
  }
  for (const [name, operation] of Object.entries(operations)) {
    if (operation.name !== name)
      throw new Error(`operation ${name} is registered as ${operation.name}`);
  }
}

export function findOperation(name: string): AnyOperation | undefined {
  return Object.hasOwn(operations, name) ? operations[name as OperationName] : undefined;
}
