/**
 * ECDH key agreement for KEY_AGREEMENT keys: the raw Elliptic Curve Cryptography Cofactor
 * Diffie-Hellman primitive (NIST SP 800-56A §5.7.1.2), i.e. the x-coordinate of [d]Q, with no
 * KDF applied, which is what DeriveSharedSecret returns and what `openssl pkeyutl -derive`
 * computes offline: https://docs.aws.amazon.com/kms/latest/developerguide/offline-operations.html
 * Every curve here has cofactor 1, so the cofactor and plain primitives agree. The scalar
 * multiplication runs in OpenSSL, which also rejects a peer point that is not on the curve.
 */
import { createECDH, ECDH } from "node:crypto";
import { oids } from "./der.js";
import { ecPrivateScalar, parseSubjectPublicKeyInfo } from "./der-reader.js";
import { type AsymmetricKeySpec, ecCurveOf } from "./key-parameters.js";

/**
 * The peer's public point from its DER SubjectPublicKeyInfo, or undefined unless it is an
 * elliptic-curve key on the curve of `spec` whose point lies on that curve.
 */
export function peerPublicPoint(spec: AsymmetricKeySpec, spki: Uint8Array): Uint8Array | undefined {
  try {
    const info = parseSubjectPublicKeyInfo(spki);
    if (info.algorithm !== oids.ecPublicKey || info.namedCurve !== ecCurveOf(spec).oid)
      return undefined;
    // convertKey decodes the point (compressed or not) and fails for one off the curve.
    const point = ECDH.convertKey(
      info.publicKey,
      ecCurveOf(spec).opensslName,
      undefined,
      undefined,
      "uncompressed",
    ) as Buffer;
    return new Uint8Array(point);
  } catch {
    // Malformed DER (DerError) or a point OpenSSL refuses: either way, not a usable peer key.
    return undefined;
  }
}

/** The raw shared secret of our PKCS#8 private key and a point peerPublicPoint accepted. */
export function deriveSharedSecret(
  spec: AsymmetricKeySpec,
  privateKeyPkcs8: Uint8Array,
  peerPoint: Uint8Array,
): Uint8Array {
  const { namedCurve, scalar } = ecPrivateScalar(privateKeyPkcs8);
  if (namedCurve !== ecCurveOf(spec).oid)
    throw new RangeError(`the private key is not on the curve of ${spec}`);
  const ecdh = createECDH(ecCurveOf(spec).opensslName);
  ecdh.setPrivateKey(scalar);
  return new Uint8Array(ecdh.computeSecret(peerPoint));
}
