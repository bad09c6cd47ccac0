/**
 * Test vectors for the ciphertext blob (version 1) and the canonical encryption context: the
 * exact bytes for fixed inputs, rebuilt independently from the layouts documented at the top of
 * src/platform/crypto/ciphertext-blob.ts and src/platform/crypto/encryption-context.ts. A change that breaks these
 * breaks every blob already issued.
 */
import assert from "node:assert/strict";
import { createCipheriv, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import {
  decryptBlob,
  encryptBlob,
  MalformedBlobError,
  parseBlob,
} from "../../src/platform/crypto/ciphertext-blob.js";
import { canonicalEncryptionContext } from "../../src/platform/crypto/encryption-context.js";

const keyMaterial = Uint8Array.from({ length: 32 }, (_, i) => i);
const iv = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);
const keyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const materialId = "6b6d73212c3b3f5a5e1f4d8c0a9b7e2d1c3f5a6b7c8d9e0f1a2b3c4d5e6f7081";
const plaintext = new TextEncoder().encode("Hello, Trent!");
const context = { purpose: "test", Department: "10103.0" };

const contextVector =
  "00000002" + // two pairs
  "0000000a" +
  Buffer.from("Department").toString("hex") + // 'D' (0x44) sorts before 'p'
  "00000007" +
  Buffer.from("10103.0").toString("hex") +
  "00000007" +
  Buffer.from("purpose").toString("hex") +
  "00000004" +
  Buffer.from("test").toString("hex");

const blobVector =
  "01004b61726e3a6177733a6b6d733a75732d656173742d313a3131313132323232333333333a6b65792f3132" +
  "3334616263642d313261622d333463642d353665662d3132333435363738393061624036623664373332313263" +
  "336233663561356531663464386330613962376532643163336635613662376338643965306631613262336334" +
  "643565366637303831a0a1a2a3a4a5a6a7a8a9aaabae7d10412ae722eb1000e9a72632021a8b9ba6fc30a80b42" +
  "e2fbd17db6";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const canonical = (c: Record<string, string> | undefined) => hex(canonicalEncryptionContext(c));

describe("canonical encryption context", () => {
  it("matches the documented layout byte for byte", () => {
    assert.equal(canonical(context), contextVector);
    assert.equal(canonical(undefined), "00000000");
    assert.equal(canonical({}), "00000000");
  });

  it("is unambiguous where concatenation is not", () => {
    assert.notEqual(canonical({ ab: "c" }), canonical({ a: "bc" }));
    assert.notEqual(canonical({ a: "b", c: "d" }), canonical({ a: "bcd" }));
    assert.notEqual(canonical({ a: "" }), canonical({}));
    assert.notEqual(canonical({ "": "a" }), canonical({ a: "" }));
  });

  it("is case-sensitive in keys and values", () => {
    assert.notEqual(canonical({ Key: "v" }), canonical({ key: "v" }));
    assert.notEqual(canonical({ key: "V" }), canonical({ key: "v" }));
  });

  it("ignores the order pairs were sent in", () => {
    assert.equal(canonical({ b: "2", a: "1", c: "3" }), canonical({ c: "3", a: "1", b: "2" }));
  });

  it("encodes unicode as UTF-8 and sorts by UTF-8 bytes", () => {
    // "é" is 2 bytes, "日本" 6, "🔑" 4: the length prefixes count bytes, not characters.
    assert.equal(
      canonical({ é: "日本", z: "🔑" }),
      `00000002${"00000001"}7a${"00000004"}f09f9491${"00000002"}c3a9${"00000006"}e697a5e69cac`,
    );
    // Precomposed and decomposed "é" are different byte strings, hence different contexts.
    assert.notEqual(canonical({ k: "\u00e9" }), canonical({ k: "e\u0301" }));
  });
});

describe("ciphertext blob version 1", () => {
  it("produces the exact vector for fixed key, IV and context", () => {
    const blob = encryptBlob(
      keyMaterial,
      { keyArn, materialId },
      plaintext,
      canonicalEncryptionContext(context),
      iv,
    );
    assert.equal(hex(blob), blobVector);
  });

  it("follows the documented layout (rebuilt here with node:crypto alone)", () => {
    const arn = Buffer.from(keyArn, "utf8");
    const material = Buffer.from(materialId, "ascii");
    const arnLength = Buffer.alloc(2);
    arnLength.writeUInt16BE(arn.length);
    const header = Buffer.concat([
      Buffer.of(0x01),
      arnLength,
      arn,
      Buffer.of(material.length),
      material,
    ]);
    const cipher = createCipheriv("aes-256-gcm", keyMaterial, iv);
    cipher.setAAD(Buffer.concat([header, Buffer.from(contextVector, "hex")]));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const rebuilt = Buffer.concat([header, iv, body, cipher.getAuthTag()]);
    assert.equal(rebuilt.toString("hex"), blobVector);
    assert.equal(rebuilt.length, 4 + arn.length + material.length + 12 + plaintext.length + 16);
  });

  it("parses its own header", () => {
    const parsed = parseBlob(Buffer.from(blobVector, "hex"));
    assert.equal(parsed.keyArn, keyArn);
    assert.equal(parsed.materialId, materialId);
    assert.equal(hex(parsed.iv), hex(iv));
    assert.equal(parsed.ciphertext.length, plaintext.length);
    assert.equal(parsed.tag.length, 16);
    const opened = decryptBlob(keyMaterial, parsed, canonicalEncryptionContext(context));
    assert.deepEqual(opened, plaintext);
  });

  it("fails to open with any other context", () => {
    const parsed = parseBlob(Buffer.from(blobVector, "hex"));
    const others: (Record<string, string> | undefined)[] = [
      undefined,
      { purpose: "test" },
      { purpose: "test", Department: "10103.0", extra: "x" },
      { Purpose: "test", Department: "10103.0" },
      { purpose: "Test", Department: "10103.0" },
    ];
    for (const other of others)
      assert.equal(decryptBlob(keyMaterial, parsed, canonicalEncryptionContext(other)), undefined);
    // The same pairs in another order are the same context.
    const reordered = { Department: "10103.0", purpose: "test" };
    assert.deepEqual(
      decryptBlob(keyMaterial, parsed, canonicalEncryptionContext(reordered)),
      plaintext,
    );
  });

  it("binds {ab:c} and {a:bc} apart", () => {
    const blob = encryptBlob(
      keyMaterial,
      { keyArn, materialId },
      plaintext,
      canonicalEncryptionContext({ ab: "c" }),
      randomBytes(12),
    );
    const parsed = parseBlob(blob);
    assert.equal(
      decryptBlob(keyMaterial, parsed, canonicalEncryptionContext({ a: "bc" })),
      undefined,
    );
    assert.deepEqual(
      decryptBlob(keyMaterial, parsed, canonicalEncryptionContext({ ab: "c" })),
      plaintext,
    );
  });

  it("detects a flipped bit anywhere: header, IV, body or tag", () => {
    const original = Buffer.from(blobVector, "hex");
    const { header, iv: ivPart, ciphertext } = parseBlob(original);
    const offsets = {
      "key ARN": 10,
      "material id": header.length - 1,
      IV: header.length + 3,
      body: header.length + ivPart.length + 2,
      tag: header.length + ivPart.length + ciphertext.length + 5,
    };
    for (const [part, offset] of Object.entries(offsets)) {
      const tampered = Buffer.from(original);
      tampered[offset]! ^= 0x01;
      const parsed = parseBlob(tampered);
      assert.equal(
        decryptBlob(keyMaterial, parsed, canonicalEncryptionContext(context)),
        undefined,
        `flipping a bit in the ${part} must be detected`,
      );
    }
  });

  it("rejects what is not a version 1 blob", () => {
    const original = Buffer.from(blobVector, "hex");
    const cases = {
      empty: Buffer.alloc(0),
      "unknown version": Buffer.concat([Buffer.of(0x02), original.subarray(1)]),
      "truncated header": original.subarray(0, 20),
      "no room for IV and tag": original.subarray(0, parseBlob(original).header.length + 27),
      "ARN length past the end": Buffer.from("01ffff00", "hex"),
    };
    for (const [name, bytes] of Object.entries(cases))
      assert.throws(() => parseBlob(bytes), MalformedBlobError, name);
  });
});
