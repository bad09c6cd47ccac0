/**
 * RawRootKey and the sealed format it writes (the format stores already hold must keep
 * opening), and the keyring: the current key seals and records its version, every key opens
 * what its version sealed, and a version this node lacks fails with the line an operator needs.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RootKeyring, RootKeyUnavailableError } from "../../src/domain/root-keyring.js";
import { deriveGrantTokenKey } from "../../src/platform/crypto/grant-token.js";
import { deriveImportKey } from "../../src/platform/crypto/import-wrapping.js";
import { RawRootKey } from "../../src/platform/crypto/root-key.js";
import {
  checkValueAad,
  keyMaterialAad,
  SealedFormatError,
  sealedSecretAad,
} from "../../src/platform/crypto/sealing.js";

const keyBytes = new Uint8Array(32).map((_, i) => i);
const material = new Uint8Array(32).map((_, i) => 0xa0 + i);
const arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
// Sealed by Trent's sealKeyMaterial before root key versions existed (same key, ARN and id).
const sealedBeforeVersions = Buffer.from(
  "0136510a0c33da586fb1a6b6ed5f9e80e8fdb65f42ae226cd85109e0d40a64c0929c81e8c9f56790c53c5a1995bd39c1fc2a06566f1d6dedc1aaa7a791",
  "hex",
);

describe("RawRootKey", () => {
  const key = new RawRootKey(keyBytes, "test key");

  it("opens material sealed in the format stores already hold", () => {
    assert.deepEqual(
      key.open(sealedBeforeVersions, keyMaterialAad(arn, "m-1")),
      new Uint8Array(material),
    );
  });

  it("seals in that format: version 1, a fresh 12-byte IV, ciphertext, 16-byte tag", () => {
    const aad = keyMaterialAad(arn, "m-1");
    const a = key.seal(material, aad);
    const b = key.seal(material, aad);
    assert.equal(a.length, 1 + 12 + material.length + 16);
    assert.equal(a[0], 1);
    assert.notDeepEqual(a.subarray(1, 13), b.subarray(1, 13));
    assert.deepEqual(key.open(a, aad), new Uint8Array(material));
  });

  it("refuses another key, another row's AAD, altered bytes and unknown formats", () => {
    const aad = keyMaterialAad(arn, "m-1");
    const sealed = key.seal(material, aad);
    const other = new RawRootKey(new Uint8Array(32).fill(9), "other");
    assert.throws(() => other.open(sealed, aad));
    assert.throws(() => key.open(sealed, keyMaterialAad(arn, "m-2")));
    assert.throws(() => key.open(sealed, sealedSecretAad("m-1")));
    const altered = Uint8Array.from(sealed);
    altered[20] = (altered[20] ?? 0) ^ 1;
    assert.throws(() => key.open(altered, aad));
    const unknown = Uint8Array.from(sealed);
    unknown[0] = 2;
    assert.throws(() => key.open(unknown, aad), SealedFormatError);
    assert.throws(() => key.open(sealed.subarray(0, 28), aad), SealedFormatError);
  });

  it("binds a check value to its version", () => {
    const check = key.seal(new TextEncoder().encode("x"), checkValueAad(1));
    assert.throws(() => key.open(check, checkValueAad(2)));
  });

  it("refuses a key that is not 32 bytes", () => {
    assert.throws(() => new RawRootKey(new Uint8Array(16), "short"), /short is not a 32-byte/);
  });

  it("derives the grant-token and import keys exactly as Trent did before they were stored", () => {
    const derived = key.legacyDerivedKeys();
    assert.deepEqual(derived.grantTokenKey, deriveGrantTokenKey(keyBytes));
    assert.deepEqual(derived.importKey, deriveImportKey(keyBytes));
    assert.notDeepEqual(derived.grantTokenKey, derived.importKey);
  });

  it("shows nothing of the key when logged or serialised", () => {
    const shown = `${JSON.stringify(key)} ${String(key)} ${Object.keys(key).join(",")}`;
    assert.doesNotMatch(shown, /000102030405/);
    assert.equal(key.description, "test key");
  });
});

describe("the root keyring", () => {
  const v1 = new RawRootKey(new Uint8Array(32).fill(1), "old");
  const v2 = new RawRootKey(new Uint8Array(32).fill(2), "new");
  const keyring = new RootKeyring({ version: 2, key: v2, source: "TRENT_ROOT_KEY" }, [
    { version: 1, key: v1, source: "TRENT_ROOT_KEY_PREVIOUS entry 1" },
  ]);
  const aad = keyMaterialAad(arn, "m-1");

  it("seals with the current key and says which version sealed", () => {
    const { sealed, rootKeyVersion } = keyring.seal(material, aad);
    assert.equal(rootKeyVersion, 2);
    assert.deepEqual(v2.open(sealed, aad), new Uint8Array(material));
    assert.throws(() => v1.open(sealed, aad));
    assert.deepEqual(keyring.versions, [1, 2]);
  });

  it("opens with the key of the row's version; rows without a version are version 1", () => {
    const old = v1.seal(material, aad);
    assert.deepEqual(keyring.open(1, old, aad, "m"), new Uint8Array(material));
    assert.deepEqual(keyring.open(undefined, old, aad, "m"), new Uint8Array(material));
    assert.throws(() => keyring.open(2, old, aad, "m"));
  });

  it("names a version it was not given, and asks about a rotation in progress", () => {
    const only2 = new RootKeyring({ version: 2, key: v2, source: "TRENT_ROOT_KEY" });
    assert.throws(
      () => only2.open(3, v2.seal(material, aad), aad, `key material m-1 of ${arn}`),
      (error: unknown) =>
        error instanceof RootKeyUnavailableError &&
        error.message ===
          `key material m-1 of ${arn} is sealed under root key version 3, which this node was not given (it has 2); is a root key rotation in progress? Give this node that key as a previous root key`,
    );
  });
});
