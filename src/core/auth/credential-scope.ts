/**
 * Reads the SigV4 Authorization header far enough to know who claims to call and where:
 * access key id and credential scope (date/region/service). Verification of the signature is
 * the job of the sigv4 auth mode; this parser is shared by both modes.
 */
export interface CredentialScope {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

const credentialPattern = /Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request/;

export function parseCredentialScope(
  authorization: string | undefined,
): CredentialScope | undefined {
  if (!authorization?.startsWith("AWS4-HMAC-SHA256")) return undefined;
  const m = credentialPattern.exec(authorization);
  if (!m) return undefined;
  const [, accessKeyId, date, region, service] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  return { accessKeyId, date, region, service };
}
