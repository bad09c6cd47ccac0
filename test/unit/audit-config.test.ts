/**
 * The audit trail's configuration (rotation, retention, index, CloudTrail files): defaults,
 * parsing, and errors that name the variable; and where the index of a configuration is.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { auditIndexLocation } from "../../src/platform/audit/audit-outputs.js";
import { ConfigError, configFromEnv } from "../../src/vocabulary/config.js";

function refused(env: NodeJS.ProcessEnv, message: string) {
  assert.throws(
    () => configFromEnv(env),
    (error) => error instanceof ConfigError && error.message === message,
  );
}

describe("audit trail configuration", () => {
  it("rotates daily or at 100 MiB, keeps everything, and indexes by default", () => {
    const config = configFromEnv({});
    assert.equal(config.auditMaxBytes, 104_857_600);
    assert.equal(config.auditRotate, "daily");
    assert.equal(config.auditRetentionDays, 0);
    assert.equal(config.auditIndex, "auto");
    assert.equal(config.auditCloudTrailDir, undefined);
  });

  it("reads every variable", () => {
    const config = configFromEnv({
      TRENT_AUDIT_MAX_BYTES: "0",
      TRENT_AUDIT_ROTATE: "hourly",
      TRENT_AUDIT_RETENTION_DAYS: "90",
      TRENT_AUDIT_INDEX: "sqlite",
      TRENT_AUDIT_CLOUDTRAIL_DIR: "/var/log/trent/cloudtrail",
    });
    assert.equal(config.auditMaxBytes, 0);
    assert.equal(config.auditRotate, "hourly");
    assert.equal(config.auditRetentionDays, 90);
    assert.equal(config.auditIndex, "sqlite");
    assert.equal(config.auditCloudTrailDir, "/var/log/trent/cloudtrail");
  });

  it("refuses bad values, naming the variable", () => {
    refused(
      { TRENT_AUDIT_ROTATE: "weekly" },
      "TRENT_AUDIT_ROTATE must be one of hourly, daily, none, got 'weekly'",
    );
    refused(
      { TRENT_AUDIT_MAX_BYTES: "1k" },
      "TRENT_AUDIT_MAX_BYTES must be an integer >= 0, got '1k'",
    );
    refused(
      { TRENT_AUDIT_MAX_BYTES: "100" },
      "TRENT_AUDIT_MAX_BYTES must be 0 (no size limit) or at least 4096, got '100'",
    );
    refused(
      { TRENT_AUDIT_RETENTION_DAYS: "-1" },
      "TRENT_AUDIT_RETENTION_DAYS must be an integer >= 0, got '-1'",
    );
    refused(
      { TRENT_AUDIT_INDEX: "mysql" },
      "TRENT_AUDIT_INDEX must be one of auto, sqlite, postgres, none, got 'mysql'",
    );
  });

  it("refuses outputs that have nothing to follow", () => {
    refused(
      { TRENT_AUDIT_FILE: "none", TRENT_AUDIT_CLOUDTRAIL_DIR: "/tmp/ct" },
      "TRENT_AUDIT_CLOUDTRAIL_DIR needs an audit file: the CloudTrail files are made from it (set TRENT_AUDIT_FILE, or a data directory other than :memory:)",
    );
    refused(
      { TRENT_DATA_DIR: ":memory:", TRENT_AUDIT_INDEX: "sqlite" },
      "TRENT_AUDIT_INDEX=sqlite needs an audit file: the index is made from it (set TRENT_AUDIT_FILE, or a data directory other than :memory:)",
    );
    refused(
      { TRENT_AUDIT_INDEX: "postgres" },
      "TRENT_AUDIT_INDEX=postgres keeps the index in the key store's PostgreSQL database, but TRENT_DATABASE_URL is not set",
    );
    // With an audit file named, a :memory: store may still have an index and CloudTrail files.
    const config = configFromEnv({
      TRENT_DATA_DIR: ":memory:",
      TRENT_AUDIT_FILE: "/var/log/trent/audit.jsonl",
      TRENT_AUDIT_CLOUDTRAIL_DIR: "/var/log/trent/cloudtrail",
    });
    assert.deepEqual(auditIndexLocation(config), {
      kind: "sqlite",
      path: "/var/log/trent/audit-index.sqlite",
    });
  });

  it("puts the index beside the audit file, or in PostgreSQL with the key store", () => {
    assert.deepEqual(auditIndexLocation(configFromEnv({ TRENT_DATA_DIR: "/var/lib/trent" })), {
      kind: "sqlite",
      path: "/var/lib/trent/audit-index.sqlite",
    });
    const url = "postgres://trent@db:5432/kms";
    const shared = configFromEnv({
      TRENT_DATABASE_URL: url,
      TRENT_ROOT_KEY: Buffer.alloc(32, 1).toString("base64"),
    });
    assert.deepEqual(auditIndexLocation(shared), { kind: "postgres", url });
    assert.deepEqual(
      auditIndexLocation(configFromEnv({ TRENT_DATABASE_URL: url, TRENT_AUDIT_INDEX: "sqlite" })),
      { kind: "sqlite", path: "data/audit-index.sqlite" },
    );
    assert.equal(auditIndexLocation(configFromEnv({ TRENT_AUDIT_INDEX: "none" })), undefined);
    assert.equal(auditIndexLocation(configFromEnv({ TRENT_DATA_DIR: ":memory:" })), undefined);
  });
});
