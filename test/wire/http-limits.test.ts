/**
 * What one client can hold of the server: requests that arrive too slowly are cut within the
 * configured timeouts while other clients keep being served, the connection cap refuses extra
 * connections without disturbing open ones, and every refusal Trent writes outside the KMS
 * route is JSON with `__type` and `message`. Raw sockets, because no HTTP client misbehaves
 * on purpose.
 */
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { GenerateRandomCommand } from "@aws-sdk/client-kms";
import { connectionsCheckingInterval } from "../../src/front-doors/http/server.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once("error", reject);
  });
}

/**
 * Collects what the server writes until it closes the connection, and when it closed it. A
 * reset by the server counts as a close: some refusals are a bare close.
 */
function untilClosed(socket: Socket): Promise<{ data: string; closedAt: number }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.once("close", () =>
      resolve({ data: Buffer.concat(chunks).toString("utf8"), closedAt: performance.now() }),
    );
  });
}

function parseResponse(text: string): RawResponse {
  const end = text.indexOf("\r\n\r\n");
  assert.ok(end > 0, `not an HTTP response: ${JSON.stringify(text)}`);
  const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(statusLine.split(" ")[1]),
    headers,
    body: text.slice(end + 4),
  };
}

/** Reads one response (sized by content-length) from a keep-alive connection. */
function readOneResponse(socket: Socket): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const text = buffered.toString("utf8");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return;
      const response = parseResponse(text);
      if (Buffer.byteLength(response.body) < Number(response.headers["content-length"])) return;
      socket.off("data", onData);
      resolve(response);
    };
    socket.on("data", onData);
    socket.once("error", reject);
  });
}

function assertJsonRefusal(response: RawResponse, status: number, type: string, message: string) {
  assert.equal(response.status, status);
  assert.equal(response.headers["content-type"], "application/json");
  assert.equal(response.headers.connection, "close");
  assert.match(response.headers["x-amzn-requestid"] ?? "", /^[0-9a-f-]{36}$/);
  assert.equal(Number(response.headers["content-length"]), Buffer.byteLength(response.body));
  assert.deepEqual(JSON.parse(response.body), { __type: type, message });
}

const kmsHeaders = (length: number) =>
  "POST / HTTP/1.1\r\nHost: trent\r\ncontent-type: application/x-amz-json-1.1\r\n" +
  `x-amz-target: TrentService.GenerateRandom\r\ncontent-length: ${length}\r\n\r\n`;

const timeoutMessage =
  "The request was not received in time: headers must arrive within 500 ms and the whole request within 1000 ms";

describe("HTTP timeouts", () => {
  let trent: TestTrent;
  before(async () => {
    trent = await startTestTrent({ requestTimeoutMs: 1000, headersTimeoutMs: 500 });
  });
  after(() => trent.close());

  it("checks for late requests often enough to cut them within 10% of the timeout", () => {
    assert.equal(
      connectionsCheckingInterval({ requestTimeoutMs: 1000, headersTimeoutMs: 500 }),
      50,
    );
    assert.equal(
      connectionsCheckingInterval({ requestTimeoutMs: 30_000, headersTimeoutMs: 10_000 }),
      1000,
    );
    assert.equal(connectionsCheckingInterval({ requestTimeoutMs: 100, headersTimeoutMs: 100 }), 10);
  });

  it("cuts slow bodies within the request timeout while SDK clients keep being served", async () => {
    const slowClients = 10;
    const sockets = await Promise.all(Array.from({ length: slowClients }, () => open(trent.url)));
    const started = performance.now();
    const outcomes = sockets.map((socket) => {
      const closed = untilClosed(socket);
      // Complete headers, then one body byte every 100 ms: the whole body would take 10 s.
      socket.write(kmsHeaders(100));
      const trickle = setInterval(() => {
        if (socket.writable) socket.write(" ");
      }, 100);
      return closed.finally(() => clearInterval(trickle));
    });

    // Meanwhile the real SDK keeps working, on its own connections.
    const kms = trent.client();
    let served = 0;
    let stop = false;
    const sdkLoad = (async () => {
      while (!stop) {
        const out = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 8 }));
        assert.equal(out.Plaintext?.length, 8);
        served += 1;
      }
    })();

    const results = await Promise.all(outcomes);
    stop = true;
    await sdkLoad;
    for (const { data, closedAt } of results) {
      const elapsed = closedAt - started;
      assert.ok(elapsed >= 900, `cut after ${elapsed} ms, before the 1000 ms timeout`);
      assert.ok(elapsed < 1800, `cut after ${elapsed} ms, long past the 1000 ms timeout`);
      assertJsonRefusal(parseResponse(data), 408, "RequestTimeoutException", timeoutMessage);
    }
    assert.ok(served >= 10, `only ${served} SDK requests were served while slow clients waited`);
  });

  it("cuts slow headers within the headers timeout", async () => {
    const socket = await open(trent.url);
    const closed = untilClosed(socket);
    const started = performance.now();
    socket.write("POST / HTTP/1.1\r\nHost: trent\r\n");
    const trickle = setInterval(() => {
      if (socket.writable) socket.write("x");
    }, 50);
    const { data, closedAt } = await closed.finally(() => clearInterval(trickle));
    const elapsed = closedAt - started;
    assert.ok(elapsed >= 400, `cut after ${elapsed} ms, before the 500 ms timeout`);
    assert.ok(elapsed < 1000, `cut after ${elapsed} ms, long past the 500 ms timeout`);
    assertJsonRefusal(parseResponse(data), 408, "RequestTimeoutException", timeoutMessage);
  });

  it("leaves idle keep-alive connections and quick requests alone", async () => {
    const socket = await open(trent.url);
    const body = '{"NumberOfBytes":4}';
    socket.write(kmsHeaders(body.length) + body);
    assert.equal((await readOneResponse(socket)).status, 200);
    // Idle for longer than both timeouts: only a request in progress is timed.
    await sleep(1300);
    socket.write(kmsHeaders(body.length) + body);
    const again = await readOneResponse(socket);
    assert.equal(again.status, 200);
    assert.equal(again.headers["content-type"], "application/x-amz-json-1.1");
    socket.destroy();
  });

  it("answers malformed requests with JSON 400", async () => {
    const socket = await open(trent.url);
    const closed = untilClosed(socket);
    socket.write("NOT HTTP AT ALL\r\n\r\n");
    assertJsonRefusal(
      parseResponse((await closed).data),
      400,
      "BadRequestException",
      "The request is not valid HTTP/1.1",
    );
  });

  it("answers oversized headers with JSON 431", async () => {
    const socket = await open(trent.url);
    const closed = untilClosed(socket);
    socket.write(`GET /health HTTP/1.1\r\nHost: trent\r\nx-padding: ${"a".repeat(20_000)}\r\n\r\n`);
    assertJsonRefusal(
      parseResponse((await closed).data),
      431,
      "RequestHeaderFieldsTooLargeException",
      "Request headers exceed the limit of 16384 bytes",
    );
  });
});

describe("the connection cap", () => {
  const logged: string[] = [];
  let trent: TestTrent;
  before(async () => {
    trent = await startTestTrent({ maxConnections: 3 }, { log: (line) => logged.push(line) });
  });
  after(() => trent.close());

  const health = "GET /health HTTP/1.1\r\nHost: trent\r\n\r\n";

  it("refuses connections beyond it while the open ones keep working", async () => {
    const held = await Promise.all([open(trent.url), open(trent.url), open(trent.url)]);
    for (const socket of held) {
      socket.write(health);
      assert.equal((await readOneResponse(socket)).status, 200);
    }

    const extra = await open(trent.url);
    const refused = untilClosed(extra);
    extra.write(health);
    assert.equal((await refused).data, "", "the extra connection is closed without an answer");
    assert.deepEqual(logged, [
      "refused 1 connection(s): 3 connections are open (TRENT_MAX_CONNECTIONS)",
    ]);

    for (const socket of held) {
      socket.write(health);
      const response = await readOneResponse(socket);
      assert.equal(response.status, 200);
      assert.deepEqual(JSON.parse(response.body), { status: "ok" });
    }

    // A closed connection frees its place.
    const leaving = held.pop();
    const left = untilClosed(leaving as Socket);
    leaving?.end();
    await left;
    await sleep(50);
    const next = await open(trent.url);
    next.write(health);
    assert.equal((await readOneResponse(next)).status, 200);
    for (const socket of [...held, next]) socket.destroy();
  });
});

describe("routes outside the KMS API", () => {
  let trent: TestTrent;
  before(async () => {
    trent = await startTestTrent();
  });
  after(() => trent.close());

  it("serve /health as JSON", async () => {
    const res = await fetch(`${trent.url}/health`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.deepEqual(await res.json(), { status: "ok" });
  });

  it("answer unknown paths and methods with UnknownOperationException as JSON", async () => {
    for (const [method, path] of [
      ["GET", "/"],
      ["POST", "/elsewhere"],
      ["PUT", "/health"],
    ] as const) {
      const res = await fetch(`${trent.url}${path}`, { method });
      assert.equal(res.status, 404);
      assert.equal(res.headers.get("content-type"), "application/json");
      assert.match(res.headers.get("x-amzn-requestid") ?? "", /^[0-9a-f-]{36}$/);
      assert.deepEqual(await res.json(), {
        __type: "UnknownOperationException",
        message: "KMS requests are POST / with an X-Amz-Target header",
      });
    }
  });

  it("leave KMS responses, errors included, in the KMS content type", async () => {
    const res = await fetch(trent.url, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "TrentService.NoSuchOperation",
      },
      body: "{}",
    });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get("content-type"), "application/x-amz-json-1.1");
    assert.equal(((await res.json()) as { __type: string }).__type, "UnknownOperationException");
  });
});
