/**
 * A customer managed symmetric key as the store keeps it, for store-level tests: everything at
 * its CreateKey default unless `changes` says otherwise.
 */
import type { KeyRecord } from "../../src/vocabulary/key-records.js";

export function storedKey(
  keyId: string,
  changes: Partial<KeyRecord> & { readonly accountId?: string; readonly region?: string } = {},
): KeyRecord {
  const accountId = changes.accountId ?? "111122223333";
  const region = changes.region ?? "us-east-1";
  return {
    arn: `arn:aws:kms:${region}:${accountId}:key/${keyId}`,
    keyId,
    accountId,
    region,
    creationDate: new Date("2025-01-01T00:00:00.123Z"),
    description: "",
    keyUsage: "ENCRYPT_DECRYPT",
    keySpec: "SYMMETRIC_DEFAULT",
    origin: "AWS_KMS",
    keyManager: "CUSTOMER",
    keyState: "Enabled",
    deletionDate: undefined,
    pendingDeletionWindowInDays: undefined,
    multiRegion: false,
    multiRegionKeyType: undefined,
    customKeyStoreId: undefined,
    policy: '{"Version":"2012-10-17","Statement":[]}',
    currentKeyMaterialId: undefined,
    ...changes,
  };
}
