/**
 * Grant tokens: what a token names, that every mint differs, and that tampering, another root
 * key, or a malformed string gives no grant id. Also pins the version 1 layout, still accepted.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import {
  deriveGrantTokenKey,
  mintGrantToken,
  verifyGrantToken,
} from "../../src/platform/crypto/grant-token.js";

const tokenKey = deriveGrantTokenKey(new Uint8Array(32).fill(1));
const grantId = "ab".repeat(32);

describe("grant tokens", () => {
  it("name their grant, and differ with every nonce", () => {
    const first = mintGrantToken(tokenKey, grantId, new Uint8Array(16).fill(1));
    const second = mintGrantToken(tokenKey, grantId, new Uint8Array(16).fill(2));
    assert.notEqual(first, second);
    assert.match(first, /^[A-Za-z0-9_-]{108}$/);
    assert.equal(verifyGrantToken(tokenKey, first), grantId);
    assert.equal(verifyGrantToken(tokenKey, second), grantId);
  });

  it("lay out version 2 as version, grant id, nonce, HMAC-SHA256", () => {
    const nonce = new Uint8Array(16).fill(9);
    const bytes = Buffer.from(mintGrantToken(tokenKey, grantId, nonce), "base64url");
    const body = Buffer.concat([Buffer.of(2), Buffer.from(grantId, "hex"), nonce]);
    const mac = createHmac("sha256", tokenKey).update(body).digest();
    assert.deepEqual(bytes, Buffer.concat([body, mac]));
  });

  it("still accept version 1 tokens (no nonce)", () => {
    const body = Buffer.concat([Buffer.of(1), Buffer.from(grantId, "hex")]);
    const mac = createHmac("sha256", tokenKey).update(body).digest();
    const token = Buffer.concat([body, mac]).toString("base64url");
    assert.equal(verifyGrantToken(tokenKey, token), grantId);
  });

  it("reject tampering, another root key, and malformed strings", () => {
    const token = mintGrantToken(tokenKey, grantId, new Uint8Array(16));
    const bytes = Buffer.from(token, "base64url");
    for (const index of [0, 1, 40, bytes.length - 1]) {
      const tampered = Buffer.from(bytes);
      tampered[index] = (tampered[index] as number) ^ 1;
      assert.equal(verifyGrantToken(tokenKey, tampered.toString("base64url")), undefined);
    }
    const otherKey = deriveGrantTokenKey(new Uint8Array(32).fill(2));
    assert.equal(verifyGrantToken(otherKey, token), undefined);
    for (const bad of ["", "!!!", `${token}=`, token.slice(0, -1), `${token}AA`]) {
      assert.equal(verifyGrantToken(tokenKey, bad), undefined);
    }
  });

  it("refuse to mint for a malformed grant id or nonce", () => {
    assert.throws(() => mintGrantToken(tokenKey, "xyz", new Uint8Array(16)));
    assert.throws(() => mintGrantToken(tokenKey, grantId, new Uint8Array(8)));
  });
});
