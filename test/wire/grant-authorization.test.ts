/**
 * Grants authorizing real requests, through the AWS SDK in sigv4 mode. Alice and Bob are IAM
 * users without identity policies, so the default key policy (which delegates to the account's
 * IAM policies) allows them nothing; only grants can. The admin has no policy list, so it
 * administers the account and manages the keys and grants.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateGrantCommand,
  type CreateGrantCommandInput,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  ListRetirableGrantsCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
} from "@aws-sdk/client-kms";
import { rejectsWith } from "../support/kms-errors.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const account = "111122223333";
const region = "us-east-1";
const admin = `arn:aws:iam::${account}:user/admin`;
const alice = `arn:aws:iam::${account}:user/alice`;
const bob = `arn:aws:iam::${account}:user/bob`;
const plaintext = new TextEncoder().encode("grant me");

const identities = [
  { accessKeyId: "AKIAGRANTADMIN000001", secret: "admin-secret-admin-secret", arn: admin },
  { accessKeyId: "AKIAGRANTALICE000001", secret: "alice-secret-alice-secret", arn: alice },
  { accessKeyId: "AKIAGRANTBOB00000001", secret: "bob-secret-bob-secret-bob", arn: bob },
];

function credentialsYaml(): string {
  const lines = ["identities:"];
  for (const { accessKeyId, secret, arn } of identities) {
    lines.push(
      `  - accessKeyId: ${accessKeyId}`,
      `    secretAccessKey: ${secret}`,
      `    accountId: "${account}"`,
      `    arn: ${arn}`,
    );
    if (arn !== admin) lines.push("    policies: []");
  }
  return `${lines.join("\n")}\n`;
}

function denied(who: string, action: string, keyArn: string): RegExp {
  const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(
    `^User: ${escaped(who)} is not authorized to perform: kms:${action} on resource: ${escaped(keyArn)}( |$)`,
  );
}

describe("grant authorization (sigv4)", () => {
  let dir: string;
  // The server's clock runs with real time (signatures are checked against it), shifted on demand.
  let shiftMs = 0;
  const started: TestTrent[] = [];
  const clients: KMSClient[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "trent-grants-"));
    writeFileSync(join(dir, "credentials.yaml"), credentialsYaml(), { mode: 0o600 });
  });
  after(async () => {
    for (const client of clients) client.destroy();
    for (const trent of started) await trent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(grantPropagationDelayMs = 0) {
    const trent = await startTestTrent(
      {
        authMode: "sigv4",
        credentialsFile: join(dir, "credentials.yaml"),
        grantPropagationDelayMs,
      },
      { clock: { now: () => new Date(Date.now() + shiftMs) } },
    );
    started.push(trent);
    const as = (arn: string) => {
      const identity = identities.find((i) => i.arn === arn);
      assert.ok(identity);
      const client = new KMSClient({
        endpoint: trent.url,
        region,
        credentials: { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secret },
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    };
    return { trent, asAdmin: as(admin), asAlice: as(alice), asBob: as(bob) };
  }

  async function newKey(client: KMSClient): Promise<string> {
    const out = await client.send(new CreateKeyCommand({}));
    assert.ok(out.KeyMetadata?.Arn);
    return out.KeyMetadata.Arn;
  }

  async function grant(client: KMSClient, input: CreateGrantCommandInput) {
    const out = await client.send(new CreateGrantCommand(input));
    assert.ok(out.GrantId && out.GrantToken);
    return { grantId: out.GrantId, token: out.GrantToken };
  }

  it("lets a grant allow its grantee exactly its operations, under its constraint", async () => {
    const { asAdmin, asAlice, asBob } = await start();
    const keyArn = await newKey(asAdmin);
    const context = { purpose: "test", team: "blue" };

    await rejectsWith(
      asAlice.send(
        new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext, EncryptionContext: context }),
      ),
      "AccessDeniedException",
      denied(alice, "Encrypt", keyArn),
    );

    await grant(asAdmin, {
      KeyId: keyArn,
      GranteePrincipal: alice,
      Operations: ["Encrypt", "Decrypt"],
      Constraints: { EncryptionContextSubset: { Purpose: "test" } },
    });
    const encrypted = await asAlice.send(
      new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext, EncryptionContext: context }),
    );
    const decrypted = await asAlice.send(
      new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: context }),
    );
    assert.deepEqual(decrypted.Plaintext, plaintext);

    // The constraint's value is case-sensitive, and it must be present.
    await rejectsWith(
      asAlice.send(
        new EncryptCommand({
          KeyId: keyArn,
          Plaintext: plaintext,
          EncryptionContext: { purpose: "TEST" },
        }),
      ),
      "AccessDeniedException",
      denied(alice, "Encrypt", keyArn),
    );
    await rejectsWith(
      asAlice.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext })),
      "AccessDeniedException",
      denied(alice, "Encrypt", keyArn),
    );
    // Operations the grant does not list, and callers it does not name, get nothing.
    await rejectsWith(
      asAlice.send(new DescribeKeyCommand({ KeyId: keyArn })),
      "AccessDeniedException",
      denied(alice, "DescribeKey", keyArn),
    );
    await rejectsWith(
      asBob.send(
        new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext, EncryptionContext: context }),
      ),
      "AccessDeniedException",
      denied(bob, "Encrypt", keyArn),
    );
  });

  it("stops a retired or revoked grant from authorizing at once, its token included", async () => {
    const { asAdmin, asAlice } = await start();
    const keyArn = await newKey(asAdmin);
    const retired = await grant(asAdmin, {
      KeyId: keyArn,
      GranteePrincipal: alice,
      RetiringPrincipal: alice,
      Operations: ["DescribeKey"],
    });
    await asAlice.send(new DescribeKeyCommand({ KeyId: keyArn }));
    await asAlice.send(new RetireGrantCommand({ GrantToken: retired.token }));
    await rejectsWith(
      asAlice.send(new DescribeKeyCommand({ KeyId: keyArn, GrantTokens: [retired.token] })),
      "AccessDeniedException",
      denied(alice, "DescribeKey", keyArn),
    );

    const revoked = await grant(asAdmin, {
      KeyId: keyArn,
      GranteePrincipal: alice,
      Operations: ["DescribeKey"],
    });
    await asAlice.send(new DescribeKeyCommand({ KeyId: keyArn }));
    await asAdmin.send(new RevokeGrantCommand({ KeyId: keyArn, GrantId: revoked.grantId }));
    await rejectsWith(
      asAlice.send(new DescribeKeyCommand({ KeyId: keyArn, GrantTokens: [revoked.token] })),
      "AccessDeniedException",
      denied(alice, "DescribeKey", keyArn),
    );
  });

  it("decides who may retire a grant by the grant", async () => {
    const { asAdmin, asAlice, asBob } = await start();
    const keyArn = await newKey(asAdmin);
    // Alice is the grantee but the grant does not allow RetireGrant; Bob is nobody to it.
    const plain = await grant(asAdmin, {
      KeyId: keyArn,
      GranteePrincipal: alice,
      Operations: ["Decrypt"],
    });
    await rejectsWith(
      asAlice.send(new RetireGrantCommand({ GrantToken: plain.token })),
      "AccessDeniedException",
      denied(alice, "RetireGrant", keyArn),
    );
    await rejectsWith(
      asBob.send(new RetireGrantCommand({ KeyId: keyArn, GrantId: plain.grantId })),
      "AccessDeniedException",
      denied(bob, "RetireGrant", keyArn),
    );
    // The grantee may when the grant allows RetireGrant; the retiring principal always may.
    const selfRetiring = await grant(asAdmin, {
      KeyId: keyArn,
      GranteePrincipal: alice,
      Operations: ["Decrypt", "RetireGrant"],
    });
    await asAlice.send(new RetireGrantCommand({ KeyId: keyArn, GrantId: selfRetiring.grantId }));
    const forBob = await grant(asAdmin, {
      KeyId: keyArn,
      GranteePrincipal: alice,
      RetiringPrincipal: bob,
      Operations: ["Decrypt"],
    });
    // ListRetirableGrants is an IAM permission: Bob has none, the admin of his account has.
    await rejectsWith(
      asBob.send(new ListRetirableGrantsCommand({ RetiringPrincipal: bob })),
      "AccessDeniedException",
      `User: ${bob} is not authorized to perform: kms:ListRetirableGrants on resource: ${bob} because no identity-based policy allows the kms:ListRetirableGrants action`,
    );
    const retirable = await asAdmin.send(
      new ListRetirableGrantsCommand({ RetiringPrincipal: bob }),
    );
    assert.deepEqual(
      retirable.Grants?.map((g) => g.GrantId),
      [forBob.grantId],
    );
    await asBob.send(new RetireGrantCommand({ GrantToken: forBob.token }));
    // The issuing account retires through principals its IAM policies allow: the admin.
    await asAdmin.send(new RetireGrantCommand({ KeyId: keyArn, GrantId: plain.grantId }));
  });

  it("lets a grant's CreateGrant permission create only narrower grants", async () => {
    const { asAdmin, asAlice, asBob } = await start();
    const keyArn = await newKey(asAdmin);
    await grant(asAdmin, {
      KeyId: keyArn,
      GranteePrincipal: alice,
      Operations: ["CreateGrant", "Encrypt", "Decrypt"],
    });
    const child = await grant(asAlice, {
      KeyId: keyArn,
      GranteePrincipal: bob,
      Operations: ["Encrypt"],
    });
    assert.ok(child.grantId);
    await asBob.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext }));
    await rejectsWith(
      asAlice.send(
        new CreateGrantCommand({
          KeyId: keyArn,
          GranteePrincipal: bob,
          Operations: ["DescribeKey"],
        }),
      ),
      "AccessDeniedException",
      denied(alice, "CreateGrant", keyArn),
    );
  });

  it("rejects a forged grant token with InvalidGrantTokenException", async () => {
    const { asAdmin, asAlice } = await start();
    const keyArn = await newKey(asAdmin);
    const { token } = await grant(asAdmin, {
      KeyId: keyArn,
      GranteePrincipal: alice,
      Operations: ["DescribeKey"],
    });
    const bytes = Buffer.from(token, "base64url");
    bytes[5] = (bytes[5] as number) ^ 0xff;
    await rejectsWith(
      asAlice.send(
        new DescribeKeyCommand({ KeyId: keyArn, GrantTokens: [bytes.toString("base64url")] }),
      ),
      "InvalidGrantTokenException",
      "Invalid grant token.",
    );
  });

  it("needs the grant token until the propagation delay has passed", async () => {
    const { asAdmin, asAlice } = await start(60_000);
    const keyArn = await newKey(asAdmin);
    const { token } = await grant(asAdmin, {
      KeyId: keyArn,
      GranteePrincipal: alice,
      Operations: ["GenerateDataKey", "Decrypt"],
    });
    const dataKey = (tokens?: string[]) =>
      asAlice.send(
        new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: "AES_256", GrantTokens: tokens }),
      );
    await rejectsWith(dataKey(), "AccessDeniedException", denied(alice, "GenerateDataKey", keyArn));
    const withToken = await dataKey([token]);
    assert.equal(withToken.Plaintext?.length, 32);
    shiftMs += 60_000;
    const propagated = await dataKey();
    assert.equal(propagated.Plaintext?.length, 32);
  });
});
