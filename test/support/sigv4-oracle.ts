/**
 * Signs requests with @smithy/signature-v4, the signer inside AWS SDK v3, so Trent's verifier
 * is checked against the clients' own implementation rather than against itself. Only the hash
 * primitive comes from Trent (tests do not import node:crypto).
 */
import { SignatureV4 } from "@smithy/signature-v4";
import { hmacSha256, sha256 } from "../../src/platform/crypto/sigv4.js";

/** The SourceData-hashing constructor smithy expects: HMAC when given a secret. */
class OracleSha256 {
  private readonly chunks: Uint8Array[] = [];
  constructor(private readonly secret?: string | Uint8Array | ArrayBuffer | ArrayBufferView) {}

  update(data: string | Uint8Array | ArrayBuffer | ArrayBufferView): void {
    this.chunks.push(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    const data = Buffer.concat(this.chunks);
    return this.secret === undefined ? sha256(data) : hmacSha256(bytes(this.secret), data);
  }
}

function bytes(data: string | Uint8Array | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (typeof data === "string") return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

export interface OracleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface RequestToSign {
  readonly credentials: OracleCredentials;
  readonly date: Date;
  readonly region?: string;
  readonly service?: string;
  readonly method?: string;
  readonly host?: string;
  readonly path?: string;
  /** Query parameters, in the order they are put on the wire. */
  readonly query?: readonly [string, string][];
  /** Headers to sign (names as given). Leave out `host` to sign without it. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Headers smithy must not sign even though they are sent. */
  readonly unsigned?: readonly string[];
}

export interface SignedRequest {
  readonly method: string;
  readonly url: string;
  /** Every header to send, the Authorization header included. */
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Percent-encodes as SDKs put query parameters on the wire (RFC 3986 unreserved kept). */
function wireEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export async function oracleSign(request: RequestToSign): Promise<SignedRequest> {
  const signer = new SignatureV4({
    credentials: request.credentials,
    region: request.region ?? "us-east-1",
    service: request.service ?? "kms",
    sha256: OracleSha256,
  });
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of request.query ?? []) {
    const existing = query[name];
    query[name] =
      existing === undefined
        ? value
        : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  const path = request.path ?? "/";
  const signed = await signer.sign(
    {
      method: request.method ?? "POST",
      protocol: "http:",
      hostname: request.host ?? "localhost",
      path,
      query,
      headers: { ...(request.headers ?? {}) },
      body: request.body ?? "",
    },
    {
      signingDate: request.date,
      unsignableHeaders: new Set(request.unsigned ?? []),
    },
  );
  const wireQuery = (request.query ?? [])
    .map(([name, value]) => `${wireEncode(name)}=${wireEncode(value)}`)
    .join("&");
  return {
    method: request.method ?? "POST",
    url: wireQuery === "" ? path : `${path}?${wireQuery}`,
    headers: signed.headers as Record<string, string>,
    body: request.body ?? "",
  };
}
