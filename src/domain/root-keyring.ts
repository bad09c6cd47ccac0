/**
 * The root keys this node was given, by the registry version each one is: the current key seals
 * everything new, and every key (current and previous) opens what it sealed. Built once at
 * start-up by the proof in root-keys.ts; immutable after.
 */
import type { RootKey } from "../platform/crypto/root-key.js";

/** Rows written before root key versions were recorded were sealed by the key adopted as 1. */
export const legacyRootKeyVersion = 1;

export interface VersionedRootKey {
  readonly version: number;
  readonly key: RootKey;
  /** The configuration that gave it, e.g. "TRENT_ROOT_KEY_PREVIOUS entry 1". */
  readonly source: string;
}

/** A sealed row needs a root key version this node does not have. */
export class RootKeyUnavailableError extends Error {}

export class RootKeyring {
  readonly #byVersion = new Map<number, VersionedRootKey>();

  constructor(
    readonly current: VersionedRootKey,
    previous: readonly VersionedRootKey[] = [],
  ) {
    for (const key of [current, ...previous]) this.#byVersion.set(key.version, key);
  }

  get currentVersion(): number {
    return this.current.version;
  }

  /** Versions this node can open, ascending. */
  get versions(): number[] {
    return [...this.#byVersion.keys()].sort((a, b) => a - b);
  }

  keyFor(version: number | undefined): VersionedRootKey | undefined {
    return this.#byVersion.get(version ?? legacyRootKeyVersion);
  }

  /** Seals under the current key; the caller stores the version beside the sealed bytes. */
  seal(plaintext: Uint8Array, aad: Uint8Array): { sealed: Uint8Array; rootKeyVersion: number } {
    return { sealed: this.current.key.seal(plaintext, aad), rootKeyVersion: this.current.version };
  }

  /** Opens `sealed`, written under root key `version`; `what` names the row for the error. */
  open(version: number | undefined, sealed: Uint8Array, aad: Uint8Array, what: string): Uint8Array {
    const key = this.keyFor(version);
    if (key === undefined)
      throw new RootKeyUnavailableError(
        `${what} is sealed under root key version ${version ?? legacyRootKeyVersion}, which this node was not given (it has ${this.versions.join(", ")}); is a root key rotation in progress? Give this node that key as a previous root key`,
      );
    return key.key.open(sealed, aad);
  }
}
