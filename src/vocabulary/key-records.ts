/** The records Trent keeps about keys and aliases, in domain words (no SQL, no wire names). */
import type {
  KeyManagerType,
  KeySpec,
  KeyState,
  KeyUsageType,
  MultiRegionKeyType,
  OriginType,
} from "./types.generated.js";

export interface KeyRecord {
  readonly arn: string;
  readonly keyId: string;
  readonly accountId: string;
  readonly region: string;
  readonly creationDate: Date;
  readonly description: string;
  readonly keyUsage: KeyUsageType;
  readonly keySpec: KeySpec;
  readonly origin: OriginType;
  readonly keyManager: KeyManagerType;
  readonly keyState: KeyState;
  readonly deletionDate: Date | undefined;
  readonly pendingDeletionWindowInDays: number | undefined;
  readonly multiRegion: boolean;
  readonly multiRegionKeyType: MultiRegionKeyType | undefined;
  /** Set for keys in a custom key store; such keys cannot wrap data keys or data key pairs. */
  readonly customKeyStoreId: string | undefined;
  /** The key policy document, exactly as stored (JSON text). */
  readonly policy: string;
  /** Id of the key material new ciphertexts use; absent while no material exists. */
  readonly currentKeyMaterialId: string | undefined;
}

/** A key's secret material, sealed under the root key; the store never sees it unsealed. */
export interface KeyMaterialRecord {
  readonly keyArn: string;
  readonly materialId: string;
  readonly sealed: Uint8Array;
  /** DER SubjectPublicKeyInfo for asymmetric keys: public, so kept unsealed. */
  readonly publicKey: Uint8Array | undefined;
  readonly createdAt: Date;
  /**
   * Version of the root key that sealed it; undefined for rows written before versions were
   * recorded (sealed under the key that start-up registers as version 1).
   */
  readonly rootKeyVersion: number | undefined;
}

export interface AliasRecord {
  readonly accountId: string;
  readonly region: string;
  /** Full name including the "alias/" prefix. */
  readonly aliasName: string;
  readonly targetKeyId: string;
  readonly creationDate: Date;
  readonly lastUpdatedDate: Date;
}

export interface TagRecord {
  readonly key: string;
  readonly value: string;
}
