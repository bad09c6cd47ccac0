/**
 * SigV4's building blocks, shared by the verifier of Trent's own front end
 * (src/core/auth/sigv4.ts, which owns the order of checks and the errors) and the signer of XKS
 * proxy requests (src/platform/xks/signer.ts), so signer and verifier cannot drift apart:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 * The hash and MAC primitives live here because only src/platform/crypto imports node:crypto.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export interface SignedHttpRequest {
  readonly method: string;
  /** Path and query exactly as received on the request line. */
  readonly url: string;
  /** Header names and values as received, alternating (node's `rawHeaders`). */
  readonly rawHeaders: readonly string[];
  readonly body: Uint8Array;
}

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(data).digest());
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac("sha256", key).update(data).digest());
}

/**
 * Compares two byte strings in time independent of where they differ, so a client probing
 * signatures learns nothing from response times. Lengths are not secret (a SigV4 signature is
 * always 64 hex characters), so unequal lengths return false at once.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The signing algorithm and the credential scope's terminator SigV4 names. */
export const algorithm = "AWS4-HMAC-SHA256";
export const terminator = "aws4_request";

const encoder = new TextEncoder();
const utf8 = (text: string) => encoder.encode(text);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** Header values by lower-case name, in the order they arrived (repeats kept). */
export function headerLists(rawHeaders: readonly string[]): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const values = headers.get(name);
    if (values) values.push(rawHeaders[i + 1]!);
    else headers.set(name, [rawHeaders[i + 1]!]);
  }
  return headers;
}

/** RFC 3986 percent-encoding of every byte except the unreserved characters, hex upper-case. */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Percent-decodes, keeping malformed text as sent. */
export function decodeLeniently(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A malformed escape cannot have been produced by a signer; keeping the text as sent makes
    // the signature fail to match instead of the request failing some other way.
    return text;
  }
}

/**
 * The canonical URI of a non-S3 service: the path as sent, with empty and "." segments
 * dropped and ".." resolved, each segment URI-encoded once more (AWS signs the encoded path
 * encoded again).
 */
export function canonicalUri(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(uriEncode(segment));
  }
  if (segments.length === 0) return "/";
  return `/${segments.join("/")}${path.endsWith("/") ? "/" : ""}`;
}

/** Query parameters decoded, re-encoded the one SigV4 way, sorted by name then value. */
export function canonicalQueryString(query: string): string {
  const pairs: [string, string][] = [];
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? "" : part.slice(eq + 1);
    pairs.push([uriEncode(decodeLeniently(name)), uriEncode(decodeLeniently(value))]);
  }
  pairs.sort(([an, av], [bn, bv]) => (an === bn ? compare(av, bv) : compare(an, bn)));
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

/** Code-point order, as SigV4 sorts names and values. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A header's canonical value: each occurrence trimmed with inner whitespace runs collapsed, joined by commas. */
export function canonicalHeaderValue(values: readonly string[]): string {
  return values.map((value) => value.trim().replace(/\s+/g, " ")).join(",");
}

export function canonicalRequest(
  request: SignedHttpRequest,
  headers: ReadonlyMap<string, readonly string[]>,
  signedHeaders: readonly string[],
  payloadHash: string,
): string {
  const q = request.url.indexOf("?");
  const path = q < 0 ? request.url : request.url.slice(0, q);
  const query = q < 0 ? "" : request.url.slice(q + 1);
  let canonicalHeaders = "";
  for (const name of signedHeaders) {
    const values = headers.get(name);
    // A signed header the request lacks contributes nothing; the signature then fails to match.
    if (values) canonicalHeaders += `${name}:${canonicalHeaderValue(values)}\n`;
  }
  return [
    request.method,
    canonicalUri(path),
    canonicalQueryString(query),
    canonicalHeaders,
    signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
}

export function stringToSign(timestamp: string, scope: string, canonical: string): string {
  return `${algorithm}\n${timestamp}\n${scope}\n${hex(sha256(utf8(canonical)))}`;
}

/** kSigning = HMAC chain over "AWS4" + secret, date, region, service, "aws4_request". */
export function signingKey(
  secretAccessKey: string,
  date: string,
  region: string,
  service: string,
): Uint8Array {
  const kDate = hmacSha256(utf8(`AWS4${secretAccessKey}`), utf8(date));
  const kRegion = hmacSha256(kDate, utf8(region));
  const kService = hmacSha256(kRegion, utf8(service));
  return hmacSha256(kService, utf8(terminator));
}

const basicFormat = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Parses an ISO-8601 basic-format UTC timestamp (20150830T123600Z), rejecting impossible dates. */
export function parseAmzDate(text: string): Date | undefined {
  const m = basicFormat.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return formatAmzDate(date) === text ? date : undefined;
}

export function formatAmzDate(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/[-:]/g, "")}Z`;
}
