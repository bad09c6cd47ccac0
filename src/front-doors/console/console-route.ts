/**
 * The web console's route: everything under /console. It signs people in (console-sign-in.ts
 * in the core decides who they are), keeps their server session (sessions.ts), and turns pages
 * and forms into KMS calls through the core's one entry as the signed-in caller, so what the
 * console shows and does is exactly what that caller's API requests would see and do, and
 * every call leaves its audit record. Only two things are read without a KMS call: the key
 * list's rows (one indexed store query, after a ListKeys call has authorized the listing) and
 * the audit trail (the audit index, for identities that administer their account).
 *
 * Defences, in the order they apply: open mode answers loopback clients only; every answer
 * forbids framing, sniffing, caching and any script or style not served by Trent; the session
 * cookie is HttpOnly and SameSite=Strict (Secure over TLS); every POST must name this console's
 * host in its Origin header and, once signed in, carry the session's CSRF token.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type ConsoleSignIn, SignInRefused } from "../../core/auth/console-sign-in.js";
import type { KmsCore } from "../../core/kms.js";
import type { AuditFilter, AuditReader } from "../../platform/audit/audit-query.js";
import { AuditQueryError } from "../../platform/audit/audit-query.js";
import type { AuditRecord } from "../../platform/audit/cloudtrail-record.js";
import { sameSecret } from "../../platform/crypto/secret-compare.js";
import type { ConsoleSessionRepository, KeySearch, Page } from "../../platform/store/store.js";
import type { TrentConfig } from "../../vocabulary/config.js";
import type { AliasRecord, KeyRecord } from "../../vocabulary/key-records.js";
import { isKmsError } from "../../vocabulary/kms-errors.js";
import type { Clock, Random } from "../../vocabulary/ports.js";
import type { Caller } from "../../vocabulary/request.js";
import type { ExchangeNotes } from "../http/exchange.js";
import { consoleCss, consoleJs } from "./assets.js";
import { type AuditFilterText, auditFilterNames, auditPage, auditTailRows } from "./audit-page.js";
import { createKeyPage } from "./create-key-page.js";
import { html } from "./html.js";
import { type ConsoleCall, createKeyInput, keyActions, typedValues } from "./key-actions.js";
import { filterNames, type KeyListFilters, keyListPage } from "./key-list-page.js";
import { type FailedAction, type KeyPageData, keyPage, type Read } from "./key-page.js";
import { consoleBase, errorBox, page } from "./layout.js";
import { type ConsoleSession, SessionStore } from "./sessions.js";
import { signInPage } from "./sign-in-page.js";

/** What the console is built from (by the composition root, app.ts). */
export interface ConsoleDoor {
  readonly config: TrentConfig;
  readonly kms: KmsCore;
  readonly signIn: ConsoleSignIn;
  readonly clock: Clock;
  /** Request ids of the console's KMS calls. */
  readonly random: Random;
  /** Session ids and CSRF tokens: must be the system's entropy. */
  readonly secrets: Random;
  /** Where sessions are kept: the store, shared by every process and node. */
  readonly sessions: ConsoleSessionRepository;
  /** The key list's rows: keys.search of the store. */
  searchKeys(
    accountId: string,
    region: string,
    search: KeySearch,
    page: Page,
  ): Promise<KeyRecord[]>;
  /** The aliases of a page of keys: aliases.listForKeys of the store. */
  aliasesOf(accountId: string, region: string, keyIds: readonly string[]): Promise<AliasRecord[]>;
  /** The audit index, when there is one. */
  auditReader(): Promise<AuditReader | undefined>;
}

export interface ConsoleRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly notes: ExchangeNotes;
  readonly secureTransport: boolean;
}

export type ConsoleRoute = (request: ConsoleRequest) => Promise<void>;

const cookieName = "trent_console";
const keysPerPage = 50;
const auditPerPage = 50;
const tailLimit = 200;
/**
 * A key's recent activity shows its changes and uses, not the reads its page makes: every view
 * of a key's page reads it eight times, so the newest records are mostly the console's own.
 */
const pageReads: ReadonlySet<string> = new Set([
  "DescribeKey",
  "ListAliases",
  "ListResourceTags",
  "GetKeyPolicy",
  "ListGrants",
  "GetKeyRotationStatus",
  "ListKeyRotations",
  "GetKeyLastUsage",
]);
const recentScanned = 200;
const recentShown = 10;

const securityHeaders: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 addresses. */
export function isLoopbackAddress(address: string): boolean {
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return v4.startsWith("127.") || address === "::1";
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

function sessionCookie(value: string, secure: boolean, maxAgeSeconds: number): string {
  return `${cookieName}=${value}; Path=${consoleBase}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? "; Secure" : ""}`;
}

function send(
  request: ConsoleRequest,
  status: number,
  body: string,
  contentType = "text/html; charset=utf-8",
  headers: Readonly<Record<string, string>> = {},
): void {
  request.res.writeHead(status, {
    ...securityHeaders,
    ...headers,
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "x-amzn-requestid": request.requestId,
  });
  request.res.end(body);
}

function redirect(request: ConsoleRequest, location: string, headers: Record<string, string> = {}) {
  request.res.writeHead(303, {
    ...securityHeaders,
    ...headers,
    location,
    "content-length": 0,
    "x-amzn-requestid": request.requestId,
  });
  request.res.end();
}

/** A plain page for refusals that happen before any session (wrong origin, open mode off loopback). */
function refusal(request: ConsoleRequest, status: number, type: string, message: string): void {
  request.notes.errorType = type;
  send(
    request,
    status,
    page({
      title: "Refused",
      section: "sign-in",
      body: html`<h1>Refused</h1>${errorBox(message)}`,
    }),
  );
}

function readForm(req: IncomingMessage, limit: number): Promise<URLSearchParams | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(new URLSearchParams(Buffer.concat(chunks).toString("utf8"))));
    req.on("error", reject);
  });
}

function messageOf(error: unknown): string {
  if (isKmsError(error)) return `${error.type}: ${error.wireMessage ?? error.message}`;
  if (error instanceof AuditQueryError) return error.message;
  throw error;
}

async function settle<T>(work: Promise<T>): Promise<Read<T>> {
  try {
    return { ok: true, value: await work };
  } catch (error) {
    return { ok: false, error: messageOf(error) };
  }
}

export function createConsoleRoute(door: ConsoleDoor): ConsoleRoute {
  const { config } = door;
  const sessions = new SessionStore(
    {
      idleTimeoutMs: config.consoleIdleTimeoutSeconds * 1000,
      lifetimeMs: config.consoleSessionLifetimeSeconds * 1000,
    },
    door.secrets,
    door.sessions,
  );
  const now = () => door.clock.now().getTime();

  /**
   * Whether a POST's Origin header names the host (and port) the request was sent to: a page
   * of this console. The scheme is not compared, so a proxy that ends TLS in front of Trent
   * keeps working as long as it passes the Host header on; the CSRF token still has to match.
   */
  function fromOwnOrigin(request: ConsoleRequest, origin: string | undefined): boolean {
    const host = request.req.headers.host;
    if (origin === undefined || host === undefined) return false;
    try {
      const url = new URL(origin);
      return (url.protocol === "http:" || url.protocol === "https:") && url.host === host;
    } catch {
      // "null" (a sandboxed or privacy-sensitive context) and anything else unparsable.
      return false;
    }
  }

  function callerOf(session: ConsoleSession, request: ConsoleRequest): Caller {
    return {
      ...session.caller,
      sourceIp: request.req.socket.remoteAddress ?? "",
      userAgent: request.req.headers["user-agent"] ?? "",
    };
  }

  function bindCall(caller: Caller, request: ConsoleRequest): ConsoleCall {
    return (operation, input) =>
      door.kms.call(operation, input, caller, {
        requestId: door.random.uuid(),
        sourceIp: caller.sourceIp,
        userAgent: caller.userAgent,
        secureTransport: request.secureTransport,
      });
  }

  async function serveSignIn(request: ConsoleRequest, form?: URLSearchParams): Promise<void> {
    if (!form) {
      const url = new URL(request.req.url ?? "/", "http://console");
      const reason = url.searchParams.get("reason");
      send(
        request,
        200,
        signInPage({
          authMode: config.authMode,
          region: config.region,
          reason:
            reason === "expired"
              ? "Your session ended. Sign in again."
              : reason === "signed-out"
                ? "You signed out."
                : undefined,
        }),
      );
      return;
    }
    const attempt = {
      accessKeyId: (form.get("accessKeyId") ?? "").trim(),
      secretAccessKey: form.get("secretAccessKey") ?? "",
      region: (form.get("region") ?? "").trim(),
      sourceIp: request.req.socket.remoteAddress ?? "",
      userAgent: request.req.headers["user-agent"] ?? "",
    };
    let caller: Caller;
    try {
      caller = door.signIn(attempt);
    } catch (error) {
      if (!(error instanceof SignInRefused)) throw error;
      request.notes.errorType = "SignInRefused";
      send(
        request,
        401,
        signInPage({
          authMode: config.authMode,
          region: attempt.region || config.region,
          accessKeyId: attempt.accessKeyId,
          error: error.message,
        }),
      );
      return;
    }
    const session = await sessions.create(caller, now());
    request.notes.callerArn = caller.principalArn;
    redirect(request, `${consoleBase}/keys`, {
      "set-cookie": sessionCookie(
        session.id,
        request.secureTransport,
        config.consoleSessionLifetimeSeconds,
      ),
    });
  }

  async function serveKeyList(request: ConsoleRequest, session: ConsoleSession, url: URL) {
    const caller = callerOf(session, request);
    const filters = Object.fromEntries(
      filterNames.map((name) => [name, (url.searchParams.get(name) ?? "").trim()]),
    ) as unknown as KeyListFilters;
    const after = url.searchParams.get("after") ?? undefined;
    const view = { caller, csrfToken: session.csrfToken, filters, paged: after !== undefined };
    try {
      // The listing is the caller's ListKeys: a caller who may not list keys sees KMS's refusal.
      await bindCall(caller, request)("ListKeys", { Limit: 1 });
    } catch (error) {
      send(request, 403, keyListPage({ ...view, rows: [], error: messageOf(error) }));
      return;
    }
    const [tagKey, ...tagValue] = filters.tag.split("=");
    const search: KeySearch = {
      keyState: filters.state || undefined,
      keySpec: filters.spec || undefined,
      keyUsage: filters.usage || undefined,
      origin: filters.origin || undefined,
      aliasContains: filters.alias || undefined,
      tagKey: filters.tag === "" ? undefined : tagKey?.trim(),
      tagValue: tagValue.length === 0 ? undefined : tagValue.join("=").trim(),
    };
    // One more than a page tells whether there is a next one.
    const keys = await door.searchKeys(caller.accountId, caller.region, search, {
      limit: keysPerPage + 1,
      after,
    });
    const shown = keys.slice(0, keysPerPage);
    const aliases = await door.aliasesOf(
      caller.accountId,
      caller.region,
      shown.map((key) => key.keyId),
    );
    const rows = shown.map((key) => ({
      key,
      aliases: aliases.filter((alias) => alias.targetKeyId === key.keyId).map((a) => a.aliasName),
    }));
    send(
      request,
      200,
      keyListPage({
        ...view,
        rows,
        nextAfter: keys.length > keysPerPage ? shown.at(-1)?.keyId : undefined,
      }),
    );
  }

  /** The audit index, for callers allowed to read it; the reason otherwise. */
  async function auditFor(caller: Caller): Promise<AuditReader | string> {
    // The trail records every caller's requests, keys and errors: only identities that
    // administer their account read it here (as reading CloudTrail takes its own permission).
    if (caller.identityPolicies !== "administrator")
      return "Only identities that administer their account (no policies in the credentials file) may read the audit trail here.";
    const reader = await door.auditReader();
    return (
      reader ?? "No audit index: it needs an audit file and TRENT_AUDIT_INDEX other than none."
    );
  }

  /** Records of the caller's account only: one Trent may serve several accounts. */
  function ofAccount(records: readonly AuditRecord[], accountId: string): AuditRecord[] {
    return records.filter((record) => {
      const loose = record as unknown as {
        recipientAccountId?: string;
        userIdentity?: { accountId?: string };
      };
      return loose.recipientAccountId === accountId || loose.userIdentity?.accountId === accountId;
    });
  }

  async function loadKeyPage(
    call: ConsoleCall,
    caller: Caller,
    keyId: string,
  ): Promise<KeyPageData> {
    const { KeyMetadata: metadata } = await call("DescribeKey", { KeyId: keyId });
    if (!metadata) throw new Error("DescribeKey answered without KeyMetadata");
    const KeyId = metadata.Arn ?? metadata.KeyId;
    const audit = await auditFor(caller);
    const [aliases, tags, policy, grants, rotationStatus, rotations, lastUsage, recentActivity] =
      await Promise.all([
        settle(call("ListAliases", { KeyId }).then((out) => out.Aliases ?? [])),
        settle(call("ListResourceTags", { KeyId }).then((out) => out.Tags ?? [])),
        settle(
          call("GetKeyPolicy", { KeyId, PolicyName: "default" }).then((out) => out.Policy ?? ""),
        ),
        settle(call("ListGrants", { KeyId }).then((out) => out.Grants ?? [])),
        settle(call("GetKeyRotationStatus", { KeyId })),
        settle(call("ListKeyRotations", { KeyId }).then((out) => out.Rotations ?? [])),
        settle(call("GetKeyLastUsage", { KeyId })),
        typeof audit === "string"
          ? Promise.resolve<Read<readonly AuditRecord[]>>({ ok: false, error: audit })
          : settle(
              audit
                .query({ key: metadata.Arn ?? metadata.KeyId }, { limit: recentScanned })
                .then((found) =>
                  ofAccount(found.records, caller.accountId)
                    .filter((record) => !pageReads.has(record.eventName))
                    .slice(0, recentShown),
                ),
            ),
      ]);
    return {
      metadata,
      aliases,
      tags,
      policy,
      grants,
      rotationStatus,
      rotations,
      lastUsage,
      recentActivity,
    };
  }

  async function serveKeyPage(
    request: ConsoleRequest,
    session: ConsoleSession,
    keyId: string,
    failed?: FailedAction,
    notice?: string,
  ) {
    const caller = callerOf(session, request);
    const call = bindCall(caller, request);
    let data: KeyPageData;
    try {
      data = await loadKeyPage(call, caller, keyId);
    } catch (error) {
      const message = messageOf(error);
      send(
        request,
        isKmsError(error) ? error.status : 400,
        page({
          title: "Key",
          section: "keys",
          signedIn: { caller, csrfToken: session.csrfToken },
          body: html`<p><a href="${consoleBase}/keys">← Keys</a></p><h1>Key <span class="mono">${keyId}</span></h1>${errorBox(failed?.message)}${errorBox(message)}`,
        }),
      );
      return;
    }
    send(
      request,
      failed ? 400 : 200,
      keyPage({ caller, csrfToken: session.csrfToken, data, failed, notice }),
    );
  }

  async function serveKeyAction(
    request: ConsoleRequest,
    session: ConsoleSession,
    keyId: string,
    name: string,
    form: URLSearchParams,
  ) {
    const action = keyActions[name];
    if (!action) {
      send(request, 404, "");
      return;
    }
    const call = bindCall(callerOf(session, request), request);
    try {
      await action.run(call, keyId, form);
    } catch (error) {
      const message = messageOf(error);
      request.notes.errorType = isKmsError(error) ? error.type : "ValidationException";
      await serveKeyPage(request, session, keyId, {
        action: name,
        message,
        values: typedValues(form),
      });
      return;
    }
    redirect(
      request,
      `${consoleBase}/keys/${encodeURIComponent(keyId)}?done=${encodeURIComponent(name)}`,
    );
  }

  async function serveCreateKey(
    request: ConsoleRequest,
    session: ConsoleSession,
    form?: URLSearchParams,
  ) {
    const caller = callerOf(session, request);
    if (!form) {
      send(request, 200, createKeyPage({ caller, csrfToken: session.csrfToken, values: {} }));
      return;
    }
    const call = bindCall(caller, request);
    let keyId: string;
    try {
      const created = await call("CreateKey", createKeyInput(form));
      keyId = created.KeyMetadata?.KeyId ?? "";
    } catch (error) {
      request.notes.errorType = isKmsError(error) ? error.type : undefined;
      send(
        request,
        400,
        createKeyPage({
          caller,
          csrfToken: session.csrfToken,
          values: typedValues(form),
          error: messageOf(error),
        }),
      );
      return;
    }
    const aliasName = (form.get("aliasName") ?? "").trim();
    if (aliasName !== "" && aliasName !== "alias/") {
      const alias = new URLSearchParams({ aliasName });
      await serveKeyAction(request, session, keyId, "create-alias", alias);
      return;
    }
    redirect(request, `${consoleBase}/keys/${encodeURIComponent(keyId)}?done=create-key`);
  }

  function auditFilterOf(filters: AuditFilterText): AuditFilter {
    // datetime-local fields carry no zone: the page says they are UTC.
    const time = (text: string) => (text === "" ? undefined : new Date(`${text}Z`));
    return {
      ...(filters.key === "" ? {} : { key: filters.key }),
      ...(filters.operation === "" ? {} : { operation: filters.operation }),
      ...(filters.caller === "" ? {} : { caller: filters.caller }),
      ...(filters.error === "" ? {} : { error: filters.error }),
      ...(filters.since === "" ? {} : { since: time(filters.since) }),
      ...(filters.until === "" ? {} : { until: time(filters.until) }),
    };
  }

  function auditFiltersOf(url: URL): AuditFilterText {
    return Object.fromEntries(
      auditFilterNames.map((name) => [name, (url.searchParams.get(name) ?? "").trim()]),
    ) as unknown as AuditFilterText;
  }

  async function serveAudit(request: ConsoleRequest, session: ConsoleSession, url: URL) {
    const caller = callerOf(session, request);
    const filters = auditFiltersOf(url);
    const pageToken = url.searchParams.get("page") ?? undefined;
    const view = { caller, csrfToken: session.csrfToken, filters, paged: pageToken !== undefined };
    const reader = await auditFor(caller);
    if (typeof reader === "string") {
      send(request, 403, auditPage({ ...view, records: [], error: reader }));
      return;
    }
    try {
      const position = await reader.newestPosition();
      const found = await reader.query(auditFilterOf(filters), {
        limit: auditPerPage,
        ...(pageToken === undefined ? {} : { nextToken: pageToken }),
      });
      send(
        request,
        200,
        auditPage({
          ...view,
          records: ofAccount(found.records, caller.accountId),
          nextToken: found.nextToken,
          position,
        }),
      );
    } catch (error) {
      send(request, 400, auditPage({ ...view, records: [], error: messageOf(error) }));
    }
  }

  async function serveAuditTail(request: ConsoleRequest, session: ConsoleSession, url: URL) {
    const caller = callerOf(session, request);
    const reader = await auditFor(caller);
    if (typeof reader === "string") {
      send(request, 403, reader, "text/plain; charset=utf-8");
      return;
    }
    const after = Number(url.searchParams.get("after") ?? "0");
    if (!Number.isSafeInteger(after) || after < 0) {
      send(request, 400, "after must be a position", "text/plain; charset=utf-8");
      return;
    }
    try {
      const tail = await reader.tail(auditFilterOf(auditFiltersOf(url)), after, tailLimit);
      send(request, 200, auditTailRows(ofAccount(tail.records, caller.accountId)), undefined, {
        "x-trent-audit-position": String(tail.position),
      });
    } catch (error) {
      send(request, 400, messageOf(error), "text/plain; charset=utf-8");
    }
  }

  return async (request) => {
    const { req, notes } = request;
    notes.route = "console";
    const url = new URL(req.url ?? "/", "http://console");
    const path = url.pathname;
    const method = req.method ?? "GET";
    const sourceIp = req.socket.remoteAddress ?? "";
    if (config.authMode !== "sigv4" && !isLoopbackAddress(sourceIp)) {
      refusal(
        request,
        403,
        "AccessDeniedException",
        "In open mode the console acts as the account root, so it answers only on this machine (a loopback address). Use sigv4 mode to sign in from elsewhere.",
      );
      return;
    }
    if (method === "GET" && path === `${consoleBase}/assets/console.css`) {
      send(request, 200, consoleCss, "text/css; charset=utf-8");
      return;
    }
    if (method === "GET" && path === `${consoleBase}/assets/console.js`) {
      send(request, 200, consoleJs, "text/javascript; charset=utf-8");
      return;
    }

    let form: URLSearchParams | undefined;
    if (method === "POST") {
      // A form posted from any other origin is refused before it is read: cross-site requests
      // never act, signed in or not (login CSRF included).
      const origin = req.headers.origin;
      if (!fromOwnOrigin(request, origin)) {
        refusal(
          request,
          403,
          "InvalidOriginException",
          `This form must be sent from the console itself (${req.headers.host ?? "this server"}); the request came from ${origin ?? "an unnamed origin"}.`,
        );
        return;
      }
      form = await readForm(req, config.maxBodyBytes);
      if (!form) {
        refusal(
          request,
          413,
          "RequestEntityTooLargeException",
          `The form exceeds ${config.maxBodyBytes} bytes.`,
        );
        return;
      }
    } else if (method !== "GET" && method !== "HEAD") {
      send(request, 405, "", undefined, { allow: "GET, POST" });
      return;
    }

    if (path === `${consoleBase}/sign-in`) {
      await serveSignIn(request, form);
      return;
    }

    const cookie = cookieOf(req, cookieName);
    const session = await sessions.use(cookie, now());
    if (!session) {
      if (url.pathname === `${consoleBase}/audit/tail`) {
        send(request, 401, "Your session ended.", "text/plain; charset=utf-8");
        return;
      }
      redirect(request, `${consoleBase}/sign-in${cookie === undefined ? "" : "?reason=expired"}`, {
        ...(cookie === undefined
          ? {}
          : { "set-cookie": sessionCookie("", request.secureTransport, 0) }),
      });
      return;
    }
    notes.callerArn = session.caller.principalArn;
    if (form && !sameSecret(form.get("csrf") ?? "", session.csrfToken)) {
      refusal(
        request,
        403,
        "InvalidCsrfTokenException",
        "The form's CSRF token is missing or not this session's. Reload the page and try again.",
      );
      return;
    }

    if (form && path === `${consoleBase}/sign-out`) {
      await sessions.end(session.id);
      redirect(request, `${consoleBase}/sign-in?reason=signed-out`, {
        "set-cookie": sessionCookie("", request.secureTransport, 0),
      });
      return;
    }
    if (path === consoleBase || path === `${consoleBase}/`) {
      redirect(request, `${consoleBase}/keys`);
      return;
    }
    if (path === `${consoleBase}/keys`) {
      if (form) await serveCreateKey(request, session, form);
      else await serveKeyList(request, session, url);
      return;
    }
    if (!form && path === `${consoleBase}/keys/new`) {
      await serveCreateKey(request, session);
      return;
    }
    if (!form && path === `${consoleBase}/audit`) {
      await serveAudit(request, session, url);
      return;
    }
    if (!form && path === `${consoleBase}/audit/tail`) {
      await serveAuditTail(request, session, url);
      return;
    }
    const keyPath = /^\/console\/keys\/([^/]+)(?:\/([a-z-]+))?$/.exec(path);
    if (keyPath) {
      let keyId: string;
      try {
        keyId = decodeURIComponent(keyPath[1] as string);
      } catch {
        // Malformed percent-encoding: no key has that id.
        keyId = keyPath[1] as string;
      }
      const action = keyPath[2];
      if (form && action !== undefined) {
        await serveKeyAction(request, session, keyId, action, form);
        return;
      }
      if (!form && action === undefined) {
        const done = url.searchParams.get("done");
        const notice =
          done === "create-key"
            ? "Key created."
            : done === null
              ? undefined
              : keyActions[done]?.done;
        await serveKeyPage(request, session, keyId, undefined, notice);
        return;
      }
    }
    send(
      request,
      404,
      page({
        title: "Not found",
        section: "keys",
        signedIn: { caller: session.caller, csrfToken: session.csrfToken },
        body: html`<h1>Not found</h1><p>The console has no page at ${path}.</p>`,
      }),
    );
  };
}
