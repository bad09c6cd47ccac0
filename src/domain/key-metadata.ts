/**
 * The wire KeyMetadata of a key (CreateKey and DescribeKey), filled the way AWS fills it:
 * members that do not apply to a kind of key are omitted, not sent empty.
 *   - EncryptionAlgorithms / SigningAlgorithms / MacAlgorithms / KeyAgreementAlgorithms: only
 *     the list of the key's usage (key-specs.ts).
 *   - CustomerMasterKeySpec: the deprecated twin of KeySpec, omitted for specs newer than it
 *     (ML_DSA_*, ECC_NIST_EDWARDS25519 are not in its enum).
 *   - DeletionDate: only while the key is pending deletion.
 *   - PendingDeletionWindowInDays: only in PendingReplicaDeletion (a multi-Region primary
 *     waiting for its replicas); a key in PendingDeletion shows DeletionDate instead.
 *   - MultiRegion is always present; MultiRegionConfiguration only for multi-Region keys.
 *   - ExpirationModel / ValidTo: only EXTERNAL keys with imported material; ValidTo only when
 *     that material expires.
 *   - CurrentKeyMaterialId: symmetric encryption keys of origin AWS_KMS or EXTERNAL, once they
 *     have key material.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_KeyMetadata.html
 */

import type { Store } from "../platform/store/store.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import type { ImportedMaterialState } from "../vocabulary/rotation-records.js";
import type { KeyMetadata, MultiRegionConfiguration } from "../vocabulary/types.generated.js";
import { algorithmsFor, customerMasterKeySpecOf } from "./key-specs.js";
import { multiRegionConfigurationOf, relatedKeys } from "./multi-region.js";

function multiRegionConfiguration(
  key: KeyRecord,
  related: readonly KeyRecord[] | undefined,
): MultiRegionConfiguration | undefined {
  if (!key.multiRegion) return undefined;
  // Without the related keys (a key just created) the key is its own primary, with no replicas.
  return multiRegionConfigurationOf(key, related ?? [key]);
}

function hasCurrentKeyMaterialId(key: KeyRecord): boolean {
  return (
    key.keySpec === "SYMMETRIC_DEFAULT" &&
    key.keyUsage === "ENCRYPT_DECRYPT" &&
    (key.origin === "AWS_KMS" || key.origin === "EXTERNAL")
  );
}

/** Fresh copies of the spec table's lists, so no caller can reach into the table. */
function algorithmLists(key: KeyRecord) {
  const lists = algorithmsFor(key.keySpec, key.keyUsage);
  return {
    EncryptionAlgorithms: lists.EncryptionAlgorithms && [...lists.EncryptionAlgorithms],
    SigningAlgorithms: lists.SigningAlgorithms && [...lists.SigningAlgorithms],
    MacAlgorithms: lists.MacAlgorithms && [...lists.MacAlgorithms],
    KeyAgreementAlgorithms: lists.KeyAgreementAlgorithms && [...lists.KeyAgreementAlgorithms],
  };
}

/**
 * `imported` is the state of the current material of an EXTERNAL key: AWS shows its
 * ExpirationModel, and ValidTo when it expires, only for such keys. `related` are the key's
 * related multi-Region keys (itself included), for its MultiRegionConfiguration.
 */
export function keyMetadata(
  key: KeyRecord,
  imported?: ImportedMaterialState,
  related?: readonly KeyRecord[],
): KeyMetadata {
  const expires = imported?.expirationModel === "KEY_MATERIAL_EXPIRES";
  return {
    AWSAccountId: key.accountId,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: key.creationDate,
    Enabled: key.keyState === "Enabled",
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: key.keyState,
    DeletionDate: key.keyState === "PendingDeletion" ? key.deletionDate : undefined,
    Origin: key.origin,
    CustomKeyStoreId: key.customKeyStoreId,
    KeyManager: key.keyManager,
    CustomerMasterKeySpec: customerMasterKeySpecOf(key.keySpec),
    KeySpec: key.keySpec,
    ...algorithmLists(key),
    MultiRegion: key.multiRegion,
    MultiRegionConfiguration: multiRegionConfiguration(key, related),
    PendingDeletionWindowInDays:
      key.keyState === "PendingReplicaDeletion" ? key.pendingDeletionWindowInDays : undefined,
    CurrentKeyMaterialId: hasCurrentKeyMaterialId(key) ? key.currentKeyMaterialId : undefined,
    ExpirationModel: key.origin === "EXTERNAL" ? imported?.expirationModel : undefined,
    ValidTo: key.origin === "EXTERNAL" && expires ? imported?.validTo : undefined,
  };
}

/**
 * keyMetadata with the facts kept beside the key record (DescribeKey): related multi-Region
 * keys, the imported material's expiry for EXTERNAL keys, the external key of a key in an
 * external key store.
 */
export async function storedKeyMetadata(store: Store, key: KeyRecord): Promise<KeyMetadata> {
  const related = key.multiRegion ? await relatedKeys(store, key) : undefined;
  if (key.origin === "EXTERNAL_KEY_STORE") {
    const external = await store.customKeyStores.getXksKey(key.arn);
    const metadata = keyMetadata(key, undefined, related);
    return external ? { ...metadata, XksKeyConfiguration: { Id: external.xksKeyId } } : metadata;
  }
  if (key.origin !== "EXTERNAL" || key.currentKeyMaterialId === undefined)
    return keyMetadata(key, undefined, related);
  const history = await store.materialHistory.listForKey(key.arn);
  const current = history.find((entry) => entry.materialId === key.currentKeyMaterialId);
  return keyMetadata(
    key,
    current?.imported?.importState === "IMPORTED" ? current.imported : undefined,
    related,
  );
}
