/** TRENT_DATABASE_URL: parsing, the root key it requires, and logs that never show its password. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ConfigError,
  checkServable,
  configFromEnv,
  redactDatabaseUrl,
  storeLocation,
  withDefaults,
} from "../../src/vocabulary/config.js";

const url = "postgres://trent:s3cr%40t@db.internal:5432/trent?sslmode=require";

describe("database URL configuration", () => {
  it("selects PostgreSQL only when TRENT_DATABASE_URL is set", () => {
    assert.equal(configFromEnv({}).databaseUrl, undefined);
    assert.equal(configFromEnv({ TRENT_DATABASE_URL: "" }).databaseUrl, undefined);
    assert.equal(configFromEnv({ TRENT_DATABASE_URL: url }).databaseUrl, url);
    const long = "postgresql://trent@localhost/trent";
    assert.equal(configFromEnv({ TRENT_DATABASE_URL: long }).databaseUrl, long);
  });

  it("refuses other URLs without repeating them", () => {
    for (const [text, message] of [
      [
        "mysql://root:hunter2@db/trent",
        "TRENT_DATABASE_URL must be a postgres:// or postgresql:// URL, like postgres://user:password@host:5432/database",
      ],
      [
        "host=db user=trent password=hunter2",
        "TRENT_DATABASE_URL is not a URL: expected postgres://user:password@host:5432/database",
      ],
    ] as const)
      assert.throws(
        () => configFromEnv({ TRENT_DATABASE_URL: text }),
        (error: unknown) => error instanceof ConfigError && error.message === message,
      );
  });

  it("needs a configured root key, shared by every node", () => {
    assert.throws(
      () => checkServable(withDefaults({ databaseUrl: url })),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message ===
          "TRENT_DATABASE_URL needs a root key from TRENT_ROOT_KEY, TRENT_ROOT_KEY_FILE or TRENT_PKCS11_MODULE: every node sharing the database must use the same root key (see docs/postgres.md)",
    );
    checkServable(withDefaults({ databaseUrl: url, rootKey: new Uint8Array(32) }));
    checkServable(withDefaults({ databaseUrl: url, rootKeyFile: "/run/secrets/trent-root-key" }));
  });

  it("shows the URL in start-up lines with its password redacted", () => {
    assert.equal(
      redactDatabaseUrl(url),
      "postgres://trent:redacted@db.internal:5432/trent?sslmode=require",
    );
    assert.equal(
      redactDatabaseUrl("postgres://db.internal/trent?user=trent&password=hunter2"),
      "postgres://db.internal/trent?user=trent&password=redacted",
    );
    assert.equal(redactDatabaseUrl("postgres://trent@db/trent"), "postgres://trent@db/trent");
    assert.equal(
      storeLocation(withDefaults({ databaseUrl: url })),
      "database postgres://trent:redacted@db.internal:5432/trent?sslmode=require",
    );
    assert.equal(storeLocation(withDefaults({ dataDir: "/var/lib/trent" })), "data /var/lib/trent");
  });
});
