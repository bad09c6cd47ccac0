/**
 * The authorization decision with constructed callers (users, roles, other accounts, identity
 * policies), on keys and grants written straight into an in-memory store.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  authorizeKey,
  authorizeRequest,
  decideKeyAccess,
} from "../../src/domain/policy/authorize.js";
import { defaultKeyPolicy } from "../../src/domain/policy/default-policy.js";
import { assertPolicyKeepsCallerAccess } from "../../src/domain/policy/lockout.js";
import { newRequestContext, type RequestContext } from "../../src/domain/request-context.js";
import type { GrantRecord } from "../../src/vocabulary/grant-records.js";
import type { KeyRecord } from "../../src/vocabulary/key-records.js";
import { isKmsError } from "../../src/vocabulary/kms-errors.js";
import type { OperationName } from "../../src/vocabulary/model.generated.js";
import type { Caller, IdentityPolicies, KmsRequest } from "../../src/vocabulary/request.js";
import { startTestTrent, type TestTrent } from "../support/trent.js";

const a = "111122223333";
const b = "444455556666";
const region = "us-east-1";
const rootA = `arn:aws:iam::${a}:root`;
const alice = `arn:aws:iam::${a}:user/alice`;
const bobSession = `arn:aws:sts::${a}:assumed-role/Ops/bob`;
const rootB = `arn:aws:iam::${b}:root`;
const carol = `arn:aws:iam::${b}:user/carol`;

let counter = 0;
function keyRecord(policy: string, accountId = a): KeyRecord {
  counter += 1;
  const keyId = `00000000-0000-4000-8000-${String(counter).padStart(12, "0")}`;
  return {
    arn: `arn:aws:kms:${region}:${accountId}:key/${keyId}`,
    keyId,
    accountId,
    region,
    creationDate: new Date(0),
    description: "",
    keyUsage: "ENCRYPT_DECRYPT",
    keySpec: "SYMMETRIC_DEFAULT",
    origin: "AWS_KMS",
    keyManager: "CUSTOMER",
    keyState: "Enabled",
    deletionDate: undefined,
    pendingDeletionWindowInDays: undefined,
    multiRegion: false,
    multiRegionKeyType: undefined,
    customKeyStoreId: undefined,
    policy,
    currentKeyMaterialId: undefined,
  };
}

function policy(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

const allowAll = (principal: unknown) => ({
  Effect: "Allow",
  Principal: principal,
  Action: "kms:*",
  Resource: "*",
});

function allowIdentity(actions: string | string[], resource = "*"): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: actions, Resource: resource }],
  };
}

describe("authorization decisions", () => {
  let trent: TestTrent;
  before(async () => {
    trent = await startTestTrent();
  });
  after(() => trent.close());

  function context(
    principalArn: string,
    identityPolicies: IdentityPolicies,
    operation: OperationName,
    input: Record<string, unknown> = {},
  ): RequestContext {
    const accountId = /::(\d{12}):/.exec(principalArn)?.[1] ?? a;
    const caller: Caller = {
      accountId,
      region,
      principalArn,
      accessKeyId: "AKIDEXAMPLE",
      temporaryCredentials: false,
      identityPolicies,
      sourceIp: "192.0.2.1",
      userAgent: "test",
    };
    return newRequestContext(trent.services, {
      requestId: "r",
      caller,
      now: new Date("2024-05-01T00:00:00Z"),
      request: { operation, input } as KmsRequest,
    });
  }

  async function refusal(ctx: RequestContext, key: KeyRecord, crossAccount = true) {
    return decideKeyAccess(ctx, key, { action: ctx.operation, crossAccount, grants: new Set() });
  }

  it("the default policy: the root and administrators are allowed, others need identity policies", async () => {
    const key = keyRecord(defaultKeyPolicy(region, a));
    assert.equal(await refusal(context(rootA, "administrator", "Encrypt"), key), undefined);
    assert.equal(await refusal(context(alice, "administrator", "Encrypt"), key), undefined);
    assert.equal(await refusal(context(alice, [], "Encrypt"), key), "noIdentityAllow");
    const encryptOnly = [allowIdentity("kms:Encrypt", `arn:aws:kms:*:${a}:key/*`)];
    assert.equal(await refusal(context(alice, encryptOnly, "Encrypt"), key), undefined);
    assert.equal(await refusal(context(alice, encryptOnly, "Decrypt"), key), "noIdentityAllow");
  });

  it("a key policy naming the principal allows without identity policies", async () => {
    const key = keyRecord(
      policy(allowAll({ AWS: alice }), allowAll({ AWS: `arn:aws:iam::${a}:role/Ops` })),
    );
    assert.equal(await refusal(context(alice, [], "Sign"), key), undefined);
    assert.equal(await refusal(context(bobSession, [], "Sign"), key), undefined);
    assert.equal(
      await refusal(context(`arn:aws:iam::${a}:user/mallory`, "administrator", "Sign"), key),
      "noResourceAllow",
      "without a statement for the account, IAM policies do not count",
    );
  });

  it("explicit denies win, in the key policy first, then in identity policies", async () => {
    const key = keyRecord(
      policy(allowAll({ AWS: alice }), {
        Effect: "Deny",
        Principal: "*",
        Action: "kms:Decrypt",
        Resource: "*",
      }),
    );
    assert.equal(await refusal(context(alice, "administrator", "Decrypt"), key), "resourceDeny");
    const denyEncrypt = { Statement: [{ Effect: "Deny", Action: "kms:Encrypt", Resource: "*" }] };
    assert.equal(await refusal(context(alice, [denyEncrypt], "Encrypt"), key), "identityDeny");
  });

  it("across accounts, the key policy and the caller's identity policies must both allow", async () => {
    const own = keyRecord(defaultKeyPolicy(region, a));
    assert.equal(await refusal(context(rootB, "administrator", "Encrypt"), own), "noResourceAllow");
    const shared = keyRecord(policy(allowAll({ AWS: rootA }), allowAll({ AWS: b })));
    assert.equal(await refusal(context(rootB, "administrator", "Encrypt"), shared), undefined);
    assert.equal(await refusal(context(carol, [], "Encrypt"), shared), "noIdentityAllow");
    assert.equal(
      await refusal(context(carol, [allowIdentity("kms:Encrypt", shared.arn)], "Encrypt"), shared),
      undefined,
    );
    const namesCarol = keyRecord(policy(allowAll({ AWS: rootA }), allowAll({ AWS: carol })));
    assert.equal(
      await refusal(context(carol, [], "Encrypt"), namesCarol),
      "noIdentityAllow",
      "naming a principal of another account is not enough on its own",
    );
    assert.equal(
      await refusal(context(rootB, "administrator", "EnableKey"), shared, false),
      "noResourceAllow",
      "operations without cross-account use are refused",
    );
  });

  it("a grant allows what the policies do not, but not against an explicit deny", async () => {
    const key = keyRecord(
      policy(allowAll({ AWS: rootA }), {
        Effect: "Deny",
        Principal: { AWS: alice },
        Action: "kms:Decrypt",
        Resource: "*",
      }),
    );
    await trent.services.store.keys.insert(key);
    const grant: GrantRecord = {
      grantId: "a".repeat(64),
      keyArn: key.arn,
      region,
      name: undefined,
      creationDate: new Date(0),
      granteePrincipal: alice,
      retiringPrincipal: undefined,
      issuingAccount: rootA,
      operations: ["Encrypt", "Decrypt"],
      constraints: undefined,
    };
    await trent.services.store.grants.insert(grant);
    assert.equal(await refusal(context(alice, [], "Encrypt"), key), undefined);
    assert.equal(await refusal(context(alice, [], "Decrypt"), key), "resourceDeny");
    assert.equal(await refusal(context(alice, [], "Sign"), key), "noIdentityAllow");
  });

  it("reads aliases and tags only for policies that use them", async () => {
    const key = keyRecord(
      policy(allowAll({ AWS: rootA }), {
        Effect: "Allow",
        Principal: { AWS: alice },
        Action: "kms:Encrypt",
        Resource: "*",
        Condition: {
          "ForAnyValue:StringEquals": { "kms:ResourceAliases": "alias/payments" },
          StringEquals: { "aws:ResourceTag/team": "billing" },
        },
      }),
    );
    await trent.services.store.keys.insert(key);
    const ctx = () => context(alice, [], "Encrypt");
    assert.equal(await refusal(ctx(), key), "noIdentityAllow");
    const now = new Date();
    await trent.services.store.aliases.insert({
      accountId: a,
      region,
      aliasName: "alias/payments",
      targetKeyId: key.keyId,
      creationDate: now,
      lastUpdatedDate: now,
    });
    assert.equal(await refusal(ctx(), key), "noIdentityAllow");
    await trent.services.store.tags.put(key.arn, [{ key: "team", value: "billing" }]);
    assert.equal(await refusal(ctx(), key), undefined);
  });

  it("ReEncrypt checks ReEncryptFrom on the source and ReEncryptTo on the destination", async () => {
    const key = keyRecord(
      policy(allowAll({ AWS: rootA }), {
        Effect: "Allow",
        Principal: { AWS: alice },
        Action: "kms:ReEncryptFrom",
        Resource: "*",
      }),
    );
    const input = { SourceKeyId: key.keyId, DestinationKeyId: "alias/other" };
    const ctx = context(alice, [], "ReEncrypt", input);
    await authorizeKey(ctx, key, "ReEncrypt", { action: "ReEncryptFrom" });
    const error = await authorizeKey(ctx, key, "ReEncrypt", { action: "ReEncryptTo" }).catch(
      (e: unknown) => e,
    );
    assert.ok(isKmsError(error));
    assert.equal(
      error.message,
      `User: ${alice} is not authorized to perform: kms:ReEncryptTo on resource: ${key.arn} because no identity-based policy allows the kms:ReEncryptTo action`,
    );
  });

  it("words each refusal as AWS does", async () => {
    const key = keyRecord(
      policy(allowAll({ AWS: rootA }), {
        Effect: "Deny",
        Principal: "*",
        Action: "kms:GenerateDataKeyPair",
        Resource: "*",
      }),
    );
    const messageOf = async (ctx: RequestContext) => {
      const error = await authorizeKey(ctx, key, ctx.operation).catch((e: unknown) => e);
      assert.ok(isKmsError(error));
      assert.equal(error.type, "AccessDeniedException");
      assert.equal(error.status, 400);
      return error.message;
    };
    assert.equal(
      await messageOf(context(rootA, "administrator", "GenerateDataKeyPair")),
      `User: ${rootA} is not authorized to perform: kms:GenerateDataKeyPair on resource: ${key.arn} with an explicit deny in a resource-based policy`,
    );
    assert.equal(
      await messageOf(context(alice, [], "DescribeKey")),
      `User: ${alice} is not authorized to perform: kms:DescribeKey on resource: ${key.arn} because no identity-based policy allows the kms:DescribeKey action`,
    );
    assert.equal(
      await messageOf(context(rootB, "administrator", "DescribeKey")),
      `User: ${rootB} is not authorized to perform: kms:DescribeKey on resource: ${key.arn} because no resource-based policy allows the kms:DescribeKey action`,
    );
    const denyDescribe = { Statement: { Effect: "Deny", Action: "kms:Describe*", Resource: "*" } };
    assert.equal(
      await messageOf(context(alice, [denyDescribe], "DescribeKey")),
      `User: ${alice} is not authorized to perform: kms:DescribeKey on resource: ${key.arn} with an explicit deny in an identity-based policy`,
    );
  });

  it("operations without a key are decided by identity policies on *", () => {
    authorizeRequest(context(rootA, "administrator", "CreateKey"));
    authorizeRequest(context(alice, [allowIdentity("kms:CreateKey")], "CreateKey"));
    assert.throws(() => authorizeRequest(context(alice, [], "ListKeys")), {
      name: "AccessDeniedException",
      message: `User: ${alice} is not authorized to perform: kms:ListKeys on resource: * because no identity-based policy allows the kms:ListKeys action`,
    });
    const keyScoped = [allowIdentity("kms:GenerateRandom", `arn:aws:kms:*:${a}:key/*`)];
    assert.throws(() => authorizeRequest(context(alice, keyScoped, "GenerateRandom")), {
      name: "AccessDeniedException",
    });
    assert.throws(
      () =>
        authorizeRequest(
          context(alice, [allowIdentity("kms:CreateKey")], "CreateKey", {
            Tags: [{ TagKey: "a", TagValue: "b" }],
          }),
        ),
      { message: /kms:TagResource on resource: \*/ },
      "CreateKey with Tags also needs kms:TagResource",
    );
  });

  it("ListRetirableGrants is authorized on the retiring principal it names", () => {
    const own = [allowIdentity("kms:ListRetirableGrants", alice)];
    authorizeRequest(context(alice, own, "ListRetirableGrants", { RetiringPrincipal: alice }));
    assert.throws(
      () =>
        authorizeRequest(context(alice, own, "ListRetirableGrants", { RetiringPrincipal: rootA })),
      { message: new RegExp(`kms:ListRetirableGrants on resource: ${rootA} because`) },
    );
  });

  it("alias operations need their permission on the alias ARN", () => {
    const own = [allowIdentity("kms:CreateAlias", `arn:aws:kms:${region}:${a}:alias/alice-*`)];
    authorizeRequest(context(alice, own, "CreateAlias", { AliasName: "alias/alice-app" }));
    assert.throws(
      () => authorizeRequest(context(alice, own, "CreateAlias", { AliasName: "alias/bob-app" })),
      {
        message: `User: ${alice} is not authorized to perform: kms:CreateAlias on resource: arn:aws:kms:${region}:${a}:alias/bob-app because no identity-based policy allows the kms:CreateAlias action`,
      },
    );
    authorizeRequest(context(alice, [], "DescribeKey"));
  });

  it("the lockout check: the caller must keep kms:PutKeyPolicy under the new policy", async () => {
    const key = keyRecord(defaultKeyPolicy(region, a));
    const check = (ctx: RequestContext, text: string) =>
      assertPolicyKeepsCallerAccess(ctx, key, text);
    await check(context(rootA, "administrator", "PutKeyPolicy"), policy(allowAll({ AWS: rootA })));
    await check(context(alice, [], "PutKeyPolicy"), policy(allowAll({ AWS: alice })));
    await check(
      context(alice, [allowIdentity("kms:PutKeyPolicy")], "PutKeyPolicy"),
      policy(allowAll({ AWS: a })),
    );
    const lockedOut = {
      name: "MalformedPolicyDocumentException",
      message: "The new key policy will not allow you to update the key policy in the future.",
    };
    await assert.rejects(
      check(context(alice, [], "PutKeyPolicy"), policy(allowAll({ AWS: rootA }))),
      lockedOut,
    );
    await assert.rejects(
      check(
        context(rootA, "administrator", "PutKeyPolicy"),
        policy(allowAll({ AWS: rootA }), {
          Effect: "Deny",
          Principal: "*",
          Action: "kms:PutKeyPolicy",
          Resource: "*",
        }),
      ),
      lockedOut,
    );
    await check(
      context(alice, [], "PutKeyPolicy", { BypassPolicyLockoutSafetyCheck: true }),
      policy(allowAll({ AWS: rootA })),
    );
  });
});
