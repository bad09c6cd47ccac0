import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ConfigError,
  checkServable,
  configFromEnv,
  isLoopbackHost,
  withDefaults,
} from "../../src/vocabulary/config.js";

function refusedWith(config: Parameters<typeof checkServable>[0], pattern: RegExp) {
  assert.throws(
    () => checkServable(config),
    (error: unknown) => error instanceof ConfigError && pattern.test(error.message),
  );
}

describe("auth configuration", () => {
  it("defaults to open mode on loopback, with nothing to load", () => {
    const config = configFromEnv({});
    assert.equal(config.authMode, "open");
    assert.equal(config.host, "127.0.0.1");
    assert.equal(config.credentialsFile, undefined);
    assert.equal(config.allowOpenOnNetwork, false);
    checkServable(config);
  });

  it("reads the credentials file and the network override from the environment", () => {
    const config = configFromEnv({
      TRENT_AUTH_MODE: "sigv4",
      TRENT_CREDENTIALS_FILE: "/etc/trent/credentials.yaml",
    });
    assert.equal(config.authMode, "sigv4");
    assert.equal(config.credentialsFile, "/etc/trent/credentials.yaml");
    assert.equal(configFromEnv({ TRENT_ALLOW_OPEN_NETWORK: "true" }).allowOpenOnNetwork, true);
    assert.throws(() => configFromEnv({ TRENT_ALLOW_OPEN_NETWORK: "yes" }), ConfigError);
  });

  it("takes a credentials file without an auth mode as sigv4", () => {
    const config = configFromEnv({ TRENT_CREDENTIALS_FILE: "/etc/trent/credentials.yaml" });
    assert.equal(config.authMode, "sigv4");
  });

  it("refuses sigv4 without a credentials file, and open mode with one", () => {
    refusedWith(
      withDefaults({ authMode: "sigv4" }),
      /^TRENT_AUTH_MODE=sigv4 needs TRENT_CREDENTIALS_FILE/,
    );
    refusedWith(
      configFromEnv({
        TRENT_AUTH_MODE: "open",
        TRENT_CREDENTIALS_FILE: "/etc/trent/credentials.yaml",
      }),
      /^TRENT_CREDENTIALS_FILE is set but TRENT_AUTH_MODE is 'open'/,
    );
  });

  it("refuses open mode on a network address unless explicitly allowed", () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.20", "kms.internal"]) {
      refusedWith(
        withDefaults({ host }),
        new RegExp(
          `^refusing to listen on ${host.replace(/\./g, "\\.")} in open mode: anyone who can reach it would act as the root of account 111122223333\\.`,
        ),
      );
      checkServable(withDefaults({ host, allowOpenOnNetwork: true }));
      checkServable(withDefaults({ host, authMode: "sigv4", credentialsFile: "creds.yaml" }));
    }
  });

  it("knows loopback addresses", () => {
    for (const host of [
      "127.0.0.1",
      "127.1.2.3",
      "localhost",
      "LOCALHOST",
      "::1",
      "[::1]",
      "::ffff:127.0.0.1",
    ])
      assert.equal(isLoopbackHost(host), true, host);
    for (const host of ["0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "localhost.example.com", "::2"])
      assert.equal(isLoopbackHost(host), false, host);
  });
});
