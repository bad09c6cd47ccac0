/** The records of an audit trail as the files hold them, for tests that kill Trent mid-write. */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { AuditFiles } from "../../src/platform/audit/audit-files.js";

export interface Line {
  readonly eventID: string;
  readonly requestID?: string;
}

/** The complete records of every audit file, rotated (plain or compressed) and live. */
export function trailRecords(files: AuditFiles): Line[] {
  const records: Line[] = [];
  const read = (path: string, live: boolean) => {
    const bytes = readFileSync(path);
    const lines = (path.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8").split("\n");
    // After the last newline: a line the kill cut short (only possible in the live file).
    const rest = lines.pop();
    if (!live) assert.equal(rest, "", `${path} ends with a partial line`);
    for (const [index, line] of lines.entries()) {
      try {
        records.push(JSON.parse(line) as Line);
      } catch {
        assert.fail(`line ${index + 1} of ${path} is not JSON: ${line.slice(0, 200)}`);
      }
    }
  };
  for (const name of readdirSync(files.dir).sort()) {
    const parsed = files.parse(name);
    if (!parsed || (parsed.kind !== "plain" && parsed.kind !== "gz")) continue;
    // A plain file beside its finished .gz (the kill came before its deletion) is the same.
    if (parsed.kind === "plain" && existsSync(files.path(parsed.stamp, "gz"))) continue;
    read(join(files.dir, name), false);
  }
  if (existsSync(files.live)) read(files.live, true);
  return records;
}
