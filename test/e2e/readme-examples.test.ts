/**
 * The README's "Use Trent in your tests" examples for Python (boto3) and the AWS CLI, run as
 * written against a Trent on a free port: the code blocks are read from README.md, with only
 * the example URL replaced, so the README cannot drift from what works.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { isolatedAwsConfig } from "../support/aws-clients.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const run = promisify(execFile);
const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const section = readme.slice(readme.indexOf("## Use Trent in your tests"));
const exampleUrl = "http://127.0.0.1:8080";

/** The first fenced block of `language` after `marker` in the tests section. */
function block(marker: string, language: string): string {
  const from = section.indexOf(marker);
  assert.ok(from >= 0, marker);
  const fence = `\`\`\`${language}\n`;
  const start = section.indexOf(fence, from) + fence.length;
  return section.slice(start, section.indexOf("```", start));
}

/** Only PATH and HOME of this machine, so no AWS setting of the developer's leaks in. */
const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...isolatedAwsConfig };

let trent: TestTrent;
before(async () => {
  trent = await startTestTrent();
});
after(() => trent.close());

describe("the README's test examples", () => {
  it("runs the boto3 example, reset included", async () => {
    const code = block("**Python (boto3)**", "python").replaceAll(exampleUrl, trent.url);
    await run("python3", ["-c", code], { env: baseEnv });
    // The example reset Trent at its end.
    const status = (await (await fetch(`${trent.url}/_trent/status`)).json()) as { keys: number };
    assert.equal(status.keys, 0);
  });

  it("runs the AWS CLI example, reset included", async () => {
    const script = block("**AWS CLI**", "sh").replaceAll(exampleUrl, trent.url);
    const { stdout } = await run("bash", ["-euo", "pipefail", "-c", script], { env: baseEnv });
    const [created, listed, reset] = stdout
      .trim()
      .split(/\n(?=\{)/)
      .map((text) => JSON.parse(text) as Record<string, unknown>);
    const metadata = created?.KeyMetadata as { KeyId: string; Description: string };
    assert.equal(metadata.Description, "test key");
    assert.deepEqual(listed?.Keys, [
      {
        KeyId: metadata.KeyId,
        KeyArn: `arn:aws:kms:us-east-1:111122223333:key/${metadata.KeyId}`,
      },
    ]);
    assert.deepEqual(reset, { reset: true });
  });
});
