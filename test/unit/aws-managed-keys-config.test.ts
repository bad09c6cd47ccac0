/** TRENT_AWS_MANAGED_KEYS_DIRECT_USE: its default, its values, and an error naming it. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, configFromEnv } from "../../src/vocabulary/config.js";

describe("AWS managed keys configuration", () => {
  it("lets callers use AWS managed keys directly unless told otherwise", () => {
    assert.equal(configFromEnv({}).awsManagedKeysDirectUse, true);
    assert.equal(
      configFromEnv({ TRENT_AWS_MANAGED_KEYS_DIRECT_USE: "false" }).awsManagedKeysDirectUse,
      false,
    );
    assert.equal(
      configFromEnv({ TRENT_AWS_MANAGED_KEYS_DIRECT_USE: "true" }).awsManagedKeysDirectUse,
      true,
    );
  });

  it("refuses anything but true or false, naming the variable", () => {
    assert.throws(
      () => configFromEnv({ TRENT_AWS_MANAGED_KEYS_DIRECT_USE: "yes" }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message === "TRENT_AWS_MANAGED_KEYS_DIRECT_USE must be 'true' or 'false', got 'yes'",
    );
  });
});
