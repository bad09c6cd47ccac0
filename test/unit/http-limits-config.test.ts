/** TRENT_REQUEST_TIMEOUT_MS, TRENT_HEADERS_TIMEOUT_MS and TRENT_MAX_CONNECTIONS: defaults and checks. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ConfigError,
  checkServable,
  configFromEnv,
  withDefaults,
} from "../../src/vocabulary/config.js";

function refused(env: NodeJS.ProcessEnv, message: string) {
  assert.throws(
    () => configFromEnv(env),
    (error: unknown) => error instanceof ConfigError && error.message === message,
  );
}

describe("HTTP limits configuration", () => {
  it("defaults to 30 s for a request, 10 s for its headers and 1024 connections", () => {
    const config = configFromEnv({});
    assert.equal(config.requestTimeoutMs, 30_000);
    assert.equal(config.headersTimeoutMs, 10_000);
    assert.equal(config.maxConnections, 1024);
  });

  it("reads the variables", () => {
    const config = configFromEnv({
      TRENT_REQUEST_TIMEOUT_MS: "5000",
      TRENT_HEADERS_TIMEOUT_MS: "5000",
      TRENT_MAX_CONNECTIONS: "10",
    });
    assert.equal(config.requestTimeoutMs, 5000);
    assert.equal(config.headersTimeoutMs, 5000);
    assert.equal(config.maxConnections, 10);
  });

  it("refuses values that are not integers in range, naming the variable", () => {
    refused(
      { TRENT_REQUEST_TIMEOUT_MS: "30s" },
      "TRENT_REQUEST_TIMEOUT_MS must be an integer >= 100, got '30s'",
    );
    refused(
      { TRENT_HEADERS_TIMEOUT_MS: "0" },
      "TRENT_HEADERS_TIMEOUT_MS must be an integer >= 100, got '0'",
    );
    refused(
      { TRENT_MAX_CONNECTIONS: "0" },
      "TRENT_MAX_CONNECTIONS must be an integer >= 1, got '0'",
    );
  });

  it("refuses a headers timeout longer than the request timeout", () => {
    const message =
      "TRENT_HEADERS_TIMEOUT_MS (10000) must not exceed TRENT_REQUEST_TIMEOUT_MS (5000): the headers are part of the request";
    refused({ TRENT_REQUEST_TIMEOUT_MS: "5000" }, message);
    // The embedding API gets the same check before anything listens.
    assert.throws(
      () => checkServable(withDefaults({ requestTimeoutMs: 5000 })),
      (error: unknown) => error instanceof ConfigError && error.message === message,
    );
  });
});
