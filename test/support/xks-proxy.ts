/**
 * A small but real external key store (XKS) proxy for tests, per the AWS KMS XKS Proxy API
 * Specification v1: HTTPS (a throwaway self-signed certificate made with openssl), SigV4 checked
 * twice (Trent's own verifier for scope, region, clock and access key, then @smithy/signature-v4
 * recomputing the signature as an independent oracle), and AES-256-GCM keys (WebCrypto) behind
 * GetHealthStatus, GetKeyMetadata, Encrypt and Decrypt, with the spec's error bodies. It records
 * each request's path and requestMetadata (never plaintext) for tests to inspect.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { verifySigV4 } from "../../src/core/auth/sigv4.js";
import { httpsXksTransport, type XksTransport } from "../../src/platform/xks/transport.js";
import { oracleSign } from "./sigv4-oracle.js";

export interface XksTestKey {
  /** Raw key bytes (32 for AES_256). */
  material: Uint8Array;
  keySpec: string;
  keyUsage: string[];
  keyStatus: "ENABLED" | "DISABLED";
}

export interface XksProxyRequest {
  readonly path: string;
  readonly requestMetadata: Record<string, unknown>;
  readonly hasAad: boolean;
}

export interface TestXksProxy {
  readonly host: string;
  readonly port: number;
  readonly uriPath: string;
  /** Every XksProxyUriPath the proxy serves (uriPath and any added); others are InvalidUriPath. */
  readonly paths: Set<string>;
  readonly region: string;
  /** Access key id → secret access key the proxy accepts (mutable: add and remove). */
  readonly credentials: Map<string, string>;
  readonly keys: Map<string, XksTestKey>;
  readonly requests: XksProxyRequest[];
  /** What GetHealthStatus reports for the one external key manager. */
  healthStatus: "ACTIVE" | "DEGRADED" | "UNAVAILABLE";
  /** When set, every request answers this error (status, errorName). */
  failWith: { status: number; errorName: string } | undefined;
  /** A transport for Trent: this proxy's host name goes to it, with its certificate trusted. */
  transport(): XksTransport;
  close(): Promise<void>;
}

const run = promisify(execFile);

async function selfSignedCertificate(host: string): Promise<{ key: string; cert: string }> {
  const dir = await mkdtemp(join(tmpdir(), "trent-xks-"));
  try {
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
      "-days",
      "1",
      "-subj",
      `/CN=${host}`,
      "-addext",
      `subjectAltName=DNS:${host}`,
    ]);
    return {
      key: await readFile(join(dir, "key.pem"), "utf8"),
      cert: await readFile(join(dir, "cert.pem"), "utf8"),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function bytesOf(text: unknown): Uint8Array<ArrayBuffer> | undefined {
  return typeof text === "string" ? new Uint8Array(Buffer.from(text, "base64")) : undefined;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** The spec's AAD for the external key manager: lengths keep AAD and metadata apart. */
function managerAad(aad: Uint8Array, metadata: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(2 + aad.length + 1 + metadata.length);
  out[0] = aad.length >> 8;
  out[1] = aad.length & 0xff;
  out.set(aad, 2);
  out[2 + aad.length] = metadata.length;
  out.set(metadata, 3 + aad.length);
  return out;
}

async function aesKey(material: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", new Uint8Array(material), "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
}

class XksError extends Error {
  constructor(
    readonly status: number,
    readonly errorName: string,
  ) {
    super(errorName);
  }
}

export async function startXksProxy(
  options: {
    host?: string;
    uriPath?: string;
    region?: string;
    credentials?: Record<string, string>;
  } = {},
): Promise<TestXksProxy> {
  const host = options.host ?? "xks.trent.test";
  const uriPath = options.uriPath ?? "/kms/xks/v1";
  const region = options.region ?? "us-east-1";
  const tls = await selfSignedCertificate(host);
  const requests: XksProxyRequest[] = [];

  const authenticate = async (req: IncomingMessage, body: Uint8Array) => {
    try {
      const verified = verifySigV4(
        { method: req.method ?? "", url: req.url ?? "", rawHeaders: req.rawHeaders, body },
        {
          now: new Date(),
          service: "kms-xks-proxy",
          isValidRegion: (r) => r === region,
          findIdentity: (accessKeyId) => {
            const secret = proxy.credentials.get(accessKeyId);
            return secret === undefined
              ? undefined
              : { secretAccessKey: secret, sessionToken: undefined };
          },
        },
      );
      const secret = proxy.credentials.get(verified.accessKeyId) ?? "";
      const date = req.headers["x-amz-date"];
      const oracle = await oracleSign({
        credentials: { accessKeyId: verified.accessKeyId, secretAccessKey: secret },
        date: new Date(
          String(date).replace(
            /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
            "$1-$2-$3T$4:$5:$6Z",
          ),
        ),
        region,
        service: "kms-xks-proxy",
        host: String(req.headers.host),
        path: req.url ?? "/",
        headers: {
          "content-type": String(req.headers["content-type"]),
          host: String(req.headers.host),
          "x-amz-content-sha256": String(req.headers["x-amz-content-sha256"]),
        },
        body: Buffer.from(body).toString("utf8"),
      });
      if (oracle.headers.authorization !== req.headers.authorization)
        throw new Error("signature differs from @smithy/signature-v4's");
    } catch {
      throw new XksError(401, "AuthenticationFailedException");
    }
  };

  const handle = async (
    resource: string,
    json: Record<string, unknown>,
  ): Promise<Record<string, unknown>> => {
    if (resource === "health")
      return {
        xksProxyFleetSize: 1,
        xksProxyVendor: "Trent tests",
        xksProxyModel: "test/support/xks-proxy.ts",
        ekmVendor: "Trent tests",
        ekmFleetDetails: [{ id: "ekm-1", model: "WebCrypto", healthStatus: proxy.healthStatus }],
      };
    const match = /^keys\/([A-Za-z0-9._-]+)\/(metadata|encrypt|decrypt)$/.exec(resource);
    if (!match) throw new XksError(404, "InvalidUriPathException");
    const [, keyId, action] = match as unknown as [string, string, string];
    const key = proxy.keys.get(keyId);
    if (!key) throw new XksError(404, "KeyNotFoundException");
    if (action === "metadata")
      return { keySpec: key.keySpec, keyUsage: key.keyUsage, keyStatus: key.keyStatus };
    if (key.keyStatus !== "ENABLED") throw new XksError(400, "InvalidStateException");
    if (json.encryptionAlgorithm !== "AES_GCM") throw new XksError(400, "ValidationException");
    const aad = bytesOf(json.additionalAuthenticatedData) ?? new Uint8Array();
    const cryptoKey = await aesKey(key.material);
    if (action === "encrypt") {
      const plaintext = bytesOf(json.plaintext);
      if (!plaintext) throw new XksError(400, "ValidationException");
      const iv = crypto.getRandomValues(new Uint8Array(12));
      // One byte of ciphertextMetadata (a key version), bound into the AAD as the spec asks.
      const metadata = Uint8Array.of(1);
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt(
          {
            name: "AES-GCM",
            iv: new Uint8Array(iv),
            additionalData: managerAad(aad, metadata),
            tagLength: 128,
          },
          cryptoKey,
          new Uint8Array(plaintext),
        ),
      );
      return {
        ciphertext: b64(sealed.subarray(0, sealed.length - 16)),
        ciphertextMetadata: b64(metadata),
        initializationVector: b64(iv),
        authenticationTag: b64(sealed.subarray(sealed.length - 16)),
      };
    }
    const ciphertext = bytesOf(json.ciphertext);
    const iv = bytesOf(json.initializationVector);
    const tag = bytesOf(json.authenticationTag);
    const metadata = bytesOf(json.ciphertextMetadata) ?? new Uint8Array();
    if (!ciphertext || !iv || !tag) throw new XksError(400, "ValidationException");
    try {
      const joined = new Uint8Array(ciphertext.length + tag.length);
      joined.set(ciphertext);
      joined.set(tag, ciphertext.length);
      const plaintext = new Uint8Array(
        await crypto.subtle.decrypt(
          {
            name: "AES-GCM",
            iv: new Uint8Array(iv),
            additionalData: managerAad(aad, metadata),
            tagLength: 128,
          },
          cryptoKey,
          joined,
        ),
      );
      return { plaintext: b64(plaintext) };
    } catch {
      throw new XksError(400, "InvalidCiphertextException");
    }
  };

  const respond = (res: ServerResponse, status: number, json: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(json));
  };

  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const body = new Uint8Array(Buffer.concat(chunks));
      try {
        if (req.method !== "POST") throw new XksError(405, "ValidationException");
        await authenticate(req, body);
        const url = req.url ?? "";
        const base = [...proxy.paths].find((p) => url.startsWith(`${p}/`));
        if (base === undefined) throw new XksError(404, "InvalidUriPathException");
        const resource = url.slice(base.length + 1);
        const json = JSON.parse(Buffer.from(body).toString("utf8")) as Record<string, unknown>;
        requests.push({
          path: resource,
          requestMetadata: (json.requestMetadata ?? {}) as Record<string, unknown>,
          hasAad: typeof json.additionalAuthenticatedData === "string",
        });
        if (proxy.failWith) throw new XksError(proxy.failWith.status, proxy.failWith.errorName);
        respond(res, 200, await handle(resource, json));
      } catch (error) {
        if (error instanceof XksError) respond(res, error.status, { errorName: error.errorName });
        else respond(res, 500, { errorName: "InternalException" });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  const proxy: TestXksProxy = {
    host,
    port,
    uriPath,
    paths: new Set([uriPath]),
    region,
    credentials: new Map(Object.entries(options.credentials ?? {})),
    keys: new Map(),
    requests,
    healthStatus: "ACTIVE",
    failWith: undefined,
    transport() {
      const toProxy = httpsXksTransport({ ca: tls.cert, connectTo: { host: "127.0.0.1", port } });
      // Any other host name is unreachable: a port nothing listens on.
      const nowhere = httpsXksTransport({ connectTo: { host: "127.0.0.1", port: 1 } });
      return {
        post: (url, headers, body, timeoutMs) =>
          (url.hostname === host ? toProxy : nowhere).post(url, headers, body, timeoutMs),
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

/** A random AES-256 key for the proxy to hold. */
export function aes256Key(overrides: Partial<XksTestKey> = {}): XksTestKey {
  return {
    material: crypto.getRandomValues(new Uint8Array(32)),
    keySpec: "AES_256",
    keyUsage: ["ENCRYPT", "DECRYPT"],
    keyStatus: "ENABLED",
    ...overrides,
  };
}
