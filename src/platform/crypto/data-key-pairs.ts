/**
 * Fresh asymmetric data key pairs for GenerateDataKeyPair*, in the encodings AWS KMS returns:
 * the public key as DER SubjectPublicKeyInfo (RFC 5280), the private key as DER PKCS#8
 * PrivateKeyInfo (RFC 5958). The bytes are exactly what OpenSSL's own encoder emits for the same
 * key (unit tests prove it for every curve), so any X.509/PKCS#8 parser reads them.
 *
 * Elliptic curves (NIST P-256/384/521, secp256k1, SM2) are generated with ECDH, which yields the
 * raw private scalar and the uncompressed point, and are DER-encoded here by hand: OpenSSL's
 * SPKI/PKCS#8 export costs several times the generation itself (bench/data-key-pair-encoding.ts
 * measures both). Layouts written, for a curve whose group order is L bytes long:
 *
 *   SubjectPublicKeyInfo ::= SEQUENCE {
 *     SEQUENCE { OID 1.2.840.10045.2.1 (id-ecPublicKey), OID <named curve> },
 *     BIT STRING { 0x00, 0x04 ‖ X ‖ Y } }                      -- SEC 1 uncompressed point
 *   PrivateKeyInfo ::= SEQUENCE {
 *     INTEGER 0,
 *     SEQUENCE { OID id-ecPublicKey, OID <named curve> },
 *     OCTET STRING { ECPrivateKey ::= SEQUENCE {                -- RFC 5915
 *       INTEGER 1,
 *       OCTET STRING d,                                          -- exactly L bytes, zero-padded
 *       [1] EXPLICIT BIT STRING { 0x00, 0x04 ‖ X ‖ Y } } } }
 * As OpenSSL 3 does inside PKCS#8, ECPrivateKey omits the optional [0] curve parameters (the
 * AlgorithmIdentifier already names the curve) and keeps the [1] public key. SM2 keys use
 * id-ecPublicKey with the SM2 curve OID 1.2.156.10197.1.301, as OpenSSL emits them.
 *
 * Ed25519 (RFC 8410) and RSA go through OpenSSL's generator and encoder. RSA generation is slow
 * (hundreds of milliseconds for 4096 bits), so it is only ever called from the worker threads of
 * key-pair-pool.ts, never on the event loop.
 */
import { createECDH, generateKeyPairSync, type JsonWebKey } from "node:crypto";
import type { PooledKeyPairSpec } from "../../vocabulary/config.js";
import { enumValues } from "../../vocabulary/model.js";
import type { DataKeyPairSpec } from "../../vocabulary/types.generated.js";
import {
  bitString,
  concat,
  explicit,
  objectIdentifier,
  octetString,
  oids,
  sequence,
  smallInteger,
} from "./der.js";
import { type EcCurve, keyPairParameters } from "./key-parameters.js";

export interface DataKeyPair {
  /** DER SubjectPublicKeyInfo. */
  readonly publicKey: Uint8Array;
  /** DER PKCS#8 PrivateKeyInfo: secret; never logged, stored or echoed. */
  readonly privateKey: Uint8Array;
}

/** The specs slow enough to generate only in worker threads (key-pair-pool.ts). */
export type RsaKeyPairSpec = PooledKeyPairSpec;

export function isRsaKeyPairSpec(spec: DataKeyPairSpec): spec is RsaKeyPairSpec {
  return keyPairParameters(spec).kind === "rsa";
}

/** SubjectPublicKeyInfo of an EC public key given as an uncompressed point (0x04 ‖ X ‖ Y). */
export function ecSubjectPublicKeyInfo(curve: EcCurve, point: Uint8Array): Uint8Array {
  return sequence(ecAlgorithmIdentifier(curve), bitString(point));
}

/** PKCS#8 PrivateKeyInfo of an EC key from its scalar `d` (exactly L bytes) and its point. */
export function ecPrivateKeyInfo(curve: EcCurve, d: Uint8Array, point: Uint8Array): Uint8Array {
  const ecPrivateKey = sequence(smallInteger(1), octetString(d), explicit(1, bitString(point)));
  return sequence(smallInteger(0), ecAlgorithmIdentifier(curve), octetString(ecPrivateKey));
}

function ecAlgorithmIdentifier(curve: EcCurve): Uint8Array {
  return sequence(objectIdentifier(oids.ecPublicKey), objectIdentifier(curve.oid));
}

/**
 * For a given curve every length in the two structures is fixed, so each is constant bytes
 * around the key's own bytes: SPKI = spkiPrefix ‖ point, PKCS#8 = pkcs8Prefix ‖ d ‖ pkcs8Middle
 * ‖ point. The constants are cut once out of the writer's own output for an all-zero key, which
 * makes a pair two allocations instead of a dozen.
 */
interface EcTemplate {
  readonly curve: EcCurve;
  readonly pointLength: number;
  readonly spkiPrefix: Uint8Array;
  readonly pkcs8Prefix: Uint8Array;
  readonly pkcs8Middle: Uint8Array;
}

function ecTemplate(curve: EcCurve): EcTemplate {
  // Coordinates are as long as the group order for every curve here (SEC 2, GB/T 32918.5).
  const pointLength = 1 + 2 * curve.scalarLength;
  const point = new Uint8Array(pointLength);
  const spki = ecSubjectPublicKeyInfo(curve, point);
  const pkcs8 = ecPrivateKeyInfo(curve, new Uint8Array(curve.scalarLength), point);
  const pointOffset = pkcs8.length - pointLength;
  const middleLength = explicit(1, bitString(point)).length - pointLength;
  const scalarOffset = pointOffset - middleLength - curve.scalarLength;
  return {
    curve,
    pointLength,
    spkiPrefix: spki.slice(0, spki.length - pointLength),
    pkcs8Prefix: pkcs8.slice(0, scalarOffset),
    pkcs8Middle: pkcs8.slice(scalarOffset + curve.scalarLength, pointOffset),
  };
}

const ecTemplates: ReadonlyMap<DataKeyPairSpec, EcTemplate> = new Map(
  enumValues("DataKeyPairSpec").flatMap((name) => {
    const spec = name as DataKeyPairSpec;
    const parameters = keyPairParameters(spec);
    return parameters.kind === "ec" ? [[spec, ecTemplate(parameters)] as const] : [];
  }),
);

function generateEcKeyPair(template: EcTemplate): DataKeyPair {
  const { curve } = template;
  const ecdh = createECDH(curve.opensslName);
  const point = ecdh.generateKeys();
  const d = ecdh.getPrivateKey();
  if (point.length !== template.pointLength || d.length > curve.scalarLength)
    throw new Error(`unexpected ${curve.opensslName} key lengths`);
  // getPrivateKey drops leading zero bytes of the scalar; DER wants exactly L bytes.
  const scalar = new Uint8Array(curve.scalarLength);
  scalar.set(d, curve.scalarLength - d.length);
  d.fill(0);
  const privateKey = concat(template.pkcs8Prefix, scalar, template.pkcs8Middle, point);
  scalar.fill(0);
  return { publicKey: concat(template.spkiPrefix, point), privateKey };
}

/**
 * generateKeyPairSync("ed25519") with JWK encodings, which @types/node does not declare.
 */
const generateEd25519Jwk = generateKeyPairSync as unknown as (
  type: "ed25519",
  options: {
    readonly publicKeyEncoding: { readonly type: "spki"; readonly format: "jwk" };
    readonly privateKeyEncoding: { readonly type: "pkcs8"; readonly format: "jwk" };
  },
) => { readonly publicKey: JsonWebKey; readonly privateKey: JsonWebKey };

/**
 * Ed25519 (RFC 8410): SPKI = SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING { 0x00, A } },
 * PKCS#8 = SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING {
 * seed } } }, as OpenSSL writes them (version 0, no public key attribute). The raw seed and
 * public key come as JWK, which costs a third of OpenSSL's two DER exports.
 *
 * The JWK is produced by the generator itself, never by KeyObject.export({ format: "jwk" }):
 * in node 20 that export holds the key's mutex while it allocates strings, and a garbage
 * collection at that moment can run the finalizer of the just-finished generation job, which
 * shares the mutex and locks it again: the event loop deadlocks forever (a tight loop of
 * generate-then-export hangs within a few thousand pairs; bench/README.md).
 */
function generateEd25519KeyPair(): DataKeyPair {
  const { privateKey: jwk } = generateEd25519Jwk("ed25519", {
    publicKeyEncoding: { type: "spki", format: "jwk" },
    privateKeyEncoding: { type: "pkcs8", format: "jwk" },
  });
  if (jwk.d === undefined || jwk.x === undefined) throw new Error("Ed25519 JWK without d or x");
  const algorithm = sequence(objectIdentifier(oids.ed25519));
  const seed = Buffer.from(jwk.d, "base64url");
  const privateKey = sequence(smallInteger(0), algorithm, octetString(octetString(seed)));
  seed.fill(0);
  return { publicKey: sequence(algorithm, bitString(Buffer.from(jwk.x, "base64url"))), privateKey };
}

/**
 * A fresh pair of any spec but RSA, generated synchronously on the calling thread: from tens of
 * microseconds (P-256, Ed25519) to about two milliseconds (P-521).
 */
export function generateFastKeyPair(spec: DataKeyPairSpec): DataKeyPair {
  const algorithm = keyPairParameters(spec);
  switch (algorithm.kind) {
    case "ec": {
      const template = ecTemplates.get(spec);
      if (!template) throw new Error(`no EC template for ${spec}`);
      return generateEcKeyPair(template);
    }
    case "ed25519":
      return generateEd25519KeyPair();
    case "rsa":
      throw new Error(`${spec} is generated by the key pair pool, never on the event loop`);
    case "ml-dsa":
      throw new Error(`${spec} is not a data key pair spec`);
  }
}

/**
 * A fresh RSA pair with public exponent 65537. Blocks for as long as OpenSSL searches for
 * primes (up to seconds for 4096 bits): call it only from a worker thread.
 */
export function generateRsaKeyPairBlocking(spec: RsaKeyPairSpec): DataKeyPair {
  const algorithm = keyPairParameters(spec);
  if (algorithm.kind !== "rsa") throw new Error(`${spec} is not an RSA spec`);
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: algorithm.modulusLength,
    publicExponent: 0x10001,
    publicKeyEncoding: { type: "spki", format: "der" },
    privateKeyEncoding: { type: "pkcs8", format: "der" },
  });
  const pair = { publicKey: new Uint8Array(publicKey), privateKey: new Uint8Array(privateKey) };
  privateKey.fill(0);
  return pair;
}
