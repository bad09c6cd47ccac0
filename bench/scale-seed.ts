/**
 * Fills a Trent SQLite file with many keys quickly, written straight into the tables rather
 * than through CreateKey (a million CreateKeys over HTTP would take most of an hour). Every
 * row is what CreateKey writes: the key row is a copy of a template key that Trent itself
 * created in this file (its policy, states and dates), under a new key id, and its key
 * material row has the template's size and root key version. The keys the bench uses (a
 * sample spread over the key space) get material of their own: 32 fresh random bytes sealed
 * under the root key Trent runs with, with the key's ARN and material id as AAD, so they
 * encrypt and decrypt like any key. The rest carry the template's sealed bytes, which open
 * for the template only: a million seals would take about a minute on a busy machine and
 * change nothing in what the bench measures. Each key gets one alias, so ListAliases has as
 * many entries to page through as ListKeys.
 *
 * Rows go in sorted by key id (and alias name) in large transactions: appending to the indexes
 * in order keeps seeding a million keys within seconds rather than minutes.
 */
import { randomBytes, randomUUID } from "node:crypto";
import SQLite from "better-sqlite3";
import { RawRootKey } from "../src/platform/crypto/root-key.js";
import { keyMaterialAad } from "../src/platform/crypto/sealing.js";
import type { AliasesTable, KeyMaterialsTable, KeysTable } from "../src/platform/store/schema.js";
import { keyArn } from "../src/vocabulary/arns.js";

export interface SeededKeys {
  /** The account and Region of every seeded key: the template's. */
  readonly accountId: string;
  readonly region: string;
  /** Every key id in the file, the template's included, in code-point (ListKeys) order. */
  readonly keyIds: readonly string[];
  /** The keys with material of their own (see above), spread evenly over keyIds. */
  readonly sampleKeyIds: readonly string[];
  /** Every alias name seeded, in code-point (ListAliases) order. */
  readonly aliasNames: readonly string[];
  readonly seconds: number;
}

/** Rows per transaction. */
const batch = 20_000;

function insertStatement(db: SQLite.Database, table: string, columns: readonly string[]) {
  return db.prepare(
    `insert into ${table} (${columns.join(", ")}) values (${columns.map(() => "?").join(", ")})`,
  );
}

/** `count` items spread evenly over `all`, first and last included. */
export function spreadOver<T>(all: readonly T[], count: number): T[] {
  const picked: T[] = [];
  for (let i = 0; i < Math.min(count, all.length); i++)
    picked.push(all[Math.floor((i * (all.length - 1)) / Math.max(1, count - 1))] as T);
  return picked;
}

/** The name of the nth seeded alias: zero-padded, so name order is seeding order. */
export function seededAliasName(n: number): string {
  return `alias/scale-${String(n).padStart(8, "0")}`;
}

/**
 * Adds keys to the file until it holds `total`, copying the key `templateKeyId`. `rootKey` is
 * the root key Trent runs with on this file (TRENT_ROOT_KEY).
 */
export function seedKeys(
  file: string,
  templateKeyId: string,
  total: number,
  rootKey: Uint8Array,
  sampleSize: number,
): SeededKeys {
  const started = performance.now();
  const db = new SQLite(file);
  try {
    db.pragma("journal_mode = WAL");
    // A bench file: losing it to a crash would only mean seeding again.
    db.pragma("synchronous = OFF");
    db.pragma("cache_size = -262144");
    const template = db.prepare("select * from keys where key_id = ?").get(templateKeyId) as
      | KeysTable
      | undefined;
    if (template === undefined) throw new Error(`no template key ${templateKeyId}`);
    const templateMaterial = db
      .prepare("select * from key_materials where key_arn = ?")
      .get(template.arn) as KeyMaterialsTable | undefined;
    if (templateMaterial === undefined) throw new Error("the template key has no key material");
    const sealer = new RawRootKey(rootKey, "the bench's root key");

    const newIds: string[] = [];
    for (let i = 1; i < total; i++) newIds.push(randomUUID());
    const keyIds = [...newIds, templateKeyId].sort();
    const sampleKeyIds = spreadOver(keyIds, sampleSize);
    const sample = new Set(sampleKeyIds);
    const keyColumns = Object.keys(template) as (keyof KeysTable)[];
    const materialColumns = Object.keys(templateMaterial) as (keyof KeyMaterialsTable)[];
    const insertKey = insertStatement(db, "keys", keyColumns);
    const insertMaterial = insertStatement(db, "key_materials", materialColumns);
    const aliasColumns: readonly (keyof AliasesTable)[] = [
      "account_id",
      "region",
      "alias_name",
      "target_key_id",
      "created_at",
      "updated_at",
    ];
    const insertAlias = insertStatement(db, "aliases", aliasColumns);
    const insertKeys = db.transaction((from: number, to: number) => {
      const materialIds = randomBytes(32 * (to - from)).toString("hex");
      for (let n = from; n < to; n++) {
        const keyId = keyIds[n] as string;
        if (keyId === templateKeyId) continue;
        const arn = keyArn(template.region, template.account_id, keyId);
        const materialId = materialIds.slice((n - from) * 64, (n - from + 1) * 64);
        const key: KeysTable = { ...template, arn, key_id: keyId, current_material_id: materialId };
        insertKey.run(keyColumns.map((column) => key[column]));
        const material: KeyMaterialsTable = {
          ...templateMaterial,
          key_arn: arn,
          material_id: materialId,
          sealed: sample.has(keyId)
            ? sealer.seal(randomBytes(32), keyMaterialAad(arn, materialId))
            : templateMaterial.sealed,
        };
        insertMaterial.run(materialColumns.map((column) => material[column]));
      }
    });
    for (let n = 0; n < keyIds.length; n += batch)
      insertKeys(n, Math.min(n + batch, keyIds.length));

    // Aliases in name order, pointing at keys in a scattered order.
    const aliasNames = keyIds.map((_, n) => seededAliasName(n));
    const insertAliases = db.transaction((from: number, to: number) => {
      for (let n = from; n < to; n++) {
        const alias: AliasesTable = {
          account_id: template.account_id,
          region: template.region,
          alias_name: aliasNames[n] as string,
          target_key_id: keyIds[(n * 7919) % keyIds.length] as string,
          created_at: template.created_at,
          updated_at: template.created_at,
        };
        insertAlias.run(aliasColumns.map((column) => alias[column]));
      }
    });
    for (let n = 0; n < keyIds.length; n += batch)
      insertAliases(n, Math.min(n + batch, keyIds.length));
    db.pragma("wal_checkpoint(TRUNCATE)");
    return {
      accountId: template.account_id,
      region: template.region,
      keyIds,
      sampleKeyIds,
      aliasNames,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    db.close();
  }
}
