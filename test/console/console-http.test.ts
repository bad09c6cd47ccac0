/**
 * The console's defences at the HTTP level, with fetch against an in-process Trent: sign-in
 * against the credentials file, the session cookie's attributes, idle expiry and absolute
 * lifetime, refusal of forms without the session's CSRF token or from another origin (nothing
 * changes), a caller without permissions getting KMS's refusal, open mode answering loopback
 * clients only, and TRENT_CONSOLE=off.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListGrantsCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  TagResourceCommand,
} from "@aws-sdk/client-kms";
import { enumValues } from "../../src/vocabulary/model.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const admin = { accessKeyId: "AKIACONSOLEADMIN0001", secretAccessKey: "console-admin-secret-0001" };
const nobody = {
  accessKeyId: "AKIACONSOLENOBODY001",
  secretAccessKey: "console-nobody-secret-001",
};

const formType = { "content-type": "application/x-www-form-urlencoded" };

interface Signed {
  readonly cookie: string;
  readonly csrf: string;
}

async function csrfOf(url: string, cookie: string): Promise<string> {
  const page = await (await fetch(`${url}/console/keys/new`, { headers: { cookie } })).text();
  const match = /name="csrf" value="([^"]+)"/.exec(page);
  assert.ok(match, "the page has a CSRF field");
  return match[1] as string;
}

async function signIn(url: string, fields: Record<string, string>): Promise<Signed> {
  const res = await fetch(`${url}/console/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: { ...formType, origin: url },
    body: new URLSearchParams({ region: "us-east-1", ...fields }),
  });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/console/keys");
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] as string;
  return { cookie, csrf: await csrfOf(url, cookie) };
}

function post(
  url: string,
  path: string,
  signed: Signed | undefined,
  fields: Record<string, string>,
  origin: string | null = url,
) {
  return fetch(`${url}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      ...formType,
      ...(signed ? { cookie: signed.cookie } : {}),
      ...(origin === null ? {} : { origin }),
    },
    body: new URLSearchParams(fields),
  });
}

describe("the console in sigv4 mode", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-console-http-"));
  let trent: TestTrent;
  let sdk: KMSClient;

  before(async () => {
    const credentialsFile = join(dir, "credentials.yaml");
    writeFileSync(
      credentialsFile,
      `identities:
  - accessKeyId: ${admin.accessKeyId}
    secretAccessKey: "${admin.secretAccessKey}"
    accountId: "111122223333"
    arn: arn:aws:iam::111122223333:user/admin
  - accessKeyId: ${nobody.accessKeyId}
    secretAccessKey: "${nobody.secretAccessKey}"
    accountId: "111122223333"
    arn: arn:aws:iam::111122223333:user/nobody
    policies: []
`,
    );
    trent = await startTestTrent({ authMode: "sigv4", credentialsFile });
    sdk = new KMSClient({
      endpoint: trent.url,
      region: "us-east-1",
      credentials: admin,
      maxAttempts: 1,
    });
  });

  after(async () => {
    sdk?.destroy();
    await trent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a wrong secret and an unknown access key alike, and signs in with the right one", async () => {
    for (const attempt of [
      { accessKeyId: admin.accessKeyId, secretAccessKey: "wrong-secret-wrong-secret" },
      { accessKeyId: "AKIANOSUCHKEY0000001", secretAccessKey: admin.secretAccessKey },
    ]) {
      const res = await post(trent.url, "/console/sign-in", undefined, {
        ...attempt,
        region: "us-east-1",
      });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get("set-cookie"), null);
      assert.match(await res.text(), /The access key id or secret access key is not correct/);
    }
    const res = await post(trent.url, "/console/sign-in", undefined, {
      ...admin,
      region: "us-east-1",
    });
    assert.equal(res.status, 303);
    const cookie = res.headers.get("set-cookie") ?? "";
    assert.match(cookie, /^trent_console=[\w-]{43}; /);
    for (const attribute of ["HttpOnly", "SameSite=Strict", "Path=/console"])
      assert.ok(cookie.split("; ").includes(attribute), `${attribute} in ${cookie}`);
    assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    assert.equal(res.headers.get("x-frame-options"), "DENY");
  });

  it("sends a visitor without a session to the sign-in page", async () => {
    const res = await fetch(`${trent.url}/console/keys`, { redirect: "manual" });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/console/sign-in");
  });

  it("refuses a form without this session's CSRF token, and changes nothing", async () => {
    const signed = await signIn(trent.url, admin);
    const key = await sdk.send(new CreateKeyCommand({}));
    const keyId = key.KeyMetadata?.KeyId as string;
    for (const csrf of [undefined, "", "forged-token", (await signIn(trent.url, admin)).csrf]) {
      const res = await post(
        trent.url,
        `/console/keys/${keyId}/disable`,
        signed,
        csrf === undefined ? {} : { csrf },
      );
      assert.equal(res.status, 403);
      assert.match(await res.text(), /CSRF token is missing or not this session&#39;s/);
    }
    assert.equal(
      (await sdk.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState,
      "Enabled",
    );
    const res = await post(trent.url, `/console/keys/${keyId}/disable`, signed, {
      csrf: signed.csrf,
    });
    assert.equal(res.status, 303);
    assert.equal(
      (await sdk.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState,
      "Disabled",
    );
  });

  it("refuses forms from another origin or none, signed in or not, and changes nothing", async () => {
    const signed = await signIn(trent.url, admin);
    const key = await sdk.send(new CreateKeyCommand({}));
    const keyId = key.KeyMetadata?.KeyId as string;
    for (const origin of [
      "http://attacker.example",
      "null",
      trent.url.replace("127.0.0.1", "localhost"),
      null,
    ]) {
      const action = await post(
        trent.url,
        `/console/keys/${keyId}/disable`,
        signed,
        { csrf: signed.csrf },
        origin,
      );
      assert.equal(action.status, 403, `origin ${origin}`);
      assert.match(await action.text(), /must be sent from the console itself/);
      const signIn = await post(
        trent.url,
        "/console/sign-in",
        undefined,
        { ...admin, region: "us-east-1" },
        origin,
      );
      assert.equal(signIn.status, 403);
      assert.equal(signIn.headers.get("set-cookie"), null);
    }
    assert.equal(
      (await sdk.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState,
      "Enabled",
    );
  });

  it("shows KMS's refusal to a caller whose policies allow nothing, as the API would", async () => {
    const signed = await signIn(trent.url, nobody);
    const list = await fetch(`${trent.url}/console/keys`, { headers: { cookie: signed.cookie } });
    assert.equal(list.status, 403);
    assert.match(
      await list.text(),
      /AccessDeniedException: User: arn:aws:iam::111122223333:user\/nobody is not authorized to perform: kms:ListKeys/,
    );
    const created = await post(trent.url, "/console/keys", signed, {
      csrf: signed.csrf,
      keySpec: "SYMMETRIC_DEFAULT",
      keyUsage: "ENCRYPT_DECRYPT",
      origin: "AWS_KMS",
    });
    assert.equal(created.status, 400);
    assert.match(await created.text(), /AccessDeniedException/);
    const audit = await fetch(`${trent.url}/console/audit`, { headers: { cookie: signed.cookie } });
    assert.equal(audit.status, 403);
    assert.match(await audit.text(), /Only identities that administer their account/);
  });

  it("ends the session at sign-out", async () => {
    const signed = await signIn(trent.url, admin);
    const out = await post(trent.url, "/console/sign-out", signed, { csrf: signed.csrf });
    assert.equal(out.status, 303);
    assert.match(out.headers.get("set-cookie") ?? "", /Max-Age=0/);
    const after = await fetch(`${trent.url}/console/keys`, {
      redirect: "manual",
      headers: { cookie: signed.cookie },
    });
    assert.equal(after.status, 303);
    assert.equal(after.headers.get("location"), "/console/sign-in?reason=expired");
  });
});

describe("console sessions", () => {
  let trent: TestTrent;
  let now = Date.parse("2026-03-01T12:00:00Z");

  before(async () => {
    trent = await startTestTrent(
      { consoleIdleTimeoutSeconds: 60, consoleSessionLifetimeSeconds: 150 },
      { clock: { now: () => new Date(now) } },
    );
  });

  after(async () => {
    await trent?.close();
  });

  const keysPage = (signed: Signed) =>
    fetch(`${trent.url}/console/keys`, { redirect: "manual", headers: { cookie: signed.cookie } });

  it("end after the idle timeout without a request", async () => {
    const signed = await signIn(trent.url, {});
    now += 59_000;
    assert.equal((await keysPage(signed)).status, 200);
    now += 61_000;
    const expired = await keysPage(signed);
    assert.equal(expired.status, 303);
    assert.equal(expired.headers.get("location"), "/console/sign-in?reason=expired");
    assert.equal((await keysPage(signed)).status, 303);
  });

  it("end at their absolute lifetime however busy", async () => {
    const signed = await signIn(trent.url, {});
    for (let i = 0; i < 3; i++) {
      now += 50_000;
      assert.equal((await keysPage(signed)).status, 200, `request ${i} within the lifetime`);
    }
    now += 50_000;
    assert.equal((await keysPage(signed)).status, 303);
  });
});

describe("the console in open mode", () => {
  let trent: TestTrent;
  let relay: Server;
  let relayUrl: string;

  before(async () => {
    trent = await startTestTrent();
    // Connections accepted on loopback, handed to Trent's HTTP server as if they came from a
    // documentation address: how a client elsewhere on the network looks to the console.
    relay = createServer((socket) => {
      Object.defineProperty(socket, "remoteAddress", { value: "192.0.2.10" });
      trent.server.emit("connection", socket);
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
    const address = relay.address() as { port: number };
    relayUrl = `http://127.0.0.1:${address.port}`;
  });

  after(async () => {
    relay?.close();
    await trent?.close();
  });

  it("signs a loopback client in as the account root", async () => {
    const signed = await signIn(trent.url, {});
    const page = await (
      await fetch(`${trent.url}/console/keys`, { headers: { cookie: signed.cookie } })
    ).text();
    assert.match(page, /arn:aws:iam::111122223333:root/);
  });

  it("refuses every page and form to a client that is not on loopback", async () => {
    for (const [method, path] of [
      ["GET", "/console/sign-in"],
      ["POST", "/console/sign-in"],
      ["GET", "/console/keys"],
      ["GET", "/console/assets/console.css"],
    ] as const) {
      const res = await fetch(`${relayUrl}${path}`, {
        method,
        redirect: "manual",
        headers: { ...formType, origin: relayUrl },
        ...(method === "POST" ? { body: "region=us-east-1" } : {}),
      });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.headers.get("set-cookie"), null);
      assert.match(await res.text(), /answers only on this machine/);
    }
  });

  it("is not served with TRENT_CONSOLE=off", async () => {
    const off = await startTestTrent({ console: false });
    try {
      const res = await fetch(`${off.url}/console/sign-in`);
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { __type: string }).__type, "UnknownOperationException");
    } finally {
      await off.close();
    }
  });
});

describe("console actions", () => {
  let trent: TestTrent;
  let signed: Signed;
  let sdk: KMSClient;

  before(async () => {
    trent = await startTestTrent();
    sdk = trent.client();
    signed = await signIn(trent.url, {});
  });

  after(async () => {
    await trent?.close();
  });

  const act = async (keyId: string, action: string, fields: Record<string, string> = {}) => {
    const res = await post(trent.url, `/console/keys/${keyId}/${action}`, signed, {
      csrf: signed.csrf,
      ...fields,
    });
    const body = await res.text();
    assert.equal(
      res.status,
      303,
      `${action}: ${body.match(/<strong>Error:<\/strong>([^<]*)/)?.[1]}`,
    );
    assert.equal(res.headers.get("location"), `/console/keys/${keyId}?done=${action}`);
  };

  const describeKey = async (keyId: string) =>
    (await sdk.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;

  it("creates a key of every key spec this Region offers, with its usage", async () => {
    const usages: [RegExp, string][] = [
      [/^SYMMETRIC_DEFAULT$|^RSA_/, "ENCRYPT_DECRYPT"],
      [/^HMAC_/, "GENERATE_VERIFY_MAC"],
      [/^ECC_|^ML_DSA_/, "SIGN_VERIFY"],
    ];
    for (const keySpec of enumValues("KeySpec").filter((spec) => spec !== "SM2")) {
      const keyUsage = usages.find(([pattern]) => pattern.test(keySpec))?.[1] as string;
      const res = await post(trent.url, "/console/keys", signed, {
        csrf: signed.csrf,
        keySpec,
        keyUsage,
        origin: "AWS_KMS",
        description: `a ${keySpec} key`,
        tags: "made-by=console\nspec",
      });
      assert.equal(res.status, 303, keySpec);
      const keyId = /\/console\/keys\/([^?]+)\?done=create-key/.exec(
        res.headers.get("location") ?? "",
      )?.[1];
      const meta = await describeKey(keyId as string);
      assert.deepEqual(
        [meta?.KeySpec, meta?.KeyUsage, meta?.Description],
        [keySpec, keyUsage, `a ${keySpec} key`],
      );
      assert.deepEqual((await sdk.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags, [
        { TagKey: "made-by", TagValue: "console" },
        { TagKey: "spec", TagValue: "" },
      ]);
    }
    // SM2 only in China Regions: KMS's own refusal, shown on the form with the values as typed.
    const refused = await post(trent.url, "/console/keys", signed, {
      csrf: signed.csrf,
      keySpec: "SM2",
      keyUsage: "SIGN_VERIFY",
      origin: "AWS_KMS",
      description: "kept as typed",
    });
    assert.equal(refused.status, 400);
    const page = await refused.text();
    assert.match(
      page,
      /ValidationException: 1 validation error detected: Value &#39;SM2&#39; at &#39;keySpec&#39;/,
    );
    assert.match(page, /kept as typed<\/textarea>/);
  });

  it("runs every key action as a KMS call, and shows KMS's error for a refused one", async () => {
    const keyId = (await sdk.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId as string;
    const other = (await sdk.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId as string;
    await act(keyId, "description", { description: "described in the console" });
    assert.equal((await describeKey(keyId))?.Description, "described in the console");
    await act(keyId, "tag", { tagKey: "team", tagValue: "payments" });
    await act(keyId, "untag", { tagKey: "team" });
    assert.deepEqual((await sdk.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags, []);

    await act(other, "create-alias", { aliasName: "alias/moving" });
    await act(keyId, "update-alias", { aliasName: "alias/moving" });
    assert.equal((await describeKey("alias/moving"))?.KeyId, keyId);
    await act(keyId, "delete-alias", { aliasName: "alias/moving" });
    await assert.rejects(describeKey("alias/moving"), { name: "NotFoundException" });

    const grantee = "arn:aws:iam::111122223333:role/reader";
    const grant = new URLSearchParams({
      csrf: signed.csrf,
      granteePrincipal: grantee,
      name: "readers",
    });
    grant.append("operations", "Encrypt");
    grant.append("operations", "Decrypt");
    const created = await fetch(`${trent.url}/console/keys/${keyId}/create-grant`, {
      method: "POST",
      redirect: "manual",
      headers: { ...formType, cookie: signed.cookie, origin: trent.url },
      body: grant,
    });
    assert.equal(created.status, 303);
    const grants = (await sdk.send(new ListGrantsCommand({ KeyId: keyId }))).Grants ?? [];
    assert.deepEqual(
      grants.map((g) => [g.Name, g.GranteePrincipal, g.Operations]),
      [["readers", grantee, ["Encrypt", "Decrypt"]]],
    );
    await act(keyId, "revoke-grant", { grantId: grants[0]?.GrantId as string });
    assert.deepEqual((await sdk.send(new ListGrantsCommand({ KeyId: keyId }))).Grants, []);

    await act(keyId, "enable-rotation", { rotationPeriodInDays: "180" });
    const rotation = await sdk.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    assert.deepEqual([rotation.KeyRotationEnabled, rotation.RotationPeriodInDays], [true, 180]);
    await act(keyId, "rotate-now");
    assert.equal(
      (await sdk.send(new ListKeyRotationsCommand({ KeyId: keyId }))).Rotations?.length,
      1,
    );
    await act(keyId, "disable-rotation");

    await act(keyId, "disable");
    await act(keyId, "enable");
    await act(keyId, "schedule-deletion", { pendingWindowInDays: "7" });
    assert.equal((await describeKey(keyId))?.KeyState, "PendingDeletion");
    await act(keyId, "cancel-deletion");
    assert.equal((await describeKey(keyId))?.KeyState, "Disabled");

    // Refused by KMS: the page again with its message, nothing changed.
    const refused = await post(trent.url, `/console/keys/${keyId}/schedule-deletion`, signed, {
      csrf: signed.csrf,
      pendingWindowInDays: "3",
    });
    assert.equal(refused.status, 400);
    assert.match(
      await refused.text(),
      /ValidationException: PendingWindowInDays must be between 7 and 30/,
    );
    assert.equal((await describeKey(keyId))?.KeyState, "Disabled");
  });

  it("escapes what callers wrote, and pages through the key list", async () => {
    const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)>`;
    const keyId = (await sdk.send(new CreateKeyCommand({ Description: hostile }))).KeyMetadata
      ?.KeyId as string;
    await sdk.send(
      new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: "t", TagValue: hostile }] }),
    );
    for (const path of [`/console/keys/${keyId}`, "/console/keys"]) {
      const page = await (
        await fetch(`${trent.url}${path}`, { headers: { cookie: signed.cookie } })
      ).text();
      assert.ok(!page.includes("<script>alert"), path);
      assert.ok(!page.includes("<img src=x"), path);
      assert.match(page, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
    }

    for (let i = 0; i < 45; i++) await sdk.send(new CreateKeyCommand({}));
    const listed: string[] = [];
    let path: string | undefined = "/console/keys";
    for (let pages = 0; path !== undefined; pages++) {
      assert.ok(pages < 10, "the pages end");
      const page = await (
        await fetch(`${trent.url}${path}`, { headers: { cookie: signed.cookie } })
      ).text();
      listed.push(
        ...[...page.matchAll(/<a href="\/console\/keys\/([^"/?]+)">/g)].map((m) => m[1] as string),
      );
      path = /<a href="([^"]+)" rel="next">/.exec(page)?.[1]?.replaceAll("&amp;", "&");
    }
    const all: string[] = [];
    let marker: string | undefined;
    do {
      const out = await sdk.send(new ListKeysCommand({ Limit: 1000, Marker: marker }));
      all.push(...(out.Keys ?? []).map((k) => k.KeyId as string));
      marker = out.NextMarker;
    } while (marker);
    assert.ok(listed.length > 50, `more than one page: ${listed.length} keys`);
    assert.deepEqual(listed, [...all].sort());
  });
});
