/**
 * Verification of AWS Nitro Enclaves attestation documents, the AttestationDocument of a KMS
 * Recipient. Sources: aws-nitro-enclaves-nsm-api docs/attestation_process.md and the Nitro
 * Enclaves User Guide ("Verifying the root of trust"); the code is Trent's own.
 *
 * A document is a COSE_Sign1 (RFC 9052 §4.2), CBOR-encoded, optionally under tag 18:
 *   [ protected: bstr .cbor {1: -35 (ES384)}, unprotected: {}, payload: bstr, signature: bstr ]
 * The signature is ECDSA P-384 with SHA-384 over the CBOR of the Sig_structure
 *   [ "Signature1", protected, external_aad = h'', payload ]
 * in IEEE P1363 form (r || s, 96 bytes), by the key of the payload's `certificate`. The payload is
 * a CBOR map with text keys: module_id (text), digest ("SHA384"), timestamp (uint, ms since the
 * epoch), pcrs ({index 0..31 => bstr of 32, 48 or 64 bytes}, 1 to 32 entries), certificate
 * (DER), cabundle ([DER, ...], root first, then intermediates down to the leaf's issuer), and
 * optional public_key, user_data and nonce (bstr; the NSM writes an absent one as null).
 *
 * Checks, in this order, so a client sees the first thing wrong with its document:
 *   1. structure and field types (malformed);
 *   2. ES384 in the protected header (algorithm);
 *   3. cabundle[0] is one of the trusted roots byte for byte, and every certificate of
 *      leaf → INTERM_N … INTERM_1 → root is issued and signed by the next, which is a CA
 *      (untrustedChain);
 *   4. every certificate of that chain is valid at the verification time (certificateTime);
 *   5. the COSE signature, by the leaf certificate's P-384 key (signature; algorithm when the
 *      leaf's key is not P-384);
 *   6. the timestamp is within maxAgeMs of the verification time, when a limit is set (stale).
 * Path length constraints and key usage extensions are not evaluated (node:crypto does not
 * expose them); the chain must end at a configured root, which is what makes it trusted.
 */
import { verify, X509Certificate } from "node:crypto";
import { decode, encode } from "cborg";
import type { NitroRoots } from "./nitro-roots.js";

export type AttestationFailure =
  | "malformed"
  | "algorithm"
  | "untrustedChain"
  | "certificateTime"
  | "signature"
  | "stale";

/** Why a document was refused; `detail` is for tests and logs, never secret. */
export class AttestationError extends Error {
  constructor(
    readonly reason: AttestationFailure,
    detail: string,
  ) {
    super(detail);
  }
}

export interface AttestationDocument {
  readonly moduleId: string;
  /** Milliseconds since the Unix epoch, as the NSM wrote it. */
  readonly timestamp: number;
  readonly digest: "SHA384";
  readonly pcrs: ReadonlyMap<number, Uint8Array>;
  readonly certificate: Uint8Array;
  readonly cabundle: readonly Uint8Array[];
  readonly publicKey: Uint8Array | undefined;
  readonly userData: Uint8Array | undefined;
  readonly nonce: Uint8Array | undefined;
}

export interface AttestationCheck {
  readonly roots: NitroRoots;
  /** The time the document and its certificates must be valid at (the request's time). */
  readonly now: Date;
  /** Largest distance between the document's timestamp and `now`; undefined: no limit. */
  readonly maxAgeMs: number | undefined;
}

/** COSE algorithm -35: ECDSA with SHA-384 (RFC 9053 §2.1). */
const es384 = -35;
const coseSign1Tag = 0xd2;

const cborOptions = {
  useMaps: true,
  rejectDuplicateMapKeys: true,
  allowIndefinite: false,
  allowUndefined: false,
} as const;

function malformed(detail: string): AttestationError {
  return new AttestationError("malformed", detail);
}

function decodeCbor(bytes: Uint8Array, what: string): unknown {
  try {
    return decode(bytes, cborOptions);
  } catch (error) {
    // Includes RangeError from absurd nesting: anything that does not decode is malformed.
    throw malformed(`${what} is not valid CBOR: ${(error as Error).message}`);
  }
}

function bytesOf(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw malformed(`${what} is not a byte string`);
  return value;
}

function optionalBytes(value: unknown, what: string): Uint8Array | undefined {
  return value === undefined || value === null ? undefined : bytesOf(value, what);
}

interface CoseSign1 {
  readonly protectedHeader: Uint8Array;
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
}

function coseSign1(bytes: Uint8Array): CoseSign1 {
  const untagged = bytes[0] === coseSign1Tag ? bytes.subarray(1) : bytes;
  const outer = decodeCbor(untagged, "the attestation document");
  if (!Array.isArray(outer) || outer.length !== 4)
    throw malformed("the attestation document is not a COSE_Sign1 array of four items");
  const [protectedHeader, unprotectedHeader, payload, signature] = outer;
  if (!(unprotectedHeader instanceof Map)) throw malformed("the unprotected header is not a map");
  return {
    protectedHeader: bytesOf(protectedHeader, "the protected header"),
    payload: bytesOf(payload, "the payload"),
    signature: bytesOf(signature, "the signature"),
  };
}

function checkAlgorithm(protectedHeader: Uint8Array): void {
  const header = decodeCbor(protectedHeader, "the protected header");
  if (!(header instanceof Map)) throw malformed("the protected header is not a map");
  if (header.get(1) !== es384)
    throw new AttestationError("algorithm", "the protected header does not name ES384 (-35)");
}

function pcrMap(value: unknown): Map<number, Uint8Array> {
  if (!(value instanceof Map) || value.size < 1 || value.size > 32)
    throw malformed("pcrs is not a map of 1 to 32 entries");
  const pcrs = new Map<number, Uint8Array>();
  for (const [index, pcr] of value) {
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index > 31)
      throw malformed("a PCR index is not an integer from 0 to 31");
    const bytes = bytesOf(pcr, `PCR${index}`);
    if (bytes.length !== 32 && bytes.length !== 48 && bytes.length !== 64)
      throw malformed(`PCR${index} is not 32, 48 or 64 bytes long`);
    pcrs.set(index, bytes);
  }
  return pcrs;
}

function payloadDocument(payload: Uint8Array): AttestationDocument {
  const map = decodeCbor(payload, "the payload");
  if (!(map instanceof Map)) throw malformed("the payload is not a map");
  const moduleId = map.get("module_id");
  if (typeof moduleId !== "string" || moduleId === "")
    throw malformed("module_id is not a non-empty text string");
  const digest = map.get("digest");
  if (digest !== "SHA384") throw malformed("digest is not SHA384");
  const timestamp = map.get("timestamp");
  if (typeof timestamp !== "number" || !Number.isSafeInteger(timestamp) || timestamp <= 0)
    throw malformed("timestamp is not a positive integer");
  const cabundle = map.get("cabundle");
  if (!Array.isArray(cabundle) || cabundle.length === 0)
    throw malformed("cabundle is not a non-empty array");
  return {
    moduleId,
    timestamp,
    digest,
    pcrs: pcrMap(map.get("pcrs")),
    certificate: bytesOf(map.get("certificate"), "certificate"),
    cabundle: cabundle.map((der, i) => bytesOf(der, `cabundle[${i}]`)),
    publicKey: optionalBytes(map.get("public_key"), "public_key"),
    userData: optionalBytes(map.get("user_data"), "user_data"),
    nonce: optionalBytes(map.get("nonce"), "nonce"),
  };
}

function certificate(der: Uint8Array, what: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    throw new AttestationError("untrustedChain", `${what} is not an X.509 certificate`);
  }
}

/** The chain leaf → INTERM_N … INTERM_1 → root, checked link by link. */
function verifiedChain(document: AttestationDocument, roots: NitroRoots): X509Certificate[] {
  const [rootDer, ...intermediates] = document.cabundle;
  const root = rootDer && roots.find(rootDer);
  if (!root)
    throw new AttestationError("untrustedChain", "cabundle[0] is not a trusted root certificate");
  const chain = [
    certificate(document.certificate, "certificate"),
    ...intermediates.map((der, i) => certificate(der, `cabundle[${i + 1}]`)).reverse(),
    root,
  ];
  for (let i = 0; i + 1 < chain.length; i++) {
    const subject = chain[i] as X509Certificate;
    const issuer = chain[i + 1] as X509Certificate;
    if (!issuer.ca || !subject.checkIssued(issuer) || !subject.verify(issuer.publicKey))
      throw new AttestationError(
        "untrustedChain",
        `certificate ${subject.subject.replace(/\n/g, ", ")} is not issued by the next one of the chain`,
      );
  }
  return chain;
}

function checkValidity(chain: readonly X509Certificate[], now: Date): void {
  const time = now.getTime();
  for (const cert of chain) {
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    if (!(time >= from && time <= to))
      throw new AttestationError(
        "certificateTime",
        `certificate ${cert.subject.replace(/\n/g, ", ")} is valid from ${cert.validFrom} to ${cert.validTo}`,
      );
  }
}

function checkSignature(cose: CoseSign1, leaf: X509Certificate): void {
  const key = leaf.publicKey;
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "secp384r1")
    throw new AttestationError("algorithm", "the signing certificate's key is not a P-384 key");
  const toBeSigned = encode(["Signature1", cose.protectedHeader, new Uint8Array(0), cose.payload]);
  const valid =
    cose.signature.length === 96 &&
    verify("sha384", toBeSigned, { key, dsaEncoding: "ieee-p1363" }, cose.signature);
  if (!valid) throw new AttestationError("signature", "the COSE_Sign1 signature does not verify");
}

/**
 * The document, once it is well formed, chains to a trusted root, is signed by its certificate
 * and is fresh; otherwise an AttestationError saying which check failed.
 */
export function verifyAttestationDocument(
  bytes: Uint8Array,
  check: AttestationCheck,
): AttestationDocument {
  const cose = coseSign1(bytes);
  const document = payloadDocument(cose.payload);
  checkAlgorithm(cose.protectedHeader);
  const chain = verifiedChain(document, check.roots);
  checkValidity(chain, check.now);
  checkSignature(cose, chain[0] as X509Certificate);
  if (
    check.maxAgeMs !== undefined &&
    Math.abs(check.now.getTime() - document.timestamp) > check.maxAgeMs
  )
    throw new AttestationError(
      "stale",
      `timestamp ${new Date(document.timestamp).toISOString()} is more than ${check.maxAgeMs} ms from ${check.now.toISOString()}`,
    );
  return document;
}
