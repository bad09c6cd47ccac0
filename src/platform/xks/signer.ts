/**
 * Signs XKS proxy requests with SigV4 (service "kms-xks-proxy", the key store's Region), as the
 * XKS proxy API specification's Appendix A describes. The canonical request and signing key
 * come from src/platform/crypto/sigv4.ts, which Trent's own verifier uses too, so signer and
 * verifier cannot drift apart; the wire tests check the result with @smithy/signature-v4's rules too.
 */
import {
  canonicalRequest,
  formatAmzDate,
  headerLists,
  hmacSha256,
  sha256,
  signingKey,
  stringToSign,
} from "../crypto/sigv4.js";

export const xksSigningService = "kms-xks-proxy";

export interface XksCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** The headers to send with `body` to `url`: content type, date, payload hash, Authorization. */
export function signXksRequest(
  url: URL,
  body: Uint8Array,
  credential: XksCredential,
  region: string,
  now: Date,
): Record<string, string> {
  const timestamp = formatAmzDate(now);
  const date = timestamp.slice(0, 8);
  const payloadHash = hex(sha256(body));
  const headers: Record<string, string> = {
    "content-type": "application/json",
    host: url.host,
    "x-amz-content-sha256": payloadHash,
    "x-amz-date": timestamp,
  };
  const signedHeaders = Object.keys(headers).sort();
  const canonical = canonicalRequest(
    { method: "POST", url: `${url.pathname}${url.search}`, rawHeaders: [], body },
    headerLists(Object.entries(headers).flat()),
    signedHeaders,
    payloadHash,
  );
  const scope = `${date}/${region}/${xksSigningService}/aws4_request`;
  const signature = hex(
    hmacSha256(
      signingKey(credential.secretAccessKey, date, region, xksSigningService),
      new TextEncoder().encode(stringToSign(timestamp, scope, canonical)),
    ),
  );
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${credential.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`,
  };
}
