import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { errorResponse } from "../../src/front-doors/http/kms-route.js";
import { KmsError } from "../../src/vocabulary/kms-errors.js";
import {
  type MessagelessSituation,
  messagelessError,
  messagelessErrors,
} from "../../src/vocabulary/messageless-errors.js";

const srcRoot = new URL("../../src/", import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("errors without a message", () => {
  it("serializes a messageless error as __type alone, and others with their message", () => {
    for (const situation of Object.keys(messagelessErrors) as MessagelessSituation[]) {
      const error = messagelessError(situation);
      assert.equal(error.type, messagelessErrors[situation].type);
      assert.equal(error.hasMessage, false);
      assert.equal(error.wireMessage, undefined);
      const response = errorResponse(error);
      assert.equal(response.status, 400);
      assert.equal(response.body, JSON.stringify({ __type: error.type }));
    }
    const withText = errorResponse(new KmsError("DisabledException", "arn is disabled."));
    assert.equal(
      withText.body,
      JSON.stringify({ __type: "DisabledException", message: "arn is disabled." }),
    );
  });

  it("names a source for every situation", () => {
    for (const [situation, row] of Object.entries(messagelessErrors)) {
      assert.ok(row.source.length > 0 && row.situation.length > 0, situation);
    }
  });

  it("is built only through the table: no KmsError in src with an empty or absent message", () => {
    const table = join(srcRoot, "vocabulary/messageless-errors.ts");
    const offenders: string[] = [];
    for (const file of sourceFiles(srcRoot)) {
      const text = readFileSync(file, "utf8");
      const empty = /new KmsError\(\s*"[A-Za-z]+",\s*(""|''|``)/.test(text);
      const absent = /new KmsError\(\s*[^,()]+,\s*undefined\b/.test(text);
      if (empty || (absent && file !== table)) offenders.push(file.slice(srcRoot.length));
    }
    assert.deepEqual(offenders, []);
  });
});
