/**
 * The Logger port's two shapes: pino's JSON lines (and pino-pretty's readable lines, as on a
 * terminal) from platform/log, and a plain function taking text lines.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createStructuredLogger, memoryLogStream } from "../../src/platform/log/pino-logger.js";
import { toLogger } from "../../src/vocabulary/ports.js";

describe("the structured logger", () => {
  it("writes one JSON object per line with level names, ISO times and fields", async () => {
    const stream = memoryLogStream();
    const log = createStructuredLogger({ level: "info", destination: stream, pretty: false });
    log.info("first", { requestId: "r-1", status: 200 });
    log.warn("second");
    log.error("third", { err: new Error("boom") });
    await log.flush();
    const lines = stream
      .text()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((line) => [line.level, line.msg]),
      [
        ["info", "first"],
        ["warn", "second"],
        ["error", "third"],
      ],
    );
    assert.equal(lines[0]?.requestId, "r-1");
    assert.equal(lines[0]?.status, 200);
    assert.match(String(lines[0]?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const err = lines[2]?.err as { message: string; stack: string; type: string };
    assert.equal(err.message, "boom");
    assert.match(err.stack, /^Error: boom\n\s+at /);
  });

  it("drops lines below its level", async () => {
    const stream = memoryLogStream();
    const log = createStructuredLogger({ level: "error", destination: stream, pretty: false });
    log.info("no");
    log.warn("no");
    log.error("yes");
    await log.flush();
    assert.equal(stream.text().trim().split("\n").length, 1);
    const silent = memoryLogStream();
    createStructuredLogger({ level: "silent", destination: silent, pretty: false }).error("no");
    assert.equal(silent.text(), "");
  });

  it("writes readable lines when asked to be pretty", async () => {
    const stream = memoryLogStream();
    const log = createStructuredLogger({ level: "info", destination: stream, pretty: true });
    log.warn("a readable line", { requestId: "r-2" });
    await new Promise((resolve) => setImmediate(resolve));
    const text = stream.text();
    assert.match(text, /WARN.*a readable line/);
    assert.match(text, /requestId: "r-2"/);
    assert.throws(() => JSON.parse(text));
  });
});

describe("a function as a logger", () => {
  it("gets each message as one line, with the stack of an err field", () => {
    const lines: string[] = [];
    const log = toLogger((line) => lines.push(line));
    log.info("started", { port: 8080 });
    log.warn("careful");
    const error = new Error("it broke");
    log.error("request r-3 failed unexpectedly: it broke", { requestId: "r-3", err: error });
    assert.deepEqual(lines.slice(0, 2), ["started", "careful"]);
    assert.equal(lines[2], `request r-3 failed unexpectedly: it broke\n${error.stack}`);
  });

  it("passes a Logger through unchanged", () => {
    const log = { info() {}, warn() {}, error() {} };
    assert.equal(toLogger(log), log);
  });
});
