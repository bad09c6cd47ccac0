/**
 * findAuthorizingGrant with constructed request contexts: which grant allows which caller to do
 * what (grantee matching, operations, encryption context constraints with case-insensitive
 * keys, ReEncrypt's two halves, CreateGrant's narrowing rule), the grant propagation delay that
 * only a grant token skips, and forged tokens.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { findAuthorizingGrant, type GrantAction } from "../../src/domain/grants.js";
import { PolicyCache } from "../../src/domain/policy/evaluate.js";
import { newRequestContext, type RequestContext } from "../../src/domain/request-context.js";
import type { Services } from "../../src/domain/services.js";
import { deriveGrantTokenKey, mintGrantToken } from "../../src/platform/crypto/grant-token.js";
import { createSystemRandom } from "../../src/platform/crypto/random.js";
import { openSqliteStore } from "../../src/platform/store/sqlite.js";
import type { Store } from "../../src/platform/store/store.js";
import { withDefaults } from "../../src/vocabulary/config.js";
import type { GrantRecord } from "../../src/vocabulary/grant-records.js";
import type { KeyRecord } from "../../src/vocabulary/key-records.js";
import { isKmsError } from "../../src/vocabulary/kms-errors.js";
import type { OperationName } from "../../src/vocabulary/model.generated.js";
import type { Caller, KmsRequest } from "../../src/vocabulary/request.js";

const account = "111122223333";
const region = "us-east-1";
const keyArn = `arn:aws:kms:${region}:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const alice = `arn:aws:iam::${account}:user/alice`;
const bob = `arn:aws:iam::${account}:user/bob`;
const outsider = "arn:aws:iam::444455556666:user/mallory";
const created = new Date("2026-01-01T00:00:00.000Z");
const tokenKey = deriveGrantTokenKey(new Uint8Array(32).fill(7));

const key = {
  arn: keyArn,
  keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
  accountId: account,
  region,
  keySpec: "SYMMETRIC_DEFAULT",
  keyUsage: "ENCRYPT_DECRYPT",
} as KeyRecord;

function caller(principalArn: string): Caller {
  const accountId = /::(\d{12}):/.exec(principalArn)?.[1] ?? account;
  return {
    accountId,
    region,
    principalArn,
    accessKeyId: undefined,
    sourceIp: "127.0.0.1",
    userAgent: "test",
  } as Caller;
}

let counter = 0;
function grantId(): string {
  counter += 1;
  return counter.toString(16).padStart(64, "0");
}

describe("findAuthorizingGrant", () => {
  let store: Store;

  before(async () => {
    store = await openSqliteStore(":memory:");
  });
  after(() => store.close());

  function context(
    who: string,
    input: Record<string, unknown> = {},
    options: { now?: Date; delayMs?: number; operation?: OperationName } = {},
  ): RequestContext {
    const services = {
      config: withDefaults({ grantPropagationDelayMs: options.delayMs ?? 0 }),
      store,
      random: createSystemRandom(),
      grantTokenKey: tokenKey,
      policies: new PolicyCache(),
    } as unknown as Services;
    return newRequestContext(services, {
      requestId: "test",
      caller: caller(who),
      now: options.now ?? new Date(created.getTime() + 1000),
      request: { operation: options.operation ?? "Decrypt", input } as KmsRequest,
    });
  }

  async function addGrant(fields: Partial<GrantRecord>): Promise<GrantRecord> {
    const grant: GrantRecord = {
      grantId: grantId(),
      keyArn,
      region,
      name: undefined,
      creationDate: created,
      granteePrincipal: alice,
      retiringPrincipal: undefined,
      issuingAccount: `arn:aws:iam::${account}:root`,
      operations: ["Decrypt"],
      constraints: undefined,
      ...fields,
    };
    await store.grants.insert(grant);
    return grant;
  }

  async function allowed(ctx: RequestContext, action: GrantAction): Promise<string | undefined> {
    return (await findAuthorizingGrant(ctx, key, action, ctx.grantTokens.grantIds()))?.grantId;
  }

  it("allows the grantee exactly the listed operations", async () => {
    await store.reset();
    const grant = await addGrant({ operations: ["Decrypt", "DescribeKey"] });
    assert.equal(await allowed(context(alice), "Decrypt"), grant.grantId);
    assert.equal(await allowed(context(alice), "DescribeKey"), grant.grantId);
    assert.equal(await allowed(context(alice), "Encrypt"), undefined);
    assert.equal(await allowed(context(alice), "ScheduleKeyDeletion"), undefined);
    assert.equal(await allowed(context(bob), "Decrypt"), undefined);
    // A grant on another key allows nothing on this one.
    assert.equal(
      await findAuthorizingGrant(
        context(alice),
        { ...key, arn: `${keyArn}0` },
        "Decrypt",
        new Set(),
      ),
      undefined,
    );
  });

  it("lets an account-wide grantee cover the account's principals, and a role its sessions", async () => {
    await store.reset();
    const forAccount = await addGrant({
      granteePrincipal: `arn:aws:iam::${account}:root`,
      operations: ["Encrypt"],
    });
    const forRole = await addGrant({
      granteePrincipal: `arn:aws:iam::${account}:role/worker`,
      operations: ["GenerateDataKey"],
    });
    assert.equal(await allowed(context(bob), "Encrypt"), forAccount.grantId);
    assert.equal(await allowed(context(outsider), "Encrypt"), undefined);
    const session = `arn:aws:sts::${account}:assumed-role/worker/session-1`;
    assert.equal(await allowed(context(session), "GenerateDataKey"), forRole.grantId);
    assert.equal(await allowed(context(bob), "GenerateDataKey"), undefined);
  });

  it("applies EncryptionContextSubset with keys compared case-insensitively and values exactly", async () => {
    await store.reset();
    const grant = await addGrant({
      operations: ["Decrypt", "DescribeKey"],
      constraints: { encryptionContextSubset: { Department: "IT", Purpose: "Test" } },
    });
    const decrypt = (context_: Record<string, string> | undefined) =>
      allowed(context(alice, { EncryptionContext: context_ }), "Decrypt");
    assert.equal(await decrypt({ Department: "IT", Purpose: "Test" }), grant.grantId);
    assert.equal(await decrypt({ purpose: "Test", DEPARTMENT: "IT", extra: "x" }), grant.grantId);
    assert.equal(await decrypt({ Department: "it", Purpose: "Test" }), undefined);
    assert.equal(await decrypt({ Department: "IT" }), undefined);
    assert.equal(await decrypt(undefined), undefined);
    // Constraints do not apply to DescribeKey.
    assert.equal(await allowed(context(alice), "DescribeKey"), grant.grantId);
  });

  it("applies EncryptionContextEquals to the whole context", async () => {
    await store.reset();
    const grant = await addGrant({
      operations: ["Encrypt"],
      constraints: { encryptionContextEquals: { Department: "IT" } },
    });
    const encrypt = (context_: Record<string, string>) =>
      allowed(context(alice, { EncryptionContext: context_ }), "Encrypt");
    assert.equal(await encrypt({ Department: "IT" }), grant.grantId);
    assert.equal(await encrypt({ department: "IT" }), grant.grantId);
    assert.equal(await encrypt({ Department: "IT", Purpose: "Test" }), undefined);
    assert.equal(await encrypt({ Department: "Finance" }), undefined);
    assert.equal(await encrypt({}), undefined);
  });

  it("checks ReEncryptFrom against the source context and ReEncryptTo against the destination", async () => {
    await store.reset();
    const from = await addGrant({
      operations: ["ReEncryptFrom"],
      constraints: { encryptionContextSubset: { side: "source" } },
    });
    const input = {
      SourceEncryptionContext: { side: "source" },
      DestinationEncryptionContext: { side: "destination" },
    };
    const reEncrypt = { operation: "ReEncrypt" } as const;
    assert.equal(await allowed(context(alice, input, reEncrypt), "ReEncryptFrom"), from.grantId);
    assert.equal(await allowed(context(alice, input, reEncrypt), "ReEncryptTo"), undefined);
    // Without naming a side, a grant must allow both halves.
    assert.equal(await allowed(context(alice, input, reEncrypt), "ReEncrypt"), undefined);
    const both = await addGrant({ operations: ["ReEncryptFrom", "ReEncryptTo"] });
    assert.equal(await allowed(context(alice, input, reEncrypt), "ReEncrypt"), both.grantId);
  });

  it("lets a grant's CreateGrant create only narrower grants", async () => {
    await store.reset();
    const parent = await addGrant({
      operations: ["CreateGrant", "Decrypt", "Encrypt"],
      constraints: { encryptionContextSubset: { Department: "IT" } },
    });
    const create = (input: Record<string, unknown>) =>
      allowed(
        context(alice, { GranteePrincipal: bob, ...input }, { operation: "CreateGrant" }),
        "CreateGrant",
      );
    assert.equal(
      await create({
        Operations: ["Decrypt"],
        Constraints: { EncryptionContextSubset: { Department: "IT", Team: "A" } },
      }),
      parent.grantId,
    );
    assert.equal(
      await create({
        Operations: ["Decrypt", "CreateGrant"],
        Constraints: { EncryptionContextEquals: { department: "IT" } },
      }),
      parent.grantId,
    );
    // Broader operations, a looser constraint, or none at all are refused.
    assert.equal(
      await create({
        Operations: ["GenerateDataKey"],
        Constraints: { EncryptionContextSubset: { Department: "IT" } },
      }),
      undefined,
    );
    assert.equal(await create({ Operations: ["Decrypt"] }), undefined);
    assert.equal(
      await create({
        Operations: ["Decrypt"],
        Constraints: { EncryptionContextSubset: { Team: "A" } },
      }),
      undefined,
    );

    await store.reset();
    const strict = await addGrant({
      operations: ["CreateGrant", "Decrypt"],
      constraints: { encryptionContextEquals: { Department: "IT" } },
    });
    assert.equal(
      await create({
        Operations: ["Decrypt"],
        Constraints: { EncryptionContextEquals: { Department: "IT" } },
      }),
      strict.grantId,
    );
    assert.equal(
      await create({
        Operations: ["Decrypt"],
        Constraints: { EncryptionContextSubset: { Department: "IT" } },
      }),
      undefined,
    );
  });

  it("waits out the propagation delay unless the request presents the grant's token", async () => {
    await store.reset();
    const grant = await addGrant({ creationDate: created });
    const token = mintGrantToken(tokenKey, grant.grantId, new Uint8Array(16).fill(1));
    const delayMs = 60_000;
    const early = new Date(created.getTime() + 10_000);
    const late = new Date(created.getTime() + delayMs);
    assert.equal(await allowed(context(alice, {}, { now: early, delayMs }), "Decrypt"), undefined);
    assert.equal(
      await allowed(context(alice, { GrantTokens: [token] }, { now: early, delayMs }), "Decrypt"),
      grant.grantId,
    );
    assert.equal(
      await allowed(context(alice, {}, { now: late, delayMs }), "Decrypt"),
      grant.grantId,
    );
    // A token is evidence of the grant, not a permission of its own: others gain nothing.
    assert.equal(
      await allowed(context(bob, { GrantTokens: [token] }, { now: early, delayMs }), "Decrypt"),
      undefined,
    );
    // Once the grant is gone its token authorizes nothing.
    await store.grants.delete(grant.grantId);
    assert.equal(
      await allowed(context(alice, { GrantTokens: [token] }, { now: early, delayMs }), "Decrypt"),
      undefined,
    );
  });

  it("rejects a forged grant token with InvalidGrantTokenException", async () => {
    await store.reset();
    const grant = await addGrant({});
    const otherKey = deriveGrantTokenKey(new Uint8Array(32).fill(8));
    const forged = mintGrantToken(otherKey, grant.grantId, new Uint8Array(16));
    const ctx = context(alice, { GrantTokens: [forged] });
    await assert.rejects(
      async () => findAuthorizingGrant(ctx, key, "Decrypt", ctx.grantTokens.grantIds()),
      (error: unknown) => {
        assert.ok(isKmsError(error));
        assert.equal(error.type, "InvalidGrantTokenException");
        assert.equal(error.message, "Invalid grant token.");
        return true;
      },
    );
  });
});
