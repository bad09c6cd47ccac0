/**
 * HMAC against RFC 4231's test vectors (cases 1, 2 and 6: a short key, a key shorter than the
 * output, and a key longer than the hash block), and constant-time verification.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateMac, verifyMac } from "../../src/platform/crypto/macs.js";
import type { MacAlgorithmSpec } from "../../src/vocabulary/types.generated.js";

const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
const ascii = (s: string) => new TextEncoder().encode(s);

const vectors: { key: Uint8Array; data: Uint8Array; macs: Record<MacAlgorithmSpec, string> }[] = [
  {
    key: new Uint8Array(20).fill(0x0b),
    data: ascii("Hi There"),
    macs: {
      HMAC_SHA_224: "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
      HMAC_SHA_256: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
      HMAC_SHA_384:
        "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
      HMAC_SHA_512:
        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
    },
  },
  {
    key: ascii("Jefe"),
    data: ascii("what do ya want for nothing?"),
    macs: {
      HMAC_SHA_224: "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
      HMAC_SHA_256: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
      HMAC_SHA_384:
        "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
      HMAC_SHA_512:
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
    },
  },
  {
    key: new Uint8Array(131).fill(0xaa),
    data: ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
    macs: {
      HMAC_SHA_224: "95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e",
      HMAC_SHA_256: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
      HMAC_SHA_384:
        "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
      HMAC_SHA_512:
        "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
    },
  },
];

describe("HMAC", () => {
  for (const [i, { key, data, macs }] of vectors.entries())
    for (const [algorithm, expected] of Object.entries(macs) as [MacAlgorithmSpec, string][])
      it(`matches RFC 4231 vector ${i + 1} for ${algorithm}`, () => {
        const mac = generateMac(algorithm, key, data);
        assert.equal(Buffer.from(mac).toString("hex"), expected);
        assert.equal(verifyMac(algorithm, key, data, hex(expected)), true);
      });

  it("verifies only the exact MAC: not a prefix, not a longer one, not another message's", () => {
    const { key, data, macs } = vectors[1]!;
    const mac = hex(macs.HMAC_SHA_256);
    assert.equal(verifyMac("HMAC_SHA_256", key, data, mac.subarray(0, 16)), false);
    assert.equal(verifyMac("HMAC_SHA_256", key, data, Uint8Array.from([...mac, 0])), false);
    assert.equal(verifyMac("HMAC_SHA_256", key, ascii("other"), mac), false);
    assert.equal(verifyMac("HMAC_SHA_512", key, data, mac), false);
  });
});
