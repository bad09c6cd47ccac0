/**
 * Verifies AWS Signature Version 4 on a request, as the AWS front end does for JSON services:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 *
 * The checks run in AWS's order, because the order decides which error a client sees:
 * Authorization header present → algorithm → key=value syntax → required parameters and date
 * header → `host` signed → date format → clock skew → credential shape → credential scope →
 * access key and session token → signature. Every failure is a KmsError with AWS's type and
 * wording; nothing here echoes a secret.
 *
 * Only the Authorization header form is accepted. Query-string (presigned) SigV4 is refused:
 * no AWS SDK or CLI presigns KMS requests, and a KMS request is a POST whose signed body would
 * have to travel with a URL that ends up in proxy and access logs.
 */
import {
  algorithm,
  canonicalRequest,
  compare,
  constantTimeEqual,
  decodeLeniently,
  formatAmzDate,
  headerLists,
  hmacSha256,
  parseAmzDate,
  type SignedHttpRequest,
  sha256,
  signingKey,
  stringToSign,
  terminator,
} from "../../platform/crypto/sigv4.js";
import { KmsError } from "../../vocabulary/kms-errors.js";

export interface SigningIdentity {
  readonly secretAccessKey: string;
  /** Present for temporary credentials; requests must then carry exactly this token. */
  readonly sessionToken: string | undefined;
}

export interface VerifyOptions<I extends SigningIdentity> {
  readonly now: Date;
  /** The signing name the credential scope must name ("kms"). */
  readonly service: string;
  readonly isValidRegion: (region: string) => boolean;
  /** The identity owning the access key, if it may call in this region. */
  readonly findIdentity: (accessKeyId: string, region: string) => I | undefined;
}

export interface VerifiedRequest<I> {
  readonly identity: I;
  readonly accessKeyId: string;
  readonly region: string;
}

/** AWS accepts a request whose date is within 15 minutes of its clock, either way. */
export const allowedClockSkewMs = 15 * 60 * 1000;

const signatureMismatch =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const invalidToken = "The security token included in the request is invalid.";

const encoder = new TextEncoder();
const utf8 = (text: string) => encoder.encode(text);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

interface AuthorizationParameters {
  readonly credential: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  readonly timestamp: string;
}

const incomplete = (message: string) => new KmsError("IncompleteSignatureException", message);
const invalid = (message: string) => new KmsError("InvalidSignatureException", message);

function parseAuthorization(
  authorization: string,
  headers: ReadonlyMap<string, readonly string[]>,
): AuthorizationParameters {
  const text = authorization.trim();
  const space = text.search(/\s/);
  const scheme = space < 0 ? text : text.slice(0, space);
  if (scheme !== algorithm) throw incomplete(`Unsupported AWS 'algorithm': '${scheme}'.`);

  // Clients separate the parameters with ", "; AWS also accepts bare commas or whitespace.
  const parameters = new Map<string, string>();
  for (const part of (space < 0 ? "" : text.slice(space)).split(/[\s,]+/)) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    if (eq < 0)
      throw incomplete(
        `'${part}' not a valid key=value pair (missing equal-sign) in Authorization header: '${text}'`,
      );
    parameters.set(part.slice(0, eq), part.slice(eq + 1));
  }

  const missing: string[] = [];
  const credential = parameters.get("Credential");
  if (credential === undefined)
    missing.push("Authorization header requires 'Credential' parameter.");
  const signature = parameters.get("Signature");
  if (signature === undefined) missing.push("Authorization header requires 'Signature' parameter.");
  const signedHeaders = parameters.get("SignedHeaders");
  if (signedHeaders === undefined)
    missing.push("Authorization header requires 'SignedHeaders' parameter.");
  const timestamp = headers.get("x-amz-date")?.[0] ?? headers.get("date")?.[0];
  if (timestamp === undefined)
    missing.push(
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  if (
    credential === undefined ||
    signature === undefined ||
    signedHeaders === undefined ||
    timestamp === undefined
  )
    throw incomplete(`${missing.join(" ")} Authorization=${scheme}`);

  return {
    credential,
    signature,
    signedHeaders: signedHeaders.split(";").sort(compare),
    timestamp: timestamp.trim(),
  };
}

function clockSkewError(timestamp: Date, now: Date): KmsError | undefined {
  // Whole seconds, so the message's bounds are exactly the values compared.
  const nowSeconds = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const earliest = new Date(nowSeconds.getTime() - allowedClockSkewMs);
  const latest = new Date(nowSeconds.getTime() + allowedClockSkewMs);
  const minutes = allowedClockSkewMs / 60_000;
  if (timestamp < earliest)
    return invalid(
      `Signature expired: ${formatAmzDate(timestamp)} is now earlier than ${formatAmzDate(earliest)} (${formatAmzDate(nowSeconds)} - ${minutes} min.)`,
    );
  if (timestamp > latest)
    return invalid(
      `Signature not yet current: ${formatAmzDate(timestamp)} is still later than ${formatAmzDate(latest)} (${formatAmzDate(nowSeconds)} + ${minutes} min.)`,
    );
  return undefined;
}

function scopeErrors(
  [date, region, service, term]: readonly string[],
  timestamp: string,
  options: VerifyOptions<SigningIdentity>,
): string {
  // AWS reports every scope problem at once, each sentence followed by a space.
  let message = "";
  if (!options.isValidRegion(region!)) message += "Credential should be scoped to a valid region. ";
  if (service !== options.service)
    message += `Credential should be scoped to correct service: '${options.service}'. `;
  if (term !== terminator)
    message += `Credential should be scoped with a valid terminator: '${terminator}', not '${term}'. `;
  if (date !== timestamp.slice(0, 8))
    message += `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${timestamp.slice(0, 8)}', from '${timestamp}'. `;
  return message;
}

function hasQueryAuthentication(url: string): boolean {
  const q = url.indexOf("?");
  if (q < 0) return false;
  return url
    .slice(q + 1)
    .split("&")
    .some((part) => /^X-Amz-(Algorithm|Credential|Signature)(=|$)/i.test(decodeLeniently(part)));
}

/**
 * The payload hash to sign: the body's SHA-256. A client may state it in x-amz-content-sha256;
 * the stated value is used only when it is the body's hash, so a body swapped in transit can
 * never ride on a signature made for another body.
 */
function payloadHash(request: SignedHttpRequest, headers: ReadonlyMap<string, readonly string[]>) {
  const actual = hex(sha256(request.body));
  const stated = headers.get("x-amz-content-sha256")?.[0]?.trim();
  if (stated === undefined) return actual;
  if (stated.toLowerCase() !== actual) throw invalid(signatureMismatch);
  return stated;
}

export function verifySigV4<I extends SigningIdentity>(
  request: SignedHttpRequest,
  options: VerifyOptions<I>,
): VerifiedRequest<I> {
  const headers = headerLists(request.rawHeaders);
  const authorization = headers.get("authorization")?.[0];
  const queryAuthentication = hasQueryAuthentication(request.url);
  if (authorization === undefined && !queryAuthentication)
    throw new KmsError(
      "MissingAuthenticationTokenException",
      "Request is missing Authentication Token",
    );
  // Both forms at once is ambiguous; AWS answers it as a signature mismatch.
  if (authorization !== undefined && queryAuthentication) throw invalid(signatureMismatch);
  if (authorization === undefined)
    throw incomplete(
      "Query-string (presigned) authentication is not supported by Trent; sign KMS requests with an Authorization header.",
    );

  const auth = parseAuthorization(authorization, headers);
  if (!auth.signedHeaders.includes("host"))
    throw invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");

  const timestamp = parseAmzDate(auth.timestamp);
  if (!timestamp)
    throw incomplete(
      `Date must be in ISO-8601 'basic format'. Got '${auth.timestamp}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    );
  const skew = clockSkewError(timestamp, options.now);
  if (skew) throw skew;

  const credential = auth.credential.split("/");
  if (credential.length !== 5)
    throw incomplete(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${auth.credential}'`,
    );
  const [accessKeyId, date, region, service] = credential as [string, string, string, string];
  const scopeMessage = scopeErrors(credential.slice(1), auth.timestamp, options);
  if (scopeMessage) throw invalid(scopeMessage);

  const identity = options.findIdentity(accessKeyId, region);
  if (!identity) throw new KmsError("UnrecognizedClientException", invalidToken);
  const token = headers.get("x-amz-security-token")?.[0];
  if (!sameToken(token, identity.sessionToken))
    throw new KmsError("UnrecognizedClientException", invalidToken);

  const canonical = canonicalRequest(
    request,
    headers,
    auth.signedHeaders,
    payloadHash(request, headers),
  );
  const scope = `${date}/${region}/${service}/${terminator}`;
  const expected = hex(
    hmacSha256(
      signingKey(identity.secretAccessKey, date, region, service),
      utf8(stringToSign(auth.timestamp, scope, canonical)),
    ),
  );
  if (!constantTimeEqual(utf8(expected), utf8(auth.signature))) throw invalid(signatureMismatch);
  return { identity, accessKeyId, region };
}

function sameToken(sent: string | undefined, expected: string | undefined): boolean {
  if (sent === undefined || expected === undefined) return sent === expected;
  return constantTimeEqual(utf8(sent), utf8(expected));
}
