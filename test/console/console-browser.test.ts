/**
 * The console in a real browser (Debian's chromium through playwright-core), as an operator uses
 * it in sigv4 mode: sign in with an access key from the credentials file, create a key, give it
 * an alias, find it in the list by that alias, edit its key policy (an invalid edit first, which
 * shows KMS's error and changes nothing), disable it, and find each of those requests in the
 * audit view, where the live tail also brings in a request made meanwhile with the AWS SDK.
 * The main pages have no serious or critical accessibility violations (axe-core).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from "@aws-sdk/client-kms";
import type { Browser, Page } from "playwright-core";
import { browserSkipReason, launchChromium, seriousViolations } from "../support/browser.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const operator = {
  accessKeyId: "AKIACONSOLEOPERATOR1",
  secretAccessKey: "console-operator-secret-0001",
};

const skip = browserSkipReason();

describe("the console in a browser", { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), "trent-console-browser-"));
  let trent: TestTrent;
  let browser: Browser;
  let page: Page;
  let sdk: KMSClient;
  let keyId: string;
  let keyArn: string;

  before(async () => {
    const credentialsFile = join(dir, "credentials.yaml");
    writeFileSync(
      credentialsFile,
      `identities:
  - accessKeyId: ${operator.accessKeyId}
    secretAccessKey: "${operator.secretAccessKey}"
    accountId: "111122223333"
    arn: arn:aws:iam::111122223333:user/operator
`,
    );
    trent = await startTestTrent({
      dataDir: join(dir, "data"),
      authMode: "sigv4",
      credentialsFile,
    });
    sdk = new KMSClient({
      endpoint: trent.url,
      region: "us-east-1",
      credentials: operator,
      maxAttempts: 1,
    });
    browser = await launchChromium();
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    sdk?.destroy();
    await trent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function noSeriousViolations(where: string) {
    const violations = await seriousViolations(page);
    assert.deepEqual(
      violations.map(
        (v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
      ),
      [],
      `accessibility of ${where}`,
    );
  }

  it("signs in with an access key from the credentials file, refusing a wrong secret", async () => {
    await page.goto(`${trent.url}/console`);
    assert.equal(await page.title(), "Sign in · Trent console");
    await noSeriousViolations("the sign-in page");
    await page.getByLabel("Access key ID").fill(operator.accessKeyId);
    await page.getByLabel("Secret access key").fill("not-the-secret-at-all");
    await page.getByRole("button", { name: "Sign in" }).click();
    assert.match(
      String(await page.getByRole("alert").textContent()),
      /The access key id or secret access key is not correct/,
    );
    await page.getByLabel("Secret access key").fill(operator.secretAccessKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Keys in us-east-1" }).waitFor();
    assert.match(
      String(await page.locator("header").textContent()),
      /arn:aws:iam::111122223333:user\/operator/,
    );
    await noSeriousViolations("the key list");
  });

  it("creates a key and gives it an alias", async () => {
    await page.getByRole("link", { name: "Create key" }).click();
    await noSeriousViolations("the create-key form");
    await page.getByLabel("Description").fill("made in the browser test");
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByText("Key created.").waitFor();
    keyId = String(await page.locator("h1 .mono").textContent()).trim();
    const described = await sdk.send(new DescribeKeyCommand({ KeyId: keyId }));
    keyArn = described.KeyMetadata?.Arn as string;
    assert.equal(described.KeyMetadata?.Description, "made in the browser test");

    await page.getByLabel("New alias").fill("alias/console-browser-test");
    await page.getByRole("button", { name: "Create alias" }).click();
    await page.getByText("Alias created.").waitFor();
    assert.match(
      String(await page.locator("#aliases-title + ul").textContent()),
      /alias\/console-browser-test/,
    );
    await noSeriousViolations("a key's page");
  });

  it("finds the key in the list by its alias", async () => {
    await page.getByRole("link", { name: "Keys", exact: true }).click();
    await page.getByLabel("Alias contains").fill("BROWSER-TEST");
    await page.getByRole("button", { name: "Apply" }).click();
    const rows = page.locator("tbody tr");
    assert.equal(await rows.count(), 1);
    assert.match(String(await rows.first().textContent()), /alias\/console-browser-test/);
    await rows.first().getByRole("link", { name: keyId }).click();
    await page.getByRole("heading", { name: `Key ${keyId}` }).waitFor();
  });

  it("shows KMS's error for an invalid policy and keeps the old one, then saves a valid edit", async () => {
    const before = (await sdk.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy as string;
    const policy = page.getByLabel(/Policy document/);
    await policy.fill('{"Version": "2012-10-17", "Statement": [ not json');
    await page.getByRole("button", { name: "Save key policy" }).click();
    assert.match(
      String(await page.getByRole("alert").textContent()),
      /MalformedPolicyDocumentException/,
    );
    // What was typed stays in the form, to be corrected.
    assert.match(await policy.inputValue(), /not json/);
    assert.equal((await sdk.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy, before);

    const edited = JSON.parse(before) as { Statement: object[] };
    edited.Statement.push({
      Sid: "ConsoleReaders",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::111122223333:root" },
      Action: "kms:DescribeKey",
      Resource: "*",
    });
    await policy.fill(JSON.stringify(edited, null, 2));
    await page.getByRole("button", { name: "Save key policy" }).click();
    await page.getByText("Key policy saved.").waitFor();
    assert.match(await policy.inputValue(), /ConsoleReaders/);
    const saved = (await sdk.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy as string;
    assert.match(saved, /ConsoleReaders/);
  });

  it("disables the key", async () => {
    await page.getByRole("button", { name: "Disable key" }).click();
    await page.getByText("Key disabled.").waitFor();
    assert.equal(String(await page.locator(".state").first().textContent()), "Disabled");
    const described = await sdk.send(new DescribeKeyCommand({ KeyId: keyId }));
    assert.equal(described.KeyMetadata?.KeyState, "Disabled");
  });

  it("finds those actions in the audit view, and follows new records live", async () => {
    await trent.auditOutputs.settled();
    await page.getByRole("link", { name: "All audit records of this key" }).click();
    await page.getByRole("heading", { name: "Audit trail" }).waitFor();
    assert.equal(await page.getByLabel("Key (id, ARN or alias)").inputValue(), keyArn);
    await noSeriousViolations("the audit view");
    // Each action by operation (the console's own reads of the key fill the first pages).
    for (const operation of ["CreateKey", "CreateAlias", "PutKeyPolicy", "DisableKey"]) {
      await page.getByLabel("Operation").fill(operation);
      await page.getByRole("button", { name: "Apply" }).click();
      const operations = await page
        .locator("#audit-rows tr.record td:nth-child(2)")
        .allTextContents();
      assert.ok(operations.length > 0, `${operation} found`);
      assert.ok(
        operations.every((found) => found === operation),
        `${operation}: ${operations.join(", ")}`,
      );
    }

    // The refused policy edit, by operation and error.
    await page.getByLabel("Operation").fill("PutKeyPolicy");
    await page.getByLabel("Error code (or any)").fill("MalformedPolicyDocumentException");
    await page.getByRole("button", { name: "Apply" }).click();
    const refused = page.locator("#audit-rows tr.record");
    assert.equal(await refused.count(), 1);
    assert.match(
      String(await refused.first().textContent()),
      /arn:aws:iam::111122223333:user\/operator/,
    );
    const json = page.locator("#audit-rows tr.record-json").first();
    await json.locator("summary").click();
    const record = JSON.parse(String(await json.locator("pre").textContent())) as {
      eventName: string;
      errorCode: string;
      userIdentity: { accessKeyId: string };
    };
    assert.equal(record.eventName, "PutKeyPolicy");
    assert.equal(record.errorCode, "MalformedPolicyDocumentException");
    assert.equal(record.userIdentity.accessKeyId, operator.accessKeyId);

    // Live: a request made now with the SDK appears on top without reloading.
    await page.getByRole("link", { name: "Clear" }).click();
    await page.getByLabel("Follow new records live").check();
    const described = await sdk.send(
      new DescribeKeyCommand({ KeyId: "alias/console-browser-test" }),
    );
    const requestId = described.$metadata.requestId as string;
    await page.locator("#audit-rows tr.record-json", { hasText: requestId }).first().waitFor();
    assert.match(
      String(await page.locator("#audit-rows tr.record").first().textContent()),
      /DescribeKey/,
    );
  });
});
