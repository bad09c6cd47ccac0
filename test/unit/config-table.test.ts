/**
 * The settings table: each row's variable, flag and embedding option are one name in three
 * spellings; the README documents every row; the environment, flags and options parse alike,
 * and every error names what the user typed.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  ConfigError,
  checkServable,
  configFromInputs,
  type SettingInputs,
  settingInputsFromEnv,
  settingInputsFromOptions,
  settingKeys,
  settings,
} from "../../src/vocabulary/config.js";

const words = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").split(" ");

function refused(run: () => unknown, message: string) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.message, message);
    return true;
  });
}

const flags = (given: Record<string, string>): SettingInputs =>
  Object.fromEntries(
    Object.entries(given).map(([key, text]) => [
      key,
      { text, name: settings[key as keyof typeof settings].flag },
    ]),
  );

describe("the settings table", () => {
  it("spells each setting alike as variable, flag and option", () => {
    for (const key of settingKeys) {
      const row = settings[key];
      assert.equal(row.env[0], `TRENT_${words(key).join("_").toUpperCase()}`, key);
      assert.equal(row.flag, `--${words(key).join("-").toLowerCase()}`, key);
    }
  });

  it("has a row in the README's configuration table for every setting, with its flag", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const key of settingKeys) {
      const row = settings[key];
      const [name, ...aliases] = row.env;
      const names = `\`${name}\`${aliases.map((alias) => ` (\`${alias}\`)`).join("")}`;
      assert.ok(
        readme.includes(`| ${names} | \`${row.flag}\` |`),
        `README row for ${name} (${row.flag})`,
      );
    }
  });

  it("reads local-kms's names, and names the one that was set", () => {
    const inputs = settingInputsFromEnv({
      PORT: "4599",
      KMS_ACCOUNT_ID: "444455556666",
      KMS_REGION: "eu-west-2",
      KMS_DATA_PATH: "/init/data",
    });
    const config = configFromInputs(inputs);
    assert.equal(config.port, 4599);
    assert.equal(config.accountId, "444455556666");
    assert.equal(config.region, "eu-west-2");
    assert.equal(config.dataDir, "/init/data");
    refused(
      () => configFromInputs(settingInputsFromEnv({ PORT: "http" })),
      "PORT must be an integer >= 0, got 'http'",
    );
    // Trent's own name wins over local-kms's.
    assert.equal(configFromInputs(settingInputsFromEnv({ TRENT_PORT: "1", PORT: "2" })).port, 1);
  });

  it("names the flag the user typed, and flags for what they did not", () => {
    refused(
      () => configFromInputs(flags({ port: "abc" }), "flag"),
      "--port must be an integer >= 0, got 'abc'",
    );
    refused(
      () => configFromInputs(flags({ auditFsync: "yes" }), "flag"),
      "--audit-fsync must be 'true' or 'false', got 'yes'",
    );
    refused(
      () => configFromInputs(flags({ requestTimeoutMs: "5000" }), "flag"),
      "--headers-timeout-ms (10000) must not exceed --request-timeout-ms (5000): the headers are part of the request",
    );
    refused(
      () =>
        configFromInputs(
          {
            ...flags({ rootKeyFile: "/run/root.key" }),
            rootKey: { text: Buffer.alloc(32, 1).toString("base64"), name: "TRENT_ROOT_KEY" },
          },
          "flag",
        ),
      "TRENT_ROOT_KEY and --root-key-file both name the current root key: set exactly one of TRENT_ROOT_KEY, --root-key-file and --pkcs11-module",
    );
    refused(
      () => configFromInputs(flags({ pkcs11TokenLabel: "trent" }), "flag"),
      "--pkcs11-token-label is set but --pkcs11-module, the HSM's PKCS#11 module, is not",
    );
    refused(
      () => checkServable(configFromInputs(flags({ authMode: "sigv4" }), "flag")),
      "--auth-mode sigv4 needs --credentials-file, the YAML file of identities allowed to call (see docs/security.md)",
    );
    refused(
      () => checkServable(configFromInputs(flags({ host: "0.0.0.0" }), "flag")),
      "refusing to listen on 0.0.0.0 in open mode: anyone who can reach it would act as the root of account 111122223333. Listen on 127.0.0.1, use --auth-mode sigv4 with --credentials-file, or set --allow-open-network true to accept the risk (see docs/security.md)",
    );
  });

  it("names the option an embedder passed", () => {
    refused(
      () => configFromInputs(settingInputsFromOptions({ maxConnections: 0 }), "option"),
      "maxConnections must be an integer >= 1, got '0'",
    );
    refused(
      () => configFromInputs(settingInputsFromOptions({ rootKeyPrevious: ["AAAA"] }), "option"),
      "rootKeyPrevious entry 1 must be the base64 encoding of exactly 32 bytes",
    );
    const config = configFromInputs(
      settingInputsFromOptions({
        auditStdout: true,
        keyPairPoolSize: "RSA_2048=1",
        rootKeyPreviousFile: ["/a.key", "/b.key"],
      }),
      "option",
    );
    assert.equal(config.auditStdout, true);
    assert.deepEqual(config.keyPairPoolSize, { RSA_2048: 1, RSA_3072: 2, RSA_4096: 2 });
    assert.deepEqual(config.previousRootKeyFiles, ["/a.key", "/b.key"]);
  });
});
