/**
 * Takes the screenshots of the console shown in the README and docs/console.md: the key list,
 * a key's page and the audit view, of a Trent started here in open mode with a few keys made
 * through the AWS SDK. Uses the tests' browser (playwright-core driving Debian's chromium).
 * Run `npx tsx scripts/console-screenshots.ts [output folder]` (default docs/console).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  type KeySpec,
  type KeyUsageType,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
} from "@aws-sdk/client-kms";
import { launchChromium } from "../test/support/browser.js";
import { startTestTrent } from "../test/support/trent.js";

const output = process.argv[2] ?? "docs/console";
mkdirSync(output, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), "trent-console-screenshots-"));
const trent = await startTestTrent({ dataDir: dir });
const kms = trent.client();

const keys: [string, KeySpec, KeyUsageType, string][] = [
  ["orders", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "Order records at rest"],
  ["invoices-signing", "ECC_NIST_P256", "SIGN_VERIFY", "Signs invoices"],
  ["webhooks-hmac", "HMAC_256", "GENERATE_VERIFY_MAC", "Webhook signatures"],
  ["backups", "RSA_3072", "ENCRYPT_DECRYPT", "Offsite backup envelope"],
  ["sessions", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "Session tokens"],
  ["legacy-exports", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "Retired export jobs"],
];
const ids: Record<string, string> = {};
for (const [alias, spec, usage, description] of keys) {
  const created = await kms.send(
    new CreateKeyCommand({ KeySpec: spec, KeyUsage: usage, Description: description }),
  );
  const keyId = created.KeyMetadata?.KeyId as string;
  ids[alias] = keyId;
  await kms.send(new CreateAliasCommand({ AliasName: `alias/${alias}`, TargetKeyId: keyId }));
}
const orders = ids.orders as string;
await kms.send(
  new TagResourceCommand({
    KeyId: orders,
    Tags: [
      { TagKey: "team", TagValue: "payments" },
      { TagKey: "env", TagValue: "production" },
    ],
  }),
);
await kms.send(new EnableKeyRotationCommand({ KeyId: orders, RotationPeriodInDays: 180 }));
await kms.send(
  new CreateGrantCommand({
    KeyId: orders,
    Name: "order-service",
    GranteePrincipal: "arn:aws:iam::111122223333:role/order-service",
    Operations: ["Encrypt", "Decrypt", "GenerateDataKey"],
  }),
);
for (let i = 0; i < 3; i++)
  await kms.send(new EncryptCommand({ KeyId: "alias/orders", Plaintext: Buffer.from("order") }));
await kms.send(new DisableKeyCommand({ KeyId: ids.sessions as string }));
await kms.send(
  new ScheduleKeyDeletionCommand({
    KeyId: ids["legacy-exports"] as string,
    PendingWindowInDays: 7,
  }),
);
await kms
  .send(new EncryptCommand({ KeyId: ids.sessions as string, Plaintext: Buffer.from("x") }))
  .catch(() => "refused, as a disabled key must: it shows in the audit view");

const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${trent.url}/console`);
  await page.getByRole("button", { name: "Sign in as the account root" }).click();
  await page.getByRole("heading", { name: /Keys in/ }).waitFor();
  await page.screenshot({ path: join(output, "key-list.png") });
  await page.goto(`${trent.url}/console/keys/${orders}`);
  await page.getByRole("heading", { name: `Key ${orders}` }).waitFor();
  await page.screenshot({ path: join(output, "key-page.png"), fullPage: true });
  await trent.auditOutputs.settled();
  await page.setViewportSize({ width: 1280, height: 1100 });
  await page.goto(`${trent.url}/console/audit?operation=Encrypt`);
  await page
    .locator("#audit-rows tr.record-json", { hasText: "DisabledException" })
    .locator("summary")
    .click();
  await page.screenshot({ path: join(output, "audit-view.png") });
  console.log(`screenshots in ${output}: key-list.png, key-page.png, audit-view.png`);
} finally {
  await browser.close();
  await trent.close();
  rmSync(dir, { recursive: true, force: true });
}
