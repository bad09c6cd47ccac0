/**
 * Start-up's proof that this node's root keys open the data it holds, before anything listens.
 *
 * The store keeps a registry of root key versions, each with a check value sealed under that
 * key; every sealed row records the version that sealed it. At start-up each configured key
 * (current and previous) is trial-opened against every check value, which maps keys to
 * versions. If any version that still seals a row is opened by none of the configured keys,
 * Trent refuses to start with one line naming the problem. An unregistered current key is
 * registered as the next version. A store from before versions were recorded (rows without a
 * version, no registry) is adopted: the configured key that opens one of its rows becomes
 * version 1 and its rows are marked so.
 *
 * The grant-token MAC key, the import key and the audit digest key live sealed in the store too
 * (a store from before the audit digest key gets one at its next start). A store adopted
 * from before keeps the keys Trent used to derive from its raw root key, so grant tokens and
 * import tokens already issued keep working; a new store gets random ones. Either way they no
 * longer depend on the root key, so rotating it changes neither.
 *
 * Several nodes may start at once on one database: every write happens in one transaction that
 * first checks the registry is still as read, registrations lose races gracefully (insert-or-
 * nothing), and the whole proof then runs again on what the winner wrote.
 */
import { type RootKey, RootKeySourceError } from "../platform/crypto/root-key.js";
import {
  checkValueAad,
  checkValuePlaintext,
  keyMaterialAad,
  sealedSecretAad,
} from "../platform/crypto/sealing.js";
import type { RootKeyRecord, Store } from "../platform/store/store.js";
import { legacyRootKeyVersion, RootKeyring } from "./root-keyring.js";

/** A root key from the configuration, named by where it came from. */
export interface ConfiguredRootKey {
  readonly key: RootKey;
  /** e.g. "TRENT_ROOT_KEY", "TRENT_ROOT_KEY_PREVIOUS entry 1" */
  readonly source: string;
}

/** A current key that does not exist yet (a PKCS#11 label not in the token): made on demand. */
export interface PendingRootKey {
  readonly source: string;
  generate(): RootKey;
}

export interface ConfiguredRootKeys {
  readonly current: ConfiguredRootKey | PendingRootKey;
  readonly previous: readonly ConfiguredRootKey[];
}

export interface RootKeyCustody {
  readonly keyring: RootKeyring;
  readonly grantTokenKey: Uint8Array;
  readonly importKey: Uint8Array;
  readonly auditDigestKey: Uint8Array;
  /** One line for the start-up log: which configured key is which version. */
  readonly summary: string;
}

/** Start-up must not go on: the message is the one line to print. */
export class RootKeyProofError extends Error {}

export const grantTokenKeyName = "grant-token-key";
export const importKeyName = "import-key";
/** Signs the digests of rotated audit files (platform/audit/digests.ts). */
export const auditDigestKeyName = "audit-digest-key";
const secretNames = [grantTokenKeyName, importKeyName, auditDigestKeyName] as const;

export interface ProofOptions {
  readonly now: () => Date;
  readonly randomBytes: (length: number) => Uint8Array;
  /** Where the store is (a file, a redacted database URL), for the refusal line. */
  readonly location: string;
}

function isPending(key: ConfiguredRootKey | PendingRootKey): key is PendingRootKey {
  return "generate" in key;
}

/** True when `key` opens the check value of `record`; a failing key source is thrown. */
function opensCheckValue(key: RootKey, record: RootKeyRecord): boolean {
  try {
    const text = key.open(record.checkValue, checkValueAad(record.version));
    return Buffer.from(text).equals(Buffer.from(checkValuePlaintext));
  } catch (error) {
    if (error instanceof RootKeySourceError) throw error;
    return false;
  }
}

function opensSealed(key: RootKey, sealed: Uint8Array, aad: Uint8Array): boolean {
  try {
    key.open(sealed, aad);
    return true;
  } catch (error) {
    if (error instanceof RootKeySourceError) throw error;
    return false;
  }
}

/** Which registered version each configured key is (undefined: none). */
export function mapConfiguredKeys(
  keys: readonly ConfiguredRootKey[],
  registry: readonly RootKeyRecord[],
): Map<ConfiguredRootKey, RootKeyRecord | undefined> {
  const mapping = new Map<ConfiguredRootKey, RootKeyRecord | undefined>();
  for (const configured of keys)
    mapping.set(
      configured,
      registry.find((record) => opensCheckValue(configured.key, record)),
    );
  return mapping;
}

function describeSources(keys: readonly { source: string }[]): string {
  const sources = keys.map((key) => key.source).join(", ");
  return keys.length === 1
    ? `the root key (${sources}) does not`
    : `the root keys (${sources}) do not`;
}

function versionList(versions: readonly number[]): string {
  if (versions.length === 1) return `root key version ${versions[0]}`;
  return `root key versions ${versions.slice(0, -1).join(", ")} and ${versions.at(-1)}`;
}

async function referenced(store: Store, version: number): Promise<boolean> {
  if (await store.rootKeys.isReferenced(version)) return true;
  // Rows a node of an older Trent wrote without a version are under the legacy key.
  return version === legacyRootKeyVersion && (await store.rootKeys.isReferenced(undefined));
}

function checkValue(key: RootKey, version: number): Uint8Array {
  return key.seal(checkValuePlaintext, checkValueAad(version));
}

function sameRegistry(a: readonly RootKeyRecord[], b: readonly RootKeyRecord[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (record, i) =>
        record.version === b[i]?.version &&
        record.retiredAt?.getTime() === b[i]?.retiredAt?.getTime(),
    )
  );
}

/** Rounds of read, check and write before giving up on a registry that keeps changing. */
const proofAttempts = 8;

/**
 * Proves the configured keys open the store and settles the registry; returns the keyring
 * and Trent's own secrets, or throws RootKeyProofError with the line to print.
 */
export async function proveRootKeys(
  store: Store,
  configured: ConfiguredRootKeys,
  options: ProofOptions,
): Promise<RootKeyCustody> {
  let current = configured.current;
  for (let attempt = 1; attempt <= proofAttempts; attempt += 1) {
    const registry = await store.rootKeys.list();
    const existing = [...(isPending(current) ? [] : [current]), ...configured.previous];
    const mapping = mapConfiguredKeys(existing, registry);
    const opened = new Set([...mapping.values()].map((record) => record?.version));

    // Every version that still seals something must be opened by one of the configured keys.
    const unopened: number[] = [];
    for (const record of registry)
      if (!opened.has(record.version) && (await referenced(store, record.version)))
        unopened.push(record.version);
    if (unopened.length > 0) {
      // A key that a rotation retired is a likely mistake (the old key configured again): say so.
      const retired = [...mapping]
        .filter(([, record]) => record?.retiredAt !== undefined)
        .map(
          ([key, record]) =>
            `; ${key.source} is root key version ${record?.version}, retired on ${record?.retiredAt?.toISOString()}`,
        )
        .join("");
      throw new RootKeyProofError(
        `${describeSources(existing.length > 0 ? existing : [current])} open the data in ${options.location}: it was sealed under ${versionList(unopened)}, which none of the configured root keys opens${retired}`,
      );
    }

    // A store from before root key versions: find the key that sealed its rows.
    let legacyKey: ConfiguredRootKey | undefined;
    if (registry.length === 0) {
      const [row] = await store.materials.listSealedUnder(undefined, { limit: 1 });
      if (row !== undefined) {
        const aad = keyMaterialAad(row.keyArn, row.materialId);
        legacyKey = existing.find((key) => opensSealed(key.key, row.sealed, aad));
        if (legacyKey === undefined)
          throw new RootKeyProofError(
            `${describeSources(existing.length > 0 ? existing : [current])} open the data in ${options.location}: it was sealed before root key versions were recorded, under a root key that none of the configured root keys is`,
          );
      }
    }

    if (!isPending(current)) {
      const currentRecord = mapping.get(current);
      if (currentRecord?.retiredAt !== undefined)
        throw new RootKeyProofError(
          `the current root key (${current.source}) is root key version ${currentRecord.version}, which was retired on ${currentRecord.retiredAt.toISOString()} after a rotation moved everything off it: configure the newer root key as current`,
        );
    } else {
      // Only now, with the proof passed, may a new key be made inside the token: a wrong token
      // on a store that holds data has refused above instead.
      current = { key: current.generate(), source: current.source };
      continue;
    }

    const currentKey = current;
    const currentRecord = legacyKey === currentKey ? undefined : mapping.get(currentKey);
    const secrets = new Map(
      await Promise.all(
        secretNames.map(async (name) => [name, await store.sealedSecrets.get(name)] as const),
      ),
    );
    const missingSecrets = secretNames.filter((name) => secrets.get(name) === undefined);
    if (currentRecord !== undefined && legacyKey === undefined && missingSecrets.length === 0) {
      const keyring = new RootKeyring(
        { version: currentRecord.version, key: currentKey.key, source: currentKey.source },
        [...mapping]
          .filter(([key, record]) => key !== currentKey && record !== undefined)
          .map(([key, record]) => ({
            version: (record as RootKeyRecord).version,
            key: key.key,
            source: key.source,
          })),
      );
      const open = (name: string) => {
        const secret = secrets.get(name as (typeof secretNames)[number]);
        if (secret === undefined) throw new Error(`sealed secret ${name} vanished`);
        return keyring.open(
          secret.rootKeyVersion,
          secret.sealed,
          sealedSecretAad(name),
          `Trent's ${name}`,
        );
      };
      return {
        keyring,
        grantTokenKey: open(grantTokenKeyName),
        importKey: open(importKeyName),
        auditDigestKey: open(auditDigestKeyName),
        summary: summarize(mapping, currentKey, registry),
      };
    }

    // Something to write: adopt a legacy store, register the current key, store the secrets.
    await store.transaction(async (tx) => {
      if (!sameRegistry(await tx.rootKeys.list(), registry)) return;
      const now = options.now();
      let next = registry.reduce((max, record) => Math.max(max, record.version), 0) + 1;
      let derived: { grantTokenKey: Uint8Array; importKey: Uint8Array } | undefined;
      if (legacyKey !== undefined) {
        const registered = await tx.rootKeys.register({
          version: legacyRootKeyVersion,
          checkValue: checkValue(legacyKey.key, legacyRootKeyVersion),
          createdAt: now,
          retiredAt: undefined,
        });
        if (!registered) return;
        await tx.materials.adoptUnversioned(legacyRootKeyVersion);
        derived = legacyKey.key.legacyDerivedKeys?.();
        next = legacyRootKeyVersion + 1;
      }
      let currentVersion = legacyKey === currentKey ? legacyRootKeyVersion : currentRecord?.version;
      if (currentVersion === undefined) {
        const registered = await tx.rootKeys.register({
          version: next,
          checkValue: checkValue(currentKey.key, next),
          createdAt: now,
          retiredAt: undefined,
        });
        if (!registered) return;
        currentVersion = next;
      }
      for (const name of missingSecrets) {
        // An adopted store keeps the keys its tokens were made with; anything else is new.
        const value =
          derived !== undefined && name === grantTokenKeyName
            ? derived.grantTokenKey
            : derived !== undefined && name === importKeyName
              ? derived.importKey
              : options.randomBytes(32);
        await tx.sealedSecrets.insert({
          name,
          sealed: currentKey.key.seal(value, sealedSecretAad(name)),
          rootKeyVersion: currentVersion,
          createdAt: now,
        });
      }
    });
    // Whatever happened (ours written, or another node's won), prove again on what is stored.
  }
  throw new RootKeyProofError(
    `the root key registry in ${options.location} kept changing while this node started (${proofAttempts} attempts); start it again`,
  );
}

function summarize(
  mapping: Map<ConfiguredRootKey, RootKeyRecord | undefined>,
  current: ConfiguredRootKey,
  registry: readonly RootKeyRecord[],
): string {
  const parts: string[] = [];
  for (const [key, record] of mapping) {
    const role = key === current ? "current" : "previous";
    if (record === undefined) {
      // A previous key that seals nothing here: harmless, and worth telling the operator.
      parts.push(`${key.source} (${role}) opens no registered version and is not needed`);
      continue;
    }
    parts.push(
      `${key.source} is version ${record.version} (${role}${record.retiredAt ? ", retired" : ""})`,
    );
  }
  const versions = registry.map((record) => record.version).join(", ");
  return `root keys: ${parts.join("; ")}; registered versions: ${versions}`;
}

/** The keyring for `trent root-key status`: which configured key is which version, no writes. */
export interface RootKeyStatus {
  readonly registry: readonly RootKeyRecord[];
  readonly configured: readonly {
    readonly source: string;
    readonly role: "current" | "previous";
    readonly version: number | undefined;
  }[];
  readonly counts: Awaited<ReturnType<Store["rootKeys"]["countSealed"]>>;
}

export async function rootKeyStatus(
  store: Store,
  configured: ConfiguredRootKeys,
): Promise<RootKeyStatus> {
  const registry = await store.rootKeys.list();
  const current = configured.current;
  const keys = [...(isPending(current) ? [] : [current]), ...configured.previous];
  const mapping = mapConfiguredKeys(keys, registry);
  return {
    registry,
    configured: [
      ...(isPending(current)
        ? [
            {
              source: `${current.source} (not in the token yet)`,
              role: "current" as const,
              version: undefined,
            },
          ]
        : []),
      ...[...mapping].map(([key, record]) => ({
        source: key.source,
        role: key === current ? ("current" as const) : ("previous" as const),
        version: record?.version,
      })),
    ],
    counts: await store.rootKeys.countSealed(),
  };
}
