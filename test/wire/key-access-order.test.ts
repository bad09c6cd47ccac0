/**
 * The order of key access's checks decides which error a client sees when a request is wrong in
 * several ways at once: reference → load → grant tokens → authorize → state → usage. Each case
 * below breaks two adjacent checks and asserts the earlier one answers, through the real SDK in
 * sigv4 mode (alice has no identity policies, so the default key policy allows her nothing).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateGrantCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  KMSClient,
  SignCommand,
} from "@aws-sdk/client-kms";
import { rejectsWith } from "../support/kms-errors.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const account = "111122223333";
const region = "us-east-1";
const admin = { id: "AKIAORDERADMIN000001", secret: "order-admin-secret-000001" };
const alice = { id: "AKIAORDERALICE000001", secret: "order-alice-secret-000001" };
const aliceArn = `arn:aws:iam::${account}:user/alice`;
const message = new TextEncoder().encode("order of checks");

describe("key access: one order of checks", () => {
  let dir: string;
  let trent: TestTrent;
  let asAdmin: KMSClient;
  let asAlice: KMSClient;
  let forgedToken: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "trent-order-"));
    const file = join(dir, "credentials.yaml");
    writeFileSync(
      file,
      [
        "identities:",
        `  - accessKeyId: ${admin.id}`,
        `    secretAccessKey: ${admin.secret}`,
        `    accountId: "${account}"`,
        `    arn: arn:aws:iam::${account}:user/admin`,
        `  - accessKeyId: ${alice.id}`,
        `    secretAccessKey: ${alice.secret}`,
        `    accountId: "${account}"`,
        `    arn: ${aliceArn}`,
        "    policies: []",
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    trent = await startTestTrent({ authMode: "sigv4", credentialsFile: file });
    const client = (who: { id: string; secret: string }) =>
      new KMSClient({
        endpoint: trent.url,
        region,
        credentials: { accessKeyId: who.id, secretAccessKey: who.secret },
        maxAttempts: 1,
      });
    asAdmin = client(admin);
    asAlice = client(alice);
    const key = await asAdmin.send(new CreateKeyCommand({}));
    const { GrantToken } = await asAdmin.send(
      new CreateGrantCommand({
        KeyId: key.KeyMetadata?.Arn,
        GranteePrincipal: aliceArn,
        Operations: ["Encrypt"],
      }),
    );
    const bytes = Buffer.from(GrantToken ?? "", "base64url");
    bytes[5] = (bytes[5] as number) ^ 0xff;
    forgedToken = bytes.toString("base64url");
  });
  after(async () => {
    asAdmin.destroy();
    asAlice.destroy();
    await trent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function newKey(disabled = false): Promise<string> {
    const out = await asAdmin.send(new CreateKeyCommand({}));
    const arn = out.KeyMetadata?.Arn ?? "";
    if (disabled) await asAdmin.send(new DisableKeyCommand({ KeyId: arn }));
    return arn;
  }

  it("a key that does not exist comes before a forged grant token", async () => {
    const missing = `arn:aws:kms:${region}:${account}:key/00000000-0000-4000-8000-000000000000`;
    await rejectsWith(
      asAlice.send(
        new EncryptCommand({ KeyId: missing, Plaintext: message, GrantTokens: [forgedToken] }),
      ),
      "NotFoundException",
      `Key '${missing}' does not exist`,
    );
  });

  it("a forged grant token comes before access denied", async () => {
    const keyArn = await newKey();
    await rejectsWith(
      asAlice.send(
        new EncryptCommand({ KeyId: keyArn, Plaintext: message, GrantTokens: [forgedToken] }),
      ),
      "InvalidGrantTokenException",
      "Invalid grant token.",
    );
  });

  it("access denied comes before the key's state", async () => {
    const keyArn = await newKey(true);
    await rejectsWith(
      asAlice.send(new EncryptCommand({ KeyId: keyArn, Plaintext: message })),
      "AccessDeniedException",
      `User: ${aliceArn} is not authorized to perform: kms:Encrypt on resource: ${keyArn} because no identity-based policy allows the kms:Encrypt action`,
    );
  });

  it("the key's state comes before its usage", async () => {
    const keyArn = await newKey(true);
    await rejectsWith(
      asAdmin.send(
        new SignCommand({ KeyId: keyArn, Message: message, SigningAlgorithm: "ECDSA_SHA_256" }),
      ),
      "DisabledException",
      `${keyArn} is disabled.`,
    );
  });

  it("the key's usage comes last", async () => {
    const keyArn = await newKey();
    await rejectsWith(
      asAdmin.send(
        new SignCommand({ KeyId: keyArn, Message: message, SigningAlgorithm: "ECDSA_SHA_256" }),
      ),
      "InvalidKeyUsageException",
      `${keyArn} key usage is ENCRYPT_DECRYPT which is not valid for Sign.`,
    );
  });
});
