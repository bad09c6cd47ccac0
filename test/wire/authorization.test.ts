/**
 * Key policies, identity policies and condition keys deciding real requests, through the AWS
 * SDK: first in open mode (every caller is the account root), then in sigv4 mode with IAM
 * users, an assumed role and a second account, whose identity policies come from the
 * credentials file.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListKeysCommand,
  PutKeyPolicyCommand,
  UpdateAliasCommand,
} from "@aws-sdk/client-kms";
import { rejectsWith } from "../support/kms-errors.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const a = "111122223333";
const b = "444455556666";
const region = "us-east-1";
const rootA = `arn:aws:iam::${a}:root`;
const plaintext = new TextEncoder().encode("authorized bytes");

type Statement = Record<string, unknown>;

function policy(...statements: Statement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

const allowRoot: Statement = {
  Sid: "Enable IAM policies",
  Effect: "Allow",
  Principal: { AWS: rootA },
  Action: "kms:*",
  Resource: "*",
};

/** A Deny for everyone, on some actions, under a condition. */
function deny(action: string | string[], condition?: Statement): Statement {
  return {
    Effect: "Deny",
    Principal: "*",
    Action: action,
    Resource: "*",
    ...(condition ? { Condition: condition } : {}),
  };
}

function denied(
  who: string,
  action: string,
  resource: string,
  reason: "resourceDeny" | "identityDeny" | "noResourceAllow" | "noIdentityAllow",
): string {
  const why = {
    resourceDeny: "with an explicit deny in a resource-based policy",
    identityDeny: "with an explicit deny in an identity-based policy",
    noResourceAllow: `because no resource-based policy allows the kms:${action} action`,
    noIdentityAllow: `because no identity-based policy allows the kms:${action} action`,
  }[reason];
  return `User: ${who} is not authorized to perform: kms:${action} on resource: ${resource} ${why}`;
}

describe("authorization in open mode", () => {
  let trent: TestTrent;
  let kms: KMSClient;
  before(async () => {
    trent = await startTestTrent();
    kms = trent.client();
  });
  after(() => trent.close());

  async function keyWith(...statements: Statement[]): Promise<string> {
    const out = await kms.send(new CreateKeyCommand({ Policy: policy(allowRoot, ...statements) }));
    assert.ok(out.KeyMetadata?.Arn);
    return out.KeyMetadata.Arn;
  }

  it("lets the account root do everything under the default key policy", async () => {
    const out = await kms.send(new CreateKeyCommand({}));
    const keyId = out.KeyMetadata?.KeyId;
    const pair = await kms.send(
      new GenerateDataKeyPairCommand({ KeyId: keyId, KeyPairSpec: "ECC_NIST_P256" }),
    );
    assert.ok(pair.PrivateKeyCiphertextBlob);
    const encrypted = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext }));
    const decrypted = await kms.send(
      new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }),
    );
    assert.deepEqual(decrypted.Plaintext, plaintext);
    await kms.send(new ListKeysCommand({}));
  });

  it("refuses GenerateDataKeyPair that the key policy denies explicitly", async () => {
    const arn = await keyWith(deny("kms:GenerateDataKeyPair"));
    await rejectsWith(
      kms.send(new GenerateDataKeyPairCommand({ KeyId: arn, KeyPairSpec: "ECC_NIST_P256" })),
      "AccessDeniedException",
      denied(rootA, "GenerateDataKeyPair", arn, "resourceDeny"),
    );
    await kms.send(new EncryptCommand({ KeyId: arn, Plaintext: plaintext }));
  });

  it("checks access before the key state", async () => {
    const arn = await keyWith(deny("kms:Encrypt"));
    await kms.send(new DisableKeyCommand({ KeyId: arn }));
    await rejectsWith(
      kms.send(new EncryptCommand({ KeyId: arn, Plaintext: plaintext })),
      "AccessDeniedException",
      denied(rootA, "Encrypt", arn, "resourceDeny"),
    );
    await rejectsWith(
      kms.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: "AES_256" })),
      "DisabledException",
      `${arn} is disabled.`,
    );
  });

  it("refuses a key whose policy does not name the caller or its account", async () => {
    const out = await kms.send(
      new CreateKeyCommand({
        Policy: policy({
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${a}:user/keeper` },
          Action: "kms:*",
          Resource: "*",
        }),
        BypassPolicyLockoutSafetyCheck: true,
      }),
    );
    const arn = out.KeyMetadata?.Arn as string;
    await rejectsWith(
      kms.send(new DescribeKeyCommand({ KeyId: arn })),
      "AccessDeniedException",
      denied(rootA, "DescribeKey", arn, "noResourceAllow"),
    );
  });

  it("kms:DataKeyPairSpec decides GenerateDataKeyPair by KeyPairSpec", async () => {
    const arn = await keyWith(
      deny("kms:GenerateDataKeyPair*", { StringNotLike: { "kms:DataKeyPairSpec": "ECC_*" } }),
    );
    await kms.send(new GenerateDataKeyPairCommand({ KeyId: arn, KeyPairSpec: "ECC_NIST_P384" }));
    await rejectsWith(
      kms.send(new GenerateDataKeyPairCommand({ KeyId: arn, KeyPairSpec: "RSA_2048" })),
      "AccessDeniedException",
      denied(rootA, "GenerateDataKeyPair", arn, "resourceDeny"),
    );
  });

  it("kms:EncryptionContext:<key> matches the key part in any case and the value exactly", async () => {
    const arn = await keyWith(
      deny(["kms:Encrypt", "kms:GenerateDataKey"], {
        StringNotEquals: { "kms:EncryptionContext:AppName": "ExampleApp" },
      }),
    );
    const encrypt = (context?: Record<string, string>) =>
      kms.send(
        new EncryptCommand({ KeyId: arn, Plaintext: plaintext, EncryptionContext: context }),
      );
    await encrypt({ AppName: "ExampleApp", Other: "x" });
    await encrypt({ appname: "ExampleApp" });
    const refused = denied(rootA, "Encrypt", arn, "resourceDeny");
    await rejectsWith(encrypt({ AppName: "exampleapp" }), "AccessDeniedException", refused);
    await rejectsWith(encrypt(), "AccessDeniedException", refused);
    await kms.send(
      new GenerateDataKeyCommand({
        KeyId: arn,
        KeySpec: "AES_128",
        EncryptionContext: { APPNAME: "ExampleApp" },
      }),
    );
    await rejectsWith(
      kms.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: "AES_128" })),
      "AccessDeniedException",
      denied(rootA, "GenerateDataKey", arn, "resourceDeny"),
    );
  });

  it("kms:EncryptionContextKeys with ForAllValues and Null", async () => {
    const arn = await keyWith(
      deny("kms:Encrypt", {
        "ForAnyValue:StringNotEquals": { "kms:EncryptionContextKeys": ["Dept", "Project"] },
      }),
      deny("kms:GenerateDataKey", { Null: { "kms:EncryptionContextKeys": "true" } }),
    );
    await kms.send(new EncryptCommand({ KeyId: arn, Plaintext: plaintext }));
    await kms.send(
      new EncryptCommand({ KeyId: arn, Plaintext: plaintext, EncryptionContext: { Dept: "IT" } }),
    );
    await rejectsWith(
      kms.send(
        new EncryptCommand({
          KeyId: arn,
          Plaintext: plaintext,
          EncryptionContext: { Dept: "IT", dept: "it" },
        }),
      ),
      "AccessDeniedException",
      denied(rootA, "Encrypt", arn, "resourceDeny"),
    );
    await rejectsWith(
      kms.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: "AES_256" })),
      "AccessDeniedException",
      denied(rootA, "GenerateDataKey", arn, "resourceDeny"),
    );
  });

  it("kms:CallerAccount and kms:EncryptionAlgorithm", async () => {
    const own = await keyWith(deny("kms:Encrypt", { StringEquals: { "kms:CallerAccount": a } }));
    await rejectsWith(
      kms.send(new EncryptCommand({ KeyId: own, Plaintext: plaintext })),
      "AccessDeniedException",
      denied(rootA, "Encrypt", own, "resourceDeny"),
    );
    const others = await keyWith(deny("kms:Encrypt", { StringEquals: { "kms:CallerAccount": b } }));
    await kms.send(new EncryptCommand({ KeyId: others, Plaintext: plaintext }));
    // The default algorithm counts even when the request does not name it.
    const algorithm = await keyWith(
      deny("kms:Encrypt", { StringEquals: { "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT" } }),
    );
    await rejectsWith(
      kms.send(new EncryptCommand({ KeyId: algorithm, Plaintext: plaintext })),
      "AccessDeniedException",
      denied(rootA, "Encrypt", algorithm, "resourceDeny"),
    );
  });

  it("aws:SourceIp, aws:CurrentTime and aws:EpochTime", async () => {
    const local = await keyWith(
      deny("kms:DescribeKey", { IpAddress: { "aws:SourceIp": "127.0.0.0/8" } }),
    );
    await rejectsWith(
      kms.send(new DescribeKeyCommand({ KeyId: local })),
      "AccessDeniedException",
      denied(rootA, "DescribeKey", local, "resourceDeny"),
    );
    const remote = await keyWith(
      deny("kms:DescribeKey", { NotIpAddress: { "aws:SourceIp": ["127.0.0.0/8", "::1"] } }),
    );
    await kms.send(new DescribeKeyCommand({ KeyId: remote }));
    const expired = await keyWith(
      deny("kms:Encrypt", { DateGreaterThan: { "aws:CurrentTime": "2020-01-01T00:00:00Z" } }),
    );
    await rejectsWith(
      kms.send(new EncryptCommand({ KeyId: expired, Plaintext: plaintext })),
      "AccessDeniedException",
      denied(rootA, "Encrypt", expired, "resourceDeny"),
    );
    const notYet = await keyWith(
      deny("kms:Encrypt", { DateLessThan: { "aws:EpochTime": "946684800" } }),
    );
    await kms.send(new EncryptCommand({ KeyId: notYet, Plaintext: plaintext }));
  });

  it("kms:RequestAlias depends on how the request names the key", async () => {
    const arn = await keyWith(
      deny("kms:GenerateDataKey", { StringEquals: { "kms:RequestAlias": "alias/blocked" } }),
    );
    await kms.send(new CreateAliasCommand({ AliasName: "alias/blocked", TargetKeyId: arn }));
    await rejectsWith(
      kms.send(new GenerateDataKeyCommand({ KeyId: "alias/blocked", KeySpec: "AES_256" })),
      "AccessDeniedException",
      denied(rootA, "GenerateDataKey", arn, "resourceDeny"),
    );
    await kms.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: "AES_256" }));
  });

  it("the lockout safety check of CreateKey and PutKeyPolicy", async () => {
    const lockedOut = policy({
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${a}:user/someone-else` },
      Action: "kms:*",
      Resource: "*",
    });
    const message = "The new key policy will not allow you to update the key policy in the future.";
    await rejectsWith(
      kms.send(new CreateKeyCommand({ Policy: lockedOut })),
      "MalformedPolicyDocumentException",
      message,
    );
    const arn = await keyWith();
    await rejectsWith(
      kms.send(new PutKeyPolicyCommand({ KeyId: arn, PolicyName: "default", Policy: lockedOut })),
      "MalformedPolicyDocumentException",
      message,
    );
    await rejectsWith(
      kms.send(
        new PutKeyPolicyCommand({
          KeyId: arn,
          PolicyName: "default",
          Policy: policy(allowRoot, deny("kms:PutKeyPolicy")),
        }),
      ),
      "MalformedPolicyDocumentException",
      message,
    );
    await kms.send(
      new PutKeyPolicyCommand({
        KeyId: arn,
        PolicyName: "default",
        Policy: lockedOut,
        BypassPolicyLockoutSafetyCheck: true,
      }),
    );
    await rejectsWith(
      kms.send(new GetKeyPolicyCommand({ KeyId: arn, PolicyName: "default" })),
      "AccessDeniedException",
      denied(rootA, "GetKeyPolicy", arn, "noResourceAllow"),
    );
  });
});

describe("authorization in sigv4 mode", () => {
  const admin = `arn:aws:iam::${a}:user/admin`;
  const alice = `arn:aws:iam::${a}:user/alice`;
  const bob = `arn:aws:iam::${a}:user/bob`;
  const session = `arn:aws:sts::${a}:assumed-role/Ops/ops-session`;
  const rootB = `arn:aws:iam::${b}:root`;
  const carol = `arn:aws:iam::${b}:user/carol`;
  const dave = `arn:aws:iam::${b}:user/dave`;
  const erin = `arn:aws:iam::${a}:user/erin`;

  const keysOfA = `arn:aws:kms:*:${a}:key/*`;
  const identities = [
    { key: "AKIAAUTHZADMIN000001", arn: admin, account: a },
    {
      key: "AKIAAUTHZALICE000001",
      arn: alice,
      account: a,
      policies: [
        {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["kms:Encrypt", "kms:DescribeKey"], Resource: keysOfA },
          ],
        },
      ],
    },
    { key: "AKIAAUTHZBOB00000001", arn: bob, account: a, policies: [] },
    { key: "AKIAAUTHZOPS00000001", arn: session, account: a, policies: [] },
    { key: "AKIAAUTHZROOTB000001", arn: rootB, account: b },
    {
      key: "AKIAAUTHZCAROL000001",
      arn: carol,
      account: b,
      policies: [
        {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "kms:*", Resource: keysOfA },
            { Effect: "Deny", Action: "kms:Decrypt", Resource: "*" },
          ],
        },
      ],
    },
    { key: "AKIAAUTHZDAVE0000001", arn: dave, account: b, policies: [] },
    {
      key: "AKIAAUTHZERIN0000001",
      arn: erin,
      account: a,
      policies: [
        {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"],
              Resource: [`arn:aws:kms:*:${a}:alias/\${aws:username}-*`, keysOfA],
            },
          ],
        },
      ],
    },
  ];

  let dir: string;
  let trent: TestTrent;
  const clients = new Map<string, KMSClient>();
  const as = (arn: string) => clients.get(arn) as KMSClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "trent-authz-"));
    const lines = ["identities:"];
    for (const identity of identities) {
      lines.push(
        `  - accessKeyId: ${identity.key}`,
        `    secretAccessKey: ${identity.key.toLowerCase()}-secret`,
        `    accountId: "${identity.account}"`,
        `    arn: ${identity.arn}`,
      );
      if (identity.policies) lines.push(`    policies: ${JSON.stringify(identity.policies)}`);
    }
    writeFileSync(join(dir, "credentials.yaml"), `${lines.join("\n")}\n`, { mode: 0o600 });
    trent = await startTestTrent({
      authMode: "sigv4",
      credentialsFile: join(dir, "credentials.yaml"),
    });
    for (const identity of identities)
      clients.set(
        identity.arn,
        new KMSClient({
          endpoint: trent.url,
          region,
          credentials: {
            accessKeyId: identity.key,
            secretAccessKey: `${identity.key.toLowerCase()}-secret`,
          },
          maxAttempts: 1,
        }),
      );
  });
  after(async () => {
    for (const client of clients.values()) client.destroy();
    await trent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function adminKey(statements: Statement[] = []): Promise<{ arn: string; keyId: string }> {
    const out = await as(admin).send(
      new CreateKeyCommand(statements.length ? { Policy: policy(allowRoot, ...statements) } : {}),
    );
    return { arn: out.KeyMetadata?.Arn as string, keyId: out.KeyMetadata?.KeyId as string };
  }

  it("operations without a key need an identity policy allowing them on *", async () => {
    await rejectsWith(
      as(alice).send(new CreateKeyCommand({})),
      "AccessDeniedException",
      denied(alice, "CreateKey", "*", "noIdentityAllow"),
    );
    await rejectsWith(
      as(bob).send(new ListKeysCommand({})),
      "AccessDeniedException",
      denied(bob, "ListKeys", "*", "noIdentityAllow"),
    );
    await as(admin).send(new ListKeysCommand({}));
  });

  it("the default key policy leaves users of the account to their identity policies", async () => {
    const { arn } = await adminKey();
    await as(alice).send(new EncryptCommand({ KeyId: arn, Plaintext: plaintext }));
    await rejectsWith(
      as(alice).send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: "AES_256" })),
      "AccessDeniedException",
      denied(alice, "GenerateDataKey", arn, "noIdentityAllow"),
    );
    await rejectsWith(
      as(bob).send(new DescribeKeyCommand({ KeyId: arn })),
      "AccessDeniedException",
      denied(bob, "DescribeKey", arn, "noIdentityAllow"),
    );
  });

  it("a key policy naming a user, or a role for its sessions, needs no identity policy", async () => {
    const { arn } = await adminKey([
      { Effect: "Allow", Principal: { AWS: bob }, Action: "kms:DescribeKey", Resource: "*" },
      {
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${a}:role/Ops` },
        Action: ["kms:Encrypt", "kms:Decrypt"],
        Resource: "*",
      },
    ]);
    await as(bob).send(new DescribeKeyCommand({ KeyId: arn }));
    const encrypted = await as(session).send(
      new EncryptCommand({ KeyId: arn, Plaintext: plaintext }),
    );
    const decrypted = await as(session).send(
      new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }),
    );
    assert.deepEqual(decrypted.Plaintext, plaintext);
    await rejectsWith(
      as(session).send(new DescribeKeyCommand({ KeyId: arn })),
      "AccessDeniedException",
      denied(session, "DescribeKey", arn, "noIdentityAllow"),
    );
  });

  it("another account needs the key policy and its own identity policies", async () => {
    const { arn, keyId } = await adminKey();
    await rejectsWith(
      as(rootB).send(new DescribeKeyCommand({ KeyId: arn })),
      "AccessDeniedException",
      denied(rootB, "DescribeKey", arn, "noResourceAllow"),
    );
    await as(admin).send(
      new PutKeyPolicyCommand({
        KeyId: arn,
        PolicyName: "default",
        Policy: policy(allowRoot, {
          Effect: "Allow",
          Principal: { AWS: b },
          Action: ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:EnableKey"],
          Resource: "*",
        }),
      }),
    );
    const described = await as(rootB).send(new DescribeKeyCommand({ KeyId: arn }));
    assert.equal(described.KeyMetadata?.AWSAccountId, a);
    const encrypted = await as(carol).send(
      new EncryptCommand({ KeyId: arn, Plaintext: plaintext }),
    );
    await rejectsWith(
      as(dave).send(new EncryptCommand({ KeyId: arn, Plaintext: plaintext })),
      "AccessDeniedException",
      denied(dave, "Encrypt", arn, "noIdentityAllow"),
    );
    await rejectsWith(
      as(carol).send(new DecryptCommand({ KeyId: arn, CiphertextBlob: encrypted.CiphertextBlob })),
      "AccessDeniedException",
      denied(carol, "Decrypt", arn, "identityDeny"),
    );
    const decrypted = await as(rootB).send(
      new DecryptCommand({ KeyId: arn, CiphertextBlob: encrypted.CiphertextBlob }),
    );
    assert.deepEqual(decrypted.Plaintext, plaintext);
    // EnableKey cannot be used across accounts, whatever the key policy says.
    await rejectsWith(
      as(rootB).send(new EnableKeyCommand({ KeyId: arn })),
      "AccessDeniedException",
      denied(rootB, "EnableKey", arn, "noResourceAllow"),
    );
    // A key id or alias name is always looked up in the caller's own account.
    await rejectsWith(
      as(rootB).send(new DescribeKeyCommand({ KeyId: keyId })),
      "NotFoundException",
      `Key 'arn:aws:kms:${region}:${b}:key/${keyId}' does not exist`,
    );
    await as(admin).send(new CreateAliasCommand({ AliasName: "alias/shared", TargetKeyId: arn }));
    await rejectsWith(
      as(rootB).send(new DescribeKeyCommand({ KeyId: "alias/shared" })),
      "NotFoundException",
      `Alias arn:aws:kms:${region}:${b}:alias/shared is not found.`,
    );
    const byAliasArn = await as(rootB).send(
      new DescribeKeyCommand({ KeyId: `arn:aws:kms:${region}:${a}:alias/shared` }),
    );
    assert.equal(byAliasArn.KeyMetadata?.Arn, arn);
  });

  it("alias operations need their permission on the alias and on each key", async () => {
    const { arn: first } = await adminKey();
    const { arn: second } = await adminKey([
      { Effect: "Deny", Principal: { AWS: erin }, Action: "kms:UpdateAlias", Resource: "*" },
    ]);
    const { arn: third } = await adminKey([
      { Effect: "Deny", Principal: { AWS: erin }, Action: "kms:DeleteAlias", Resource: "*" },
    ]);
    await rejectsWith(
      as(erin).send(new CreateAliasCommand({ AliasName: "alias/other-app", TargetKeyId: first })),
      "AccessDeniedException",
      denied(erin, "CreateAlias", `arn:aws:kms:${region}:${a}:alias/other-app`, "noIdentityAllow"),
    );
    await as(erin).send(
      new CreateAliasCommand({ AliasName: "alias/erin-app", TargetKeyId: first }),
    );
    await rejectsWith(
      as(alice).send(new UpdateAliasCommand({ AliasName: "alias/erin-app", TargetKeyId: first })),
      "AccessDeniedException",
      denied(alice, "UpdateAlias", `arn:aws:kms:${region}:${a}:alias/erin-app`, "noIdentityAllow"),
    );
    await rejectsWith(
      as(erin).send(new UpdateAliasCommand({ AliasName: "alias/erin-app", TargetKeyId: second })),
      "AccessDeniedException",
      denied(erin, "UpdateAlias", second, "resourceDeny"),
    );
    await as(erin).send(
      new UpdateAliasCommand({ AliasName: "alias/erin-app", TargetKeyId: third }),
    );
    await rejectsWith(
      as(erin).send(new DeleteAliasCommand({ AliasName: "alias/erin-app" })),
      "AccessDeniedException",
      denied(erin, "DeleteAlias", third, "resourceDeny"),
    );
    await rejectsWith(
      as(bob).send(new CreateAliasCommand({ AliasName: "alias/bob-app", TargetKeyId: first })),
      "AccessDeniedException",
      denied(bob, "CreateAlias", `arn:aws:kms:${region}:${a}:alias/bob-app`, "noIdentityAllow"),
    );
  });

  it("the lockout check holds a non-root caller to its own access", async () => {
    const { arn } = await adminKey([
      { Effect: "Allow", Principal: { AWS: bob }, Action: "kms:PutKeyPolicy", Resource: "*" },
    ]);
    await rejectsWith(
      as(bob).send(
        new PutKeyPolicyCommand({ KeyId: arn, PolicyName: "default", Policy: policy(allowRoot) }),
      ),
      "MalformedPolicyDocumentException",
      "The new key policy will not allow you to update the key policy in the future.",
    );
    await as(bob).send(
      new PutKeyPolicyCommand({
        KeyId: arn,
        PolicyName: "default",
        Policy: policy(allowRoot, {
          Effect: "Allow",
          Principal: { AWS: bob },
          Action: "kms:Put*",
          Resource: "*",
        }),
      }),
    );
  });
});
