/**
 * How many processes `trent serve` runs (TRENT_WORKERS): one per core unless told, one for an
 * in-memory store, which no other process can share (more is refused, naming the settings as
 * the user typed them); and the embedded API, which serves from its caller's process, refuses
 * more than one.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { workerCount } from "../../src/front-doors/cluster/worker-count.js";
import { ConfigError, startTrent } from "../../src/index.js";
import { configFromInputs, settingInputsFromEnv } from "../../src/vocabulary/config.js";

const fromEnv = (env: NodeJS.ProcessEnv) => configFromInputs(settingInputsFromEnv(env), "env");

describe("TRENT_WORKERS", () => {
  it("is one per core by default, and what it says when given", () => {
    assert.equal(workerCount(fromEnv({ TRENT_DATA_DIR: "/var/lib/trent" }), 8), 8);
    assert.equal(workerCount(fromEnv({ TRENT_DATA_DIR: "d", TRENT_WORKERS: "3" }), 8), 3);
    assert.equal(workerCount(fromEnv({ TRENT_DATA_DIR: "d", TRENT_WORKERS: "1" }), 8), 1);
  });

  it("is one with an in-memory store, and refuses more", () => {
    assert.equal(workerCount(fromEnv({ TRENT_DATA_DIR: ":memory:" }), 8), 1);
    assert.throws(
      () => workerCount(fromEnv({ TRENT_DATA_DIR: ":memory:", TRENT_WORKERS: "2" }), 8),
      /TRENT_WORKERS is 2, but TRENT_DATA_DIR is :memory:, which one process holds alone/,
    );
    assert.equal(
      workerCount(
        fromEnv({
          TRENT_DATA_DIR: ":memory:",
          TRENT_DATABASE_URL: "postgres://db/trent",
          TRENT_WORKERS: "2",
        }),
        8,
      ),
      2,
    );
  });

  it("refuses 0", () => {
    assert.throws(() => fromEnv({ TRENT_WORKERS: "0" }), /TRENT_WORKERS/);
  });

  it("is refused above 1 by the embedded API, which serves from its caller's process", async () => {
    await assert.rejects(startTrent({ workers: 2 }), (error) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(
        error.message,
        "workers is 2, but startTrent serves from the process that calls it: run `trent serve` for several worker processes",
      );
      return true;
    });
  });
});
