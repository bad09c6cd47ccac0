/**
 * The store contract for key rotation settings and key material history (migration 0004): what
 * every Store backend must do with them, as seen through the Store interface.
 * rotation-sqlite.test.ts and rotation-postgres.test.ts run these cases on each backend.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KeyRecord } from "../../src/domain/key.js";
import type { KeyMaterialEntry, RotationSettings } from "../../src/domain/rotation.js";
import type { Store } from "../../src/store/store.js";

const account = "111122223333";
const region = "us-east-1";

function keyRecord(keyId: string, changes: Partial<KeyRecord> = {}): KeyRecord {
  return {
    arn: `arn:aws:kms:${region}:${account}:key/${keyId}`,
    keyId,
    accountId: account,
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
    policy: "{}",
    currentKeyMaterialId: undefined,
    ...changes,
  };
}

function settings(keyArn: string, changes: Partial<RotationSettings> = {}): RotationSettings {
  return {
    keyArn,
    automatic: true,
    periodInDays: 365,
    nextRotationDate: new Date("2026-01-01T00:00:00.456Z"),
    onDemandRotations: 0,
    ...changes,
  };
}

function entry(keyArn: string, materialId: string, changes: Partial<KeyMaterialEntry> = {}) {
  const value: KeyMaterialEntry = {
    keyArn,
    materialId,
    position: 1,
    rotationDate: undefined,
    rotationType: undefined,
    pendingRotation: false,
    imported: undefined,
    ...changes,
  };
  return value;
}

/** Runs `work` on a new, empty store and closes it. */
type WithStore = (work: (store: Store) => Promise<void>) => Promise<void>;

export function rotationStoreContract(open: () => Promise<Store>): void {
  const withStore: WithStore = async (work) => {
    const store = await open();
    try {
      await work(store);
    } finally {
      await store.close();
    }
  };

  describe("key rotation settings", () => {
    it("returns undefined for a key without settings, then every field as put", () =>
      withStore(async (store) => {
        const arn = keyRecord("k1").arn;
        assert.equal(await store.rotations.get(arn), undefined);
        const on = settings(arn, { periodInDays: 2560, onDemandRotations: 25 });
        await store.rotations.put(on);
        assert.deepEqual(await store.rotations.get(arn), on);
        const off = settings(arn, { automatic: false, nextRotationDate: undefined });
        await store.rotations.put(off);
        assert.deepEqual(await store.rotations.get(arn), off);
      }));

    it("lists due settings of Enabled keys only, at or before now, earliest first", () =>
      withStore(async (store) => {
        const now = new Date("2026-06-01T00:00:00.000Z");
        const keys = {
          due: keyRecord("due"),
          exactly: keyRecord("exactly"),
          later: keyRecord("later"),
          off: keyRecord("off"),
          disabled: keyRecord("disabled", { keyState: "Disabled" }),
          deleting: keyRecord("deleting", { keyState: "PendingDeletion" }),
        };
        for (const key of Object.values(keys)) await store.keys.insert(key);
        const past = new Date(now.getTime() - 86_400_000);
        await store.rotations.put(settings(keys.due.arn, { nextRotationDate: past }));
        await store.rotations.put(settings(keys.exactly.arn, { nextRotationDate: now }));
        await store.rotations.put(
          settings(keys.later.arn, { nextRotationDate: new Date(now.getTime() + 1) }),
        );
        await store.rotations.put(
          settings(keys.off.arn, { automatic: false, nextRotationDate: past }),
        );
        await store.rotations.put(settings(keys.disabled.arn, { nextRotationDate: past }));
        await store.rotations.put(settings(keys.deleting.arn, { nextRotationDate: past }));
        // Settings of a key that no longer exists are never due.
        await store.rotations.put(settings(keyRecord("gone").arn, { nextRotationDate: past }));
        const due = await store.rotations.listDue(now);
        assert.deepEqual(
          due.map((s) => s.keyArn),
          [keys.due.arn, keys.exactly.arn],
        );
      }));
  });

  describe("key material history", () => {
    it("keeps every field, lists a key's entries by position, replaces and deletes", () =>
      withStore(async (store) => {
        const arn = keyRecord("k1").arn;
        const rotated = entry(arn, "b".repeat(64), {
          position: 2,
          rotationDate: new Date("2025-02-03T04:05:06.789Z"),
          rotationType: "ON_DEMAND",
        });
        const imported = entry(arn, "a".repeat(64), {
          position: 1,
          imported: {
            importState: "IMPORTED",
            expirationModel: "KEY_MATERIAL_EXPIRES",
            // Past 2038: the column holds more than 32 bits of milliseconds.
            validTo: new Date("9999-12-31T23:59:59.999Z"),
            description: "ünïcødé: material/1 - v.2",
          },
        });
        const pending = entry(arn, "c".repeat(64), {
          position: 3,
          pendingRotation: true,
          imported: {
            importState: "IMPORTED",
            expirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
            validTo: undefined,
            description: undefined,
          },
        });
        await store.materialHistory.put(rotated);
        await store.materialHistory.put(pending);
        await store.materialHistory.put(imported);
        await store.materialHistory.put(entry(keyRecord("k2").arn, "d".repeat(64)));
        assert.deepEqual(await store.materialHistory.listForKey(arn), [imported, rotated, pending]);

        const deleted = {
          ...imported,
          imported: {
            ...(imported.imported as NonNullable<KeyMaterialEntry["imported"]>),
            importState: "PENDING_IMPORT" as const,
          },
        };
        await store.materialHistory.put(deleted);
        await store.materialHistory.delete(arn, pending.materialId);
        assert.deepEqual(await store.materialHistory.listForKey(arn), [deleted, rotated]);
      }));

    it("lists imported material that has expired by now, and only that", () =>
      withStore(async (store) => {
        const now = new Date("2026-06-01T00:00:00.000Z");
        const arn = keyRecord("k1").arn;
        const expiring = (id: string, validTo: Date, importState: "IMPORTED" | "PENDING_IMPORT") =>
          entry(arn, id.repeat(64), {
            imported: {
              importState,
              expirationModel: "KEY_MATERIAL_EXPIRES",
              validTo,
              description: undefined,
            },
          });
        const expired = expiring("a", new Date(now.getTime() - 1), "IMPORTED");
        const exactly = expiring("b", now, "IMPORTED");
        await store.materialHistory.put(expired);
        await store.materialHistory.put(exactly);
        await store.materialHistory.put(expiring("c", new Date(now.getTime() + 1), "IMPORTED"));
        await store.materialHistory.put(
          expiring("d", expired.imported?.validTo as Date, "PENDING_IMPORT"),
        );
        await store.materialHistory.put(entry(arn, "e".repeat(64)));
        assert.deepEqual(await store.materialHistory.listExpired(now), [expired, exactly]);
      }));

    it("deletes one sealed material, leaving the key's others", () =>
      withStore(async (store) => {
        const arn = keyRecord("k1").arn;
        const sealed = new Uint8Array([1, 2, 3]);
        const createdAt = new Date("2025-01-01T00:00:00.000Z");
        for (const materialId of ["a".repeat(64), "b".repeat(64)])
          await store.materials.insert({
            keyArn: arn,
            materialId,
            sealed,
            publicKey: undefined,
            createdAt,
          });
        await store.materials.delete(arn, "a".repeat(64));
        assert.equal(await store.materials.get(arn, "a".repeat(64)), undefined);
        assert.deepEqual(
          (await store.materials.listForKey(arn)).map((m) => m.materialId),
          ["b".repeat(64)],
        );
      }));
  });

  describe("deleting a key and reset", () => {
    it("take the key's rotation settings and material history with them", () =>
      withStore(async (store) => {
        const kept = keyRecord("kept");
        const gone = keyRecord("gone");
        for (const key of [kept, gone]) {
          await store.keys.insert(key);
          await store.rotations.put(settings(key.arn));
          await store.materialHistory.put(entry(key.arn, "a".repeat(64)));
        }
        await store.transaction((tx) => tx.keys.delete(gone.arn));
        assert.equal(await store.rotations.get(gone.arn), undefined);
        assert.deepEqual(await store.materialHistory.listForKey(gone.arn), []);
        assert.ok(await store.rotations.get(kept.arn));
        assert.equal((await store.materialHistory.listForKey(kept.arn)).length, 1);

        await store.reset();
        assert.equal(await store.rotations.get(kept.arn), undefined);
        assert.deepEqual(await store.materialHistory.listForKey(kept.arn), []);
      }));
  });
}
