/**
 * Attestation document verification: a real document an AWS Nitro enclave produced (verified
 * against AWS's built-in root at a time its leaf certificate was valid), and documents signed
 * by a test PKI for each way a document can be wrong.
 */
import assert from "node:assert/strict";
import { createHash, sign } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { decode, encode } from "cborg";
import {
  type AttestationCheck,
  AttestationError,
  type AttestationFailure,
  verifyAttestationDocument,
} from "../../src/platform/crypto/nitro-attestation.js";
import { awsNitroRootFingerprint, NitroRoots } from "../../src/platform/crypto/nitro-roots.js";
import { ConfigError, configFromEnv } from "../../src/vocabulary/config.js";
import {
  attestationDocument,
  createTestNitroPki,
  type TestNitroPki,
  testModuleId,
  testPcrs,
} from "../support/nitro-enclave.js";
import { startTestTrent } from "../support/trent.js";

const realDocument = new Uint8Array(
  Buffer.from(
    readFileSync(
      new URL("../fixtures/nitro/aws-attestation-document-2024-09-17.b64", import.meta.url),
      "utf8",
    ).trim(),
    "base64",
  ),
);
/** A moment when the real document's leaf certificate (00:47:56–03:47:59 UTC) was valid. */
const whileValid = new Date("2024-09-17T01:00:00Z");

function refusal(bytes: Uint8Array, check: AttestationCheck): AttestationFailure {
  try {
    verifyAttestationDocument(bytes, check);
  } catch (error) {
    assert.ok(error instanceof AttestationError, String(error));
    return error.reason;
  }
  assert.fail("the document verified but a refusal was expected");
}

/** The COSE_Sign1 of `document` with its payload map changed and signed again by `pki`. */
function resigned(
  pki: TestNitroPki,
  document: Uint8Array,
  change: (payload: Map<string, unknown>) => void,
  protectedHeader = encode(new Map([[1, -35]])),
): Uint8Array {
  const [, , payloadBytes] = decode(document, { useMaps: true }) as [unknown, unknown, Uint8Array];
  const payload = decode(payloadBytes, { useMaps: true }) as Map<string, unknown>;
  change(payload);
  const newPayload = encode(payload);
  const toBeSigned = encode(["Signature1", protectedHeader, new Uint8Array(0), newPayload]);
  const signature = sign("sha384", toBeSigned, { key: pki.leafKey, dsaEncoding: "ieee-p1363" });
  return encode([protectedHeader, new Map(), newPayload, new Uint8Array(signature)]);
}

describe("the built-in AWS Nitro Enclaves root", () => {
  it("is AWS's root G1 (fingerprint) and the root a real document chains to", () => {
    const roots = NitroRoots.aws();
    assert.deepEqual(roots.fingerprints(), [awsNitroRootFingerprint]);
    const [, , payload] = decode(realDocument, { useMaps: true }) as [unknown, unknown, Uint8Array];
    const cabundle = (decode(payload, { useMaps: true }) as Map<string, unknown>).get(
      "cabundle",
    ) as Uint8Array[];
    assert.equal(
      createHash("sha256")
        .update(cabundle[0] as Uint8Array)
        .digest("hex"),
      awsNitroRootFingerprint,
    );
    assert.ok(roots.find(cabundle[0] as Uint8Array));
  });
});

describe("a real AWS attestation document", () => {
  const roots = NitroRoots.aws();

  it("verifies against AWS's root while its certificates were valid", () => {
    const document = verifyAttestationDocument(realDocument, {
      roots,
      now: whileValid,
      maxAgeMs: undefined,
    });
    assert.equal(document.moduleId, "i-0bbf1bfe232b8c2ce-enc0191fc27458c1d41");
    assert.equal(document.timestamp, 1726534079695);
    assert.equal(document.digest, "SHA384");
    assert.equal(document.pcrs.size, 16);
    assert.equal(
      Buffer.from(document.pcrs.get(3) as Uint8Array).toString("hex"),
      "671ca1e328f75015b2aeee60639cc5252bc835d8bb690444d1f8e2bf4260f73dc1b71e07a14a770c7d0becac6eb3b53f",
    );
    assert.deepEqual(Buffer.from(document.publicKey as Uint8Array).toString(), "dummy");
    assert.equal(document.cabundle.length, 4);
  });

  it("also verifies under CBOR tag 18 (a tagged COSE_Sign1)", () => {
    const tagged = Uint8Array.of(0xd2, ...realDocument);
    const document = verifyAttestationDocument(tagged, {
      roots,
      now: whileValid,
      maxAgeMs: undefined,
    });
    assert.equal(document.moduleId, "i-0bbf1bfe232b8c2ce-enc0191fc27458c1d41");
  });

  it("is stale 12 minutes after its timestamp with a 5-minute limit", () => {
    assert.equal(refusal(realDocument, { roots, now: whileValid, maxAgeMs: 300_000 }), "stale");
  });

  it("is refused once its leaf certificate expired", () => {
    const later = new Date("2024-09-17T04:00:00Z");
    assert.equal(
      refusal(realDocument, { roots, now: later, maxAgeMs: undefined }),
      "certificateTime",
    );
  });

  it("is refused with one byte of its signature flipped", () => {
    const flipped = Uint8Array.from(realDocument);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 0x01;
    assert.equal(refusal(flipped, { roots, now: whileValid, maxAgeMs: undefined }), "signature");
  });

  it("is refused with one byte of its payload changed (the signature covers it)", () => {
    // Byte 200 lies inside PCR1's value: still well-formed CBOR, no longer what was signed.
    const changed = Uint8Array.from(realDocument);
    changed[200] = (changed[200] as number) ^ 0x01;
    assert.equal(refusal(changed, { roots, now: whileValid, maxAgeMs: undefined }), "signature");
  });
});

describe("documents signed by a test PKI", () => {
  let pki: TestNitroPki;
  let other: TestNitroPki;
  let roots: NitroRoots;
  const now = () => ({ now: new Date(), maxAgeMs: 300_000 });

  before(() => {
    pki = createTestNitroPki("trent-test");
    other = createTestNitroPki("untrusted");
    roots = NitroRoots.load(pki.rootFile);
  });
  after(() => {
    pki.dispose();
    other.dispose();
  });

  it("verify, with every field read", () => {
    const nonce = Uint8Array.of(1, 2, 3);
    const document = verifyAttestationDocument(
      attestationDocument(pki, { publicKey: Uint8Array.of(9), nonce }),
      { roots, ...now() },
    );
    assert.equal(document.moduleId, testModuleId);
    assert.deepEqual(document.pcrs, testPcrs());
    assert.deepEqual(document.publicKey, Uint8Array.of(9));
    assert.deepEqual(document.nonce, nonce);
    assert.equal(document.userData, undefined);
  });

  it("are refused when signed under another root (wrong chain)", () => {
    assert.equal(refusal(attestationDocument(other), { roots, ...now() }), "untrustedChain");
  });

  it("are refused when the bundle's intermediate is not the leaf's issuer", () => {
    const document = resigned(pki, attestationDocument(pki), (payload) => {
      payload.set("cabundle", [pki.rootDer, other.intermediateDer]);
    });
    assert.equal(refusal(document, { roots, ...now() }), "untrustedChain");
  });

  it("are refused when the bundle leaves out the intermediate", () => {
    const document = resigned(pki, attestationDocument(pki), (payload) => {
      payload.set("cabundle", [pki.rootDer]);
    });
    assert.equal(refusal(document, { roots, ...now() }), "untrustedChain");
  });

  it("are refused when the timestamp is older than the limit, or in the future", () => {
    const old = attestationDocument(pki, { timestamp: Date.now() - 301_000 });
    assert.equal(refusal(old, { roots, ...now() }), "stale");
    const future = attestationDocument(pki, { timestamp: Date.now() + 301_000 });
    assert.equal(refusal(future, { roots, ...now() }), "stale");
    // With no limit only the certificates' validity counts.
    verifyAttestationDocument(old, { roots, now: new Date(), maxAgeMs: undefined });
  });

  it("are refused when the certificates are not valid at the time of the request", () => {
    const inThreeDays = new Date(Date.now() + 3 * 86_400_000);
    const document = attestationDocument(pki, { timestamp: inThreeDays.getTime() });
    assert.equal(
      refusal(document, { roots, now: inThreeDays, maxAgeMs: 300_000 }),
      "certificateTime",
    );
  });

  it("are refused unless the protected header names ES384", () => {
    const es256 = resigned(pki, attestationDocument(pki), () => {}, encode(new Map([[1, -7]])));
    assert.equal(refusal(es256, { roots, ...now() }), "algorithm");
  });

  it("are refused when not CBOR, not a COSE_Sign1, or missing a field", () => {
    const cases: Uint8Array[] = [
      new Uint8Array(64).fill(0x41),
      encode([1, 2, 3]),
      encode(["a", new Map(), new Uint8Array(1), new Uint8Array(96)]),
      Uint8Array.of(...attestationDocument(pki), 0x00),
      resigned(pki, attestationDocument(pki), (p) => p.delete("module_id")),
      resigned(pki, attestationDocument(pki), (p) => p.set("digest", "SHA256")),
      resigned(pki, attestationDocument(pki), (p) => p.set("timestamp", "yesterday")),
      resigned(pki, attestationDocument(pki), (p) => p.set("pcrs", new Map())),
      resigned(pki, attestationDocument(pki), (p) =>
        p.set("pcrs", new Map([[0, new Uint8Array(47)]])),
      ),
      resigned(pki, attestationDocument(pki), (p) => p.set("cabundle", [])),
      resigned(pki, attestationDocument(pki), (p) => p.set("public_key", "text")),
    ];
    for (const [i, bytes] of cases.entries())
      assert.equal(refusal(bytes, { roots, ...now() }), "malformed", `case ${i}`);
  });

  it("survive absurd nesting without crashing", () => {
    const nested = new Uint8Array(200_000).fill(0x81);
    assert.equal(refusal(nested, { roots, ...now() }), "malformed");
  });
});

describe("configuration", () => {
  it("TRENT_NITRO_MAX_AGE_SECONDS: 300 by default, 0 or more, named in its error", () => {
    assert.equal(configFromEnv({}).nitroMaxAgeSeconds, 300);
    assert.equal(configFromEnv({}).nitroRootCertFile, undefined);
    assert.equal(configFromEnv({ TRENT_NITRO_MAX_AGE_SECONDS: "0" }).nitroMaxAgeSeconds, 0);
    assert.throws(
      () => configFromEnv({ TRENT_NITRO_MAX_AGE_SECONDS: "five" }),
      /^Error: TRENT_NITRO_MAX_AGE_SECONDS must be an integer >= 0, got 'five'$/,
    );
    assert.equal(
      configFromEnv({ TRENT_NITRO_ROOT_CERT_FILE: "/etc/trent/nitro.pem" }).nitroRootCertFile,
      "/etc/trent/nitro.pem",
    );
  });

  it("a root file that cannot be read stops the start-up", async () => {
    await assert.rejects(
      startTestTrent({ nitroRootCertFile: "/nonexistent/nitro-root.pem" }),
      /^Error: TRENT_NITRO_ROOT_CERT_FILE: cannot read \/nonexistent\/nitro-root\.pem/,
    );
  });
});

describe("TRENT_NITRO_ROOT_CERT_FILE", () => {
  it("refuses a file without a certificate, naming the variable", () => {
    const pki = createTestNitroPki("config");
    try {
      const file = join(pki.dir, "empty.pem");
      writeFileSync(file, "nothing here\n");
      assert.throws(
        () => NitroRoots.load(file),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, /^TRENT_NITRO_ROOT_CERT_FILE \(.*empty\.pem\) holds no PEM/);
          return true;
        },
      );
      assert.throws(
        () => NitroRoots.load(join(pki.dir, "missing.pem")),
        /TRENT_NITRO_ROOT_CERT_FILE: cannot read/,
      );
      // Several roots in one file are all trusted.
      const both = join(pki.dir, "both.pem");
      writeFileSync(both, readFileSync(pki.rootFile, "utf8") + readFileSync(pki.rootFile, "utf8"));
      assert.equal(NitroRoots.load(both).fingerprints().length, 2);
    } finally {
      pki.dispose();
    }
  });
});
