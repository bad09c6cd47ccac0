/**
 * Shipping the audit trail, all outputs at once: the audit file, standard output
 * (TRENT_AUDIT_STDOUT) and CloudTrail log files (TRENT_AUDIT_CLOUDTRAIL_DIR), from a Trent child
 * process that real SDK clients call in two Regions. Standard output carries the audit file's
 * lines as they are; the CloudTrail directory holds every record once, in gzip files of
 * {"Records": [...]} per account and Region, laid out and named as CloudTrail delivers them;
 * a restart exports nothing twice.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { CreateKeyCommand, EncryptCommand, KMSClient } from "@aws-sdk/client-kms";
import { startTrentProcess } from "../support/trent-process.js";

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

const records = (text: string) =>
  text
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { eventID: string; awsRegion: string });

describe("audit shipping", () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-audit-shipping-"));
  const cloudTrail = join(dir, "cloudtrail");
  after(() => rmSync(dir, { recursive: true, force: true }));
  const env = {
    TRENT_DATA_DIR: join(dir, "data"),
    TRENT_AUDIT_STDOUT: "true",
    TRENT_AUDIT_CLOUDTRAIL_DIR: cloudTrail,
  };

  it("writes the file, standard output and CloudTrail files together", {
    timeout: 120_000,
  }, async () => {
    const trent = await startTrentProcess(env);
    const clients = ["us-east-1", "eu-west-1"].map(
      (region) =>
        new KMSClient({
          endpoint: trent.url,
          region,
          credentials: { accessKeyId: "AKIDTRENTTEST", secretAccessKey: "trent-test-secret" },
          maxAttempts: 1,
        }),
    );
    try {
      for (const kms of clients) {
        const key = await kms.send(new CreateKeyCommand({}));
        for (let i = 0; i < 5; i++)
          await kms.send(
            new EncryptCommand({ KeyId: key.KeyMetadata?.KeyId, Plaintext: Buffer.from("s") }),
          );
      }
    } finally {
      for (const kms of clients) kms.destroy();
    }
    assert.equal(await trent.stop(), 0, trent.stderr());

    const fileText = readFileSync(join(dir, "data", "audit.jsonl"), "utf8");
    const inFile = records(fileText);
    assert.equal(inFile.length, 12);
    // Standard output: the start-up lines, then the audit file's lines, byte for byte (the
    // output also holds standard error's JSON log lines, which are no audit records).
    const stdoutLines = trent
      .output()
      .split("\n")
      .filter((line) => line.startsWith('{"eventVersion"'));
    assert.deepEqual(stdoutLines, fileText.trim().split("\n"));

    const exported = walk(cloudTrail).filter((path) => path.endsWith(".json.gz"));
    const byRegion = new Map<string, string[]>();
    for (const path of exported) {
      const name = relative(cloudTrail, path);
      const match =
        /^AWSLogs\/(\d{12})\/CloudTrail\/([a-z0-9-]+)\/(\d{4})\/(\d\d)\/(\d\d)\/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8})T\d{4}Z_[0-9a-f]{16}\.json\.gz$/.exec(
          name,
        );
      assert.ok(match, name);
      const [, account, region, yyyy, mm, dd, nameAccount, nameRegion, day] = match;
      assert.equal(nameAccount, account);
      assert.equal(nameRegion, region);
      assert.equal(day, `${yyyy}${mm}${dd}`);
      const body = JSON.parse(gunzipSync(readFileSync(path)).toString("utf8")) as {
        Records: { eventID: string; awsRegion: string; recipientAccountId: string }[];
      };
      assert.deepEqual(Object.keys(body), ["Records"]);
      for (const record of body.Records) {
        assert.equal(record.awsRegion, region);
        assert.equal(record.recipientAccountId, account);
      }
      byRegion.set(region as string, [
        ...(byRegion.get(region as string) ?? []),
        ...body.Records.map((record) => record.eventID),
      ]);
    }
    for (const region of ["us-east-1", "eu-west-1"])
      assert.deepEqual(
        byRegion.get(region),
        inFile.filter((record) => record.awsRegion === region).map((record) => record.eventID),
        region,
      );

    // Started again, with nothing new: nothing is exported again.
    const again = await startTrentProcess(env);
    assert.equal(await again.stop(), 0, again.stderr());
    assert.deepEqual(
      walk(cloudTrail)
        .filter((path) => path.endsWith(".json.gz"))
        .sort(),
      [...exported].sort(),
    );
  });
});
