/**
 * ECDH key agreement for KEY_AGREEMENT keys: the raw Elliptic Curve Cryptography Cofactor
 * Diffie-Hellman primitive (NIST SP 800-56A §5.7.1.2), i.e. the x-coordinate of [d]Q, with no
 * KDF applied, which is what DeriveSharedSecret returns and what `openssl pkeyutl -derive`
 * computes offline: https://docs.aws.amazon.com/kms/latest/developerguide/offline-operations.html
 * Every curve here has cofactor 1, so the cofactor and plain primitives agree. The scalar
 * multiplication runs in OpenSSL, which also rejects a peer point that is not on the curve.
 */
import { createECDH, ECDH } from "node:crypto";
import { ecPrivateScalar, oids, parseSubjectPublicKeyInfo } from "./der-reader.js";

export type AgreementCurve = "P-256" | "P-384" | "P-521" | "SM2";

const curves: Record<AgreementCurve, { readonly oid: string; readonly openssl: string }> = {
  "P-256": { oid: oids.prime256v1, openssl: "prime256v1" },
  "P-384": { oid: oids.secp384r1, openssl: "secp384r1" },
  "P-521": { oid: oids.secp521r1, openssl: "secp521r1" },
  SM2: { oid: oids.sm2, openssl: "SM2" },
};

/**
 * The peer's public point from its DER SubjectPublicKeyInfo, or undefined unless it is an
 * elliptic-curve key on `curve` whose point lies on that curve.
 */
export function peerPublicPoint(curve: AgreementCurve, spki: Uint8Array): Uint8Array | undefined {
  try {
    const info = parseSubjectPublicKeyInfo(spki);
    if (info.algorithm !== oids.ecPublicKey || info.namedCurve !== curves[curve].oid)
      return undefined;
    // convertKey decodes the point (compressed or not) and fails for one off the curve.
    const point = ECDH.convertKey(
      info.publicKey,
      curves[curve].openssl,
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
  curve: AgreementCurve,
  privateKeyPkcs8: Uint8Array,
  peerPoint: Uint8Array,
): Uint8Array {
  const { namedCurve, scalar } = ecPrivateScalar(privateKeyPkcs8);
  if (namedCurve !== curves[curve].oid) throw new RangeError(`the private key is not on ${curve}`);
  const ecdh = createECDH(curves[curve].openssl);
  ecdh.setPrivateKey(scalar);
  return new Uint8Array(ecdh.computeSecret(peerPoint));
}
