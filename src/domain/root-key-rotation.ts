/**
 * `trent root-key rotate`: re-seals every sealed row (key materials, XKS proxy credentials,
 * Trent's own secrets) that is not under the current root key, online, beside running servers.
 *
 * Rows are read in batches in key order within each old version, and each batch is re-sealed
 * in one short transaction with compare-and-set on the row as read (same version, same bytes),
 * so a row changed meanwhile is left alone rather than overwritten, and a run killed half way
 * loses nothing: every batch committed is done, and running again continues with what is left.
 * Ciphertexts are unaffected: they are under key material, which does not change, only the
 * root key wrapping it. A version with nothing left under it is retired: its key can then be
 * removed from every node's configuration and destroyed.
 */
import { keyMaterialAad, sealedSecretAad } from "../platform/crypto/sealing.js";
import type { MaterialPosition, Store } from "../platform/store/store.js";
import { legacyRootKeyVersion, type RootKeyring } from "./root-keyring.js";

export interface RotationOptions {
  readonly now: () => Date;
  /** Rows re-sealed per transaction. */
  readonly batchSize?: number;
  /** Milliseconds to wait between batches, to spare a busy database; 0 unless given. */
  readonly pauseMs?: number;
  readonly progress: (line: string) => void;
}

export interface RotationResult {
  readonly resealed: number;
  /** Rows that changed between read and re-seal (left for a later run). */
  readonly changed: number;
  readonly retired: readonly number[];
  /** Old versions that still seal something after the run. */
  readonly remaining: readonly number[];
}

const defaultBatchSize = 200;

function versionName(version: number | undefined): string {
  return version === undefined
    ? `no recorded version (root key version ${legacyRootKeyVersion})`
    : `root key version ${version}`;
}

export async function rotateRootKey(
  store: Store,
  keyring: RootKeyring,
  options: RotationOptions,
): Promise<RotationResult> {
  const batchSize = options.batchSize ?? defaultBatchSize;
  const current = keyring.currentVersion;
  const registry = await store.rootKeys.list();
  const old = [
    undefined,
    ...registry.map((r) => r.version).filter((v) => v !== current && keyring.keyFor(v)),
  ];
  let resealed = 0;
  let changed = 0;
  for (const version of old) {
    let after: MaterialPosition | undefined;
    let fromThisVersion = 0;
    for (;;) {
      const batch = await store.materials.listSealedUnder(version, { limit: batchSize, after });
      const last = batch.at(-1);
      if (last === undefined) break;
      after = { keyArn: last.keyArn, materialId: last.materialId };
      const done = await store.transaction(async (tx) => {
        let ok = 0;
        for (const record of batch) {
          const aad = keyMaterialAad(record.keyArn, record.materialId);
          const secret = keyring.open(
            record.rootKeyVersion,
            record.sealed,
            aad,
            `key material ${record.materialId} of ${record.keyArn}`,
          );
          const sealed = keyring.seal(secret, aad).sealed;
          secret.fill(0);
          if (await tx.materials.reseal(record, sealed, current)) ok += 1;
        }
        return ok;
      });
      resealed += done;
      changed += batch.length - done;
      fromThisVersion += done;
      options.progress(
        `key materials: ${fromThisVersion} re-sealed from ${versionName(version)} to version ${current}`,
      );
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
    if (version === undefined) continue;
    const secrets = await store.sealedSecrets.listSealedUnder(version);
    if (secrets.length > 0) {
      const done = await store.transaction(async (tx) => {
        let ok = 0;
        for (const secret of secrets) {
          const aad = sealedSecretAad(secret.name);
          const value = keyring.open(secret.rootKeyVersion, secret.sealed, aad, secret.name);
          const sealed = keyring.seal(value, aad).sealed;
          value.fill(0);
          if (await tx.sealedSecrets.reseal(secret, sealed, current)) ok += 1;
        }
        return ok;
      });
      resealed += done;
      changed += secrets.length - done;
      options.progress(
        `Trent's sealed secrets: ${done} re-sealed from ${versionName(version)} to version ${current}`,
      );
    }
  }

  const retired: number[] = [];
  const remaining: number[] = [];
  for (const record of registry) {
    if (record.version === current || record.retiredAt !== undefined) continue;
    const stillUsed =
      (await store.rootKeys.isReferenced(record.version)) ||
      (record.version === legacyRootKeyVersion && (await store.rootKeys.isReferenced(undefined)));
    if (stillUsed) {
      remaining.push(record.version);
      options.progress(
        `root key version ${record.version} still seals rows written during the run: is a node still running with it as its current root key? Restart every node with the new key as current and the old one as previous, then run this again`,
      );
      continue;
    }
    await store.rootKeys.retire(record.version, options.now());
    retired.push(record.version);
    const source = keyring.keyFor(record.version)?.source;
    options.progress(
      `root key version ${record.version} is retired: nothing is sealed under it any more. Restart every node without ${source ?? "it"}; then that key can be destroyed`,
    );
  }
  return { resealed, changed, retired, remaining };
}
