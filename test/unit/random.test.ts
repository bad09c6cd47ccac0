import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createSystemRandom } from "../../src/platform/crypto/random.js";

describe("system random source", () => {
  it("hands out every pooled byte once, across refills", () => {
    const random = createSystemRandom();
    const seen = new Set<string>();
    // 12-byte IVs across several 8 KiB pool refills: no repeats, right lengths.
    for (let i = 0; i < 5000; i++) {
      const iv = random.bytes(12);
      assert.equal(iv.length, 12);
      const hex = Buffer.from(iv).toString("hex");
      assert.ok(!seen.has(hex), "an IV repeated");
      seen.add(hex);
    }
  });

  it("returns copies the pool can never change, and serves large requests directly", () => {
    const random = createSystemRandom();
    const first = random.bytes(32);
    const kept = Buffer.from(first);
    for (let i = 0; i < 1000; i++) random.bytes(48);
    assert.deepEqual(Buffer.from(first), kept);
    assert.equal(random.bytes(1024).length, 1024);
    assert.equal(random.bytes(0).length, 0);
    assert.match(
      random.uuid(),
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
