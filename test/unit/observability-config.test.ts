/** TRENT_LOG_LEVEL, TRENT_METRICS_TOKEN, TRENT_TLS_CERT_FILE and TRENT_TLS_KEY_FILE. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, configFromEnv } from "../../src/vocabulary/config.js";

describe("observability configuration", () => {
  it("defaults to info, no metrics token and plain HTTP", () => {
    const config = configFromEnv({});
    assert.equal(config.logLevel, "info");
    assert.equal(config.metricsToken, undefined);
    assert.equal(config.tlsCertFile, undefined);
    assert.equal(config.tlsKeyFile, undefined);
  });

  it("takes every pino level and refuses others, naming the variable", () => {
    for (const level of ["trace", "debug", "info", "warn", "error", "fatal", "silent"])
      assert.equal(configFromEnv({ TRENT_LOG_LEVEL: level }).logLevel, level);
    assert.throws(
      () => configFromEnv({ TRENT_LOG_LEVEL: "verbose" }),
      new ConfigError(
        "TRENT_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got 'verbose'",
      ),
    );
  });

  it("keeps the metrics token out of anything that prints the config", () => {
    const config = configFromEnv({ TRENT_METRICS_TOKEN: "scrape-me-0123" });
    assert.equal(config.metricsToken?.reveal(), "scrape-me-0123");
    assert.doesNotMatch(JSON.stringify(config), /scrape-me/);
    assert.doesNotMatch(String(config.metricsToken), /scrape-me/);
  });

  it("needs both TLS files or neither", () => {
    const both = configFromEnv({ TRENT_TLS_CERT_FILE: "/c.pem", TRENT_TLS_KEY_FILE: "/k.pem" });
    assert.deepEqual([both.tlsCertFile, both.tlsKeyFile], ["/c.pem", "/k.pem"]);
    assert.throws(
      () => configFromEnv({ TRENT_TLS_CERT_FILE: "/c.pem" }),
      new ConfigError(
        "TRENT_TLS_CERT_FILE is set without TRENT_TLS_KEY_FILE: HTTPS needs both the certificate and its private key",
      ),
    );
    assert.throws(
      () => configFromEnv({ TRENT_TLS_KEY_FILE: "/k.pem" }),
      /^Error: TRENT_TLS_KEY_FILE is set without TRENT_TLS_CERT_FILE/,
    );
  });
});
