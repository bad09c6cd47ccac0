/**
 * Key material as the domain sees it: created sealed under the current root key (its version
 * recorded in the row), opened on use with the key of the row's version. This is the one place
 * that seals and opens key material and XKS proxy credentials. Opened material is immutable for
 * its material id, so it is the one thing cached in memory (bounded); everything mutable is
 * read from the store on every request.
 */
import { keyMaterialAad } from "../platform/crypto/sealing.js";
import type { Store } from "../platform/store/store.js";
import type { KeyMaterialRecord } from "../vocabulary/key-records.js";
import type { RootKeyring } from "./root-keyring.js";

const cacheLimit = 4096;

export class KeyMaterialVault {
  private readonly opened = new Map<string, Uint8Array>();

  constructor(private readonly keyring: RootKeyring) {}

  /** Seals `secret` and stores it as material `materialId` of the key. */
  async create(
    store: Store,
    keyArn: string,
    materialId: string,
    secret: Uint8Array,
    publicKey: Uint8Array | undefined,
    now: Date,
  ): Promise<KeyMaterialRecord> {
    const { sealed, rootKeyVersion } = this.keyring.seal(
      secret,
      keyMaterialAad(keyArn, materialId),
    );
    const record: KeyMaterialRecord = {
      keyArn,
      materialId,
      sealed,
      publicKey,
      createdAt: now,
      rootKeyVersion,
    };
    await store.materials.insert(record);
    return record;
  }

  /** The plaintext material, or undefined when the key has no such material. */
  async open(store: Store, keyArn: string, materialId: string): Promise<Uint8Array | undefined> {
    const cacheKey = `${keyArn}\n${materialId}`;
    const cached = this.opened.get(cacheKey);
    if (cached) return cached;
    const record = await store.materials.get(keyArn, materialId);
    if (!record) return undefined;
    const secret = this.keyring.open(
      record.rootKeyVersion,
      record.sealed,
      keyMaterialAad(keyArn, materialId),
      `key material ${materialId} of ${keyArn}`,
    );
    if (this.opened.size >= cacheLimit) {
      const oldest = this.opened.keys().next().value;
      if (oldest !== undefined) this.opened.delete(oldest);
    }
    this.opened.set(cacheKey, secret);
    return secret;
  }

  /** Forgets cached material (after a key is deleted or the store is reset). */
  forget(keyArn?: string): void {
    if (keyArn === undefined) {
      this.opened.clear();
      return;
    }
    for (const k of this.opened.keys()) if (k.startsWith(`${keyArn}\n`)) this.opened.delete(k);
  }
}
