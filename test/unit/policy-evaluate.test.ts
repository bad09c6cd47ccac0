import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { conditionContext, type KeyFacts } from "../../src/domain/policy/condition-keys.js";
import type { ConditionContext } from "../../src/domain/policy/conditions.js";
import { defaultKeyPolicy } from "../../src/domain/policy/default-policy.js";
import {
  type EvaluationRequest,
  evaluateIdentityPolicies,
  evaluateNormalizedPolicy,
  evaluatePolicy,
  PolicyCache,
} from "../../src/domain/policy/evaluate.js";
import {
  notPrincipalApplies,
  principalIdentity,
  principalMatch,
} from "../../src/domain/policy/principals.js";
import type { KeyRecord } from "../../src/vocabulary/key-records.js";
import type { OperationName } from "../../src/vocabulary/model.generated.js";
import type { Caller, KmsRequest } from "../../src/vocabulary/request.js";

const account = "111122223333";
const other = "444455556666";
const root = `arn:aws:iam::${account}:root`;
const alice = `arn:aws:iam::${account}:user/alice`;
const session = `arn:aws:sts::${account}:assumed-role/Admin/alice-session`;
const keyArn = `arn:aws:kms:us-east-1:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const noValues: ConditionContext = { get: () => undefined };

function request(
  principalArn: string,
  action: string,
  overrides: Partial<EvaluationRequest> = {},
): EvaluationRequest {
  const accountId = /::(\d{12}):/.exec(principalArn)?.[1] ?? account;
  return {
    principal: principalIdentity(principalArn, accountId),
    action,
    resource: keyArn,
    context: noValues,
    ...overrides,
  };
}

function keyPolicy(...statements: Record<string, unknown>[]) {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

describe("principals", () => {
  it("reads users, roles, sessions and the account root", () => {
    assert.equal(principalIdentity(root, account).type, "Account");
    assert.deepEqual(principalIdentity(alice, account), {
      arn: alice,
      accountId: account,
      partition: "aws",
      type: "User",
      name: "alice",
    });
    const s = principalIdentity(session, account);
    assert.equal(s.type, "AssumedRole");
    assert.equal(s.roleArn, `arn:aws:iam::${account}:role/Admin`);
    assert.equal(s.name, "alice-session");
  });

  it("tells a principal named itself from one named through its account", () => {
    const who = principalIdentity(alice, account);
    assert.equal(principalMatch("*", who), "principal");
    assert.equal(principalMatch({ AWS: "*" }, who), "principal");
    assert.equal(principalMatch({ AWS: alice }, who), "principal");
    assert.equal(principalMatch({ AWS: [root] }, who), "account");
    assert.equal(principalMatch({ AWS: account }, who), "account");
    assert.equal(principalMatch({ AWS: `arn:aws:iam::${other}:root` }, who), undefined);
    assert.equal(principalMatch({ AWS: `arn:aws:iam::${account}:user/bob` }, who), undefined);
    assert.equal(principalMatch({ Service: "ec2.amazonaws.com" }, who), undefined);
  });

  it("names the account root itself when the policy names its account", () => {
    assert.equal(principalMatch({ AWS: root }, principalIdentity(root, account)), "principal");
    assert.equal(principalMatch({ AWS: account }, principalIdentity(root, account)), "principal");
  });

  it("matches an assumed-role session by its role, with or without a role path", () => {
    const who = principalIdentity(session, account);
    assert.equal(principalMatch({ AWS: `arn:aws:iam::${account}:role/Admin` }, who), "principal");
    assert.equal(
      principalMatch({ AWS: `arn:aws:iam::${account}:role/ops/Admin` }, who),
      "principal",
    );
    assert.equal(principalMatch({ AWS: session }, who), "principal");
    assert.equal(principalMatch({ AWS: `arn:aws:iam::${account}:role/Other` }, who), undefined);
    assert.equal(principalMatch({ AWS: `arn:aws:iam::${other}:role/Admin` }, who), undefined);
    assert.equal(principalMatch({ AWS: `arn:aws-cn:iam::${account}:role/Admin` }, who), undefined);
  });

  it("excludes a caller from NotPrincipal only when every identity it carries is listed", () => {
    const who = principalIdentity(session, account);
    const role = `arn:aws:iam::${account}:role/Admin`;
    assert.equal(notPrincipalApplies({ AWS: role }, who), true);
    assert.equal(notPrincipalApplies({ AWS: [role, session] }, who), true);
    assert.equal(notPrincipalApplies({ AWS: [role, session, root] }, who), false);
    assert.equal(
      notPrincipalApplies({ AWS: [alice, root] }, principalIdentity(alice, account)),
      false,
    );
    assert.equal(notPrincipalApplies({ AWS: "*" }, who), false);
    assert.equal(notPrincipalApplies({ AWS: [root] }, principalIdentity(root, account)), false);
  });
});

describe("key policy evaluation", () => {
  it("the default key policy delegates to the account, and names the root itself", () => {
    const policy = defaultKeyPolicy("us-east-1", account);
    assert.deepEqual(evaluatePolicy(policy, "resource", request(root, "kms:Encrypt")), {
      decision: "allow",
      allowedFor: "principal",
    });
    assert.deepEqual(evaluatePolicy(policy, "resource", request(alice, "kms:Encrypt")), {
      decision: "allow",
      allowedFor: "account",
    });
    assert.deepEqual(
      evaluatePolicy(policy, "resource", request(`arn:aws:iam::${other}:root`, "kms:Encrypt")),
      { decision: "implicitDeny" },
    );
  });

  it("an explicit deny wins over any allow, in any order", () => {
    const policy = keyPolicy(
      { Effect: "Allow", Principal: { AWS: alice }, Action: "kms:*", Resource: "*" },
      { Effect: "Deny", Principal: "*", Action: "kms:GenerateDataKeyPair", Resource: "*" },
    );
    assert.equal(
      evaluatePolicy(policy, "resource", request(alice, "kms:GenerateDataKeyPair")).decision,
      "explicitDeny",
    );
    assert.equal(
      evaluatePolicy(policy, "resource", request(alice, "kms:Encrypt")).decision,
      "allow",
    );
  });

  it("matches actions case-insensitively with wildcards", () => {
    const allow = (action: string | string[]) =>
      keyPolicy({ Effect: "Allow", Principal: { AWS: alice }, Action: action, Resource: "*" });
    const decide = (policy: string, action: string) =>
      evaluatePolicy(policy, "resource", request(alice, action)).decision;
    assert.equal(decide(allow("kms:Generate*"), "kms:GenerateDataKeyPair"), "allow");
    assert.equal(decide(allow("KMS:generatedatakeypair"), "kms:GenerateDataKeyPair"), "allow");
    assert.equal(decide(allow("kms:Generate*"), "kms:Encrypt"), "implicitDeny");
    assert.equal(decide(allow("kms:ReEncrypt*"), "kms:ReEncryptFrom"), "allow");
    assert.equal(decide(allow(["kms:Describe?ey", "kms:Sign"]), "kms:DescribeKey"), "allow");
    assert.equal(decide(allow("*"), "kms:Sign"), "allow");
    assert.equal(decide(allow("s3:*"), "kms:Sign"), "implicitDeny");
  });

  it("NotAction applies to every other action", () => {
    const policy = keyPolicy({
      Effect: "Deny",
      Principal: { AWS: alice },
      NotAction: ["kms:Describe*", "kms:List*"],
      Resource: "*",
    });
    assert.equal(
      evaluatePolicy(policy, "resource", request(alice, "kms:Decrypt")).decision,
      "explicitDeny",
    );
    assert.equal(
      evaluatePolicy(policy, "resource", request(alice, "kms:DescribeKey")).decision,
      "implicitDeny",
    );
  });

  it("NotPrincipal with Deny spares only the listed principals", () => {
    const policy = keyPolicy(
      { Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" },
      {
        Effect: "Deny",
        NotPrincipal: { AWS: [alice, root] },
        Action: "kms:Decrypt",
        Resource: "*",
      },
    );
    assert.equal(
      evaluatePolicy(policy, "resource", request(alice, "kms:Decrypt")).decision,
      "allow",
    );
    assert.equal(
      evaluatePolicy(policy, "resource", request(`arn:aws:iam::${account}:user/bob`, "kms:Decrypt"))
        .decision,
      "explicitDeny",
    );
  });

  it("a statement naming the caller wins over one naming only its account", () => {
    const policy = keyPolicy(
      { Effect: "Allow", Principal: { AWS: root }, Action: "kms:*", Resource: "*" },
      { Effect: "Allow", Principal: { AWS: session }, Action: "kms:Encrypt", Resource: "*" },
    );
    assert.equal(
      evaluatePolicy(policy, "resource", request(session, "kms:Encrypt")).allowedFor,
      "principal",
    );
    assert.equal(
      evaluatePolicy(policy, "resource", request(session, "kms:Decrypt")).allowedFor,
      "account",
    );
  });

  it("applies conditions to the request context", () => {
    const policy = keyPolicy({
      Effect: "Allow",
      Principal: { AWS: alice },
      Action: "kms:GenerateDataKeyPair",
      Resource: "*",
      Condition: { StringLike: { "kms:DataKeyPairSpec": "RSA*" } },
    });
    const withSpec = (spec: string): ConditionContext => ({
      get: (k) => (k.toLowerCase() === "kms:datakeypairspec" ? [spec] : undefined),
    });
    const decide = (spec: string) =>
      evaluatePolicy(
        policy,
        "resource",
        request(alice, "kms:GenerateDataKeyPair", { context: withSpec(spec) }),
      ).decision;
    assert.equal(decide("RSA_2048"), "allow");
    assert.equal(decide("ECC_NIST_P256"), "implicitDeny");
  });

  it("a statement without Principal grants nothing in a key policy; garbage grants nothing", () => {
    const policy = keyPolicy({ Effect: "Allow", Action: "kms:*", Resource: "*" });
    assert.equal(
      evaluatePolicy(policy, "resource", request(alice, "kms:Encrypt")).decision,
      "implicitDeny",
    );
    assert.equal(
      evaluatePolicy("{not json", "resource", request(alice, "kms:Encrypt")).decision,
      "implicitDeny",
    );
    assert.equal(
      evaluatePolicy(
        keyPolicy({ Effect: "allow", Principal: "*", Action: "kms:*", Resource: "*" }),
        "resource",
        request(alice, "kms:Encrypt"),
      ).decision,
      "implicitDeny",
    );
  });
});

describe("identity policy evaluation", () => {
  const allowKeys = {
    Version: "2012-10-17",
    Statement: {
      Effect: "Allow",
      Action: ["kms:Encrypt", "kms:Decrypt"],
      Resource: `arn:aws:kms:us-east-1:${account}:key/*`,
    },
  };

  it("matches Resource patterns against the key ARN", () => {
    assert.equal(
      evaluateIdentityPolicies([allowKeys], request(alice, "kms:Encrypt")).decision,
      "allow",
    );
    assert.equal(
      evaluateIdentityPolicies([allowKeys], request(alice, "kms:Encrypt", { resource: "*" }))
        .decision,
      "implicitDeny",
    );
    assert.equal(
      evaluateIdentityPolicies(
        [allowKeys],
        request(alice, "kms:Encrypt", { resource: `arn:aws:kms:us-west-2:${account}:key/x` }),
      ).decision,
      "implicitDeny",
    );
    assert.equal(
      evaluateIdentityPolicies([allowKeys], request(alice, "kms:Sign")).decision,
      "implicitDeny",
    );
  });

  it("NotResource, a missing Resource, and a Deny in any policy", () => {
    const notResource = { Statement: [{ Effect: "Allow", Action: "kms:*", NotResource: keyArn }] };
    assert.equal(
      evaluateIdentityPolicies([notResource], request(alice, "kms:Encrypt")).decision,
      "implicitDeny",
    );
    assert.equal(
      evaluateIdentityPolicies([notResource], request(alice, "kms:Encrypt", { resource: "*" }))
        .decision,
      "allow",
    );
    const noResource = { Statement: [{ Effect: "Allow", Action: "kms:*" }] };
    assert.equal(
      evaluateIdentityPolicies([noResource], request(alice, "kms:Encrypt")).decision,
      "implicitDeny",
    );
    const deny = { Statement: [{ Effect: "Deny", Action: "kms:Decrypt", Resource: "*" }] };
    assert.equal(
      evaluateIdentityPolicies([allowKeys, deny], request(alice, "kms:Decrypt")).decision,
      "explicitDeny",
    );
    assert.equal(
      evaluateIdentityPolicies([], request(alice, "kms:Decrypt")).decision,
      "implicitDeny",
    );
  });

  it("resolves policy variables in Resource", () => {
    const own = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: "kms:CreateAlias",
          Resource: `arn:aws:kms:*:${account}:alias/\${aws:username}-*`,
        },
      ],
    };
    const context: ConditionContext = {
      get: (k) => (k.toLowerCase() === "aws:username" ? ["alice"] : undefined),
    };
    const aliasOf = (name: string) => `arn:aws:kms:us-east-1:${account}:alias/${name}`;
    assert.equal(
      evaluateIdentityPolicies(
        [own],
        request(alice, "kms:CreateAlias", { resource: aliasOf("alice-app"), context }),
      ).decision,
      "allow",
    );
    assert.equal(
      evaluateIdentityPolicies(
        [own],
        request(alice, "kms:CreateAlias", { resource: aliasOf("bob-app"), context }),
      ).decision,
      "implicitDeny",
    );
  });
});

describe("condition keys of a request", () => {
  const caller: Caller = {
    accountId: account,
    region: "us-east-1",
    principalArn: alice,
    accessKeyId: "AKIDEXAMPLE",
    temporaryCredentials: false,
    identityPolicies: "administrator",
    sourceIp: "::ffff:192.0.2.10",
    userAgent: "test",
  };
  const key: KeyRecord = {
    arn: keyArn,
    keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
    accountId: account,
    region: "us-east-1",
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
    policy: "{}",
    currentKeyMaterialId: "m",
  };
  const now = new Date("2024-05-01T12:00:00.250Z");

  function contextOf(
    operation: OperationName,
    input: Record<string, unknown>,
    options: { action?: string; key?: KeyFacts | undefined } = {},
  ) {
    return conditionContext({
      caller,
      principal: principalIdentity(caller.principalArn, caller.accountId),
      now,
      request: { operation, input } as KmsRequest,
      action: options.action ?? `kms:${operation}`,
      ...("key" in options ? (options.key ? { key: options.key } : {}) : { key: { key } }),
    });
  }

  it("global keys come from the caller and the clock", () => {
    const c = contextOf("Encrypt", {});
    assert.deepEqual(c.get("aws:PrincipalArn"), [alice]);
    assert.deepEqual(c.get("AWS:PRINCIPALACCOUNT"), [account]);
    assert.deepEqual(c.get("aws:username"), ["alice"]);
    assert.deepEqual(c.get("aws:SourceIp"), ["192.0.2.10"]);
    assert.deepEqual(c.get("aws:CurrentTime"), ["2024-05-01T12:00:00Z"]);
    assert.deepEqual(c.get("aws:EpochTime"), ["1714564800"]);
    assert.deepEqual(c.get("aws:SecureTransport"), ["false"]);
    assert.deepEqual(c.get("kms:CallerAccount"), [account]);
    assert.deepEqual(c.get("kms:ViaService"), undefined);
  });

  it("an assumed role's aws:PrincipalArn is its role", () => {
    const c = conditionContext({
      caller: { ...caller, principalArn: session },
      principal: principalIdentity(session, account),
      now,
      request: { operation: "DescribeKey", input: { KeyId: "k" } },
      action: "kms:DescribeKey",
    });
    assert.deepEqual(c.get("aws:PrincipalArn"), [`arn:aws:iam::${account}:role/Admin`]);
    assert.equal(c.get("aws:username"), undefined);
    assert.equal(c.get("kms:CallerAccount"), undefined, "only key and custom key store operations");
  });

  it("key attributes come from the key, or from CreateKey's request with its defaults", () => {
    const c = contextOf("DescribeKey", { KeyId: "alias/app" });
    assert.deepEqual(c.get("kms:KeySpec"), ["SYMMETRIC_DEFAULT"]);
    assert.deepEqual(c.get("kms:KeyUsage"), ["ENCRYPT_DECRYPT"]);
    assert.deepEqual(c.get("kms:KeyOrigin"), ["AWS_KMS"]);
    assert.deepEqual(c.get("kms:MultiRegion"), ["false"]);
    assert.deepEqual(c.get("kms:RequestAlias"), ["alias/app"]);
    const create = contextOf(
      "CreateKey",
      { KeySpec: "RSA_4096", KeyUsage: "SIGN_VERIFY" },
      { key: undefined },
    );
    assert.deepEqual(create.get("kms:KeySpec"), ["RSA_4096"]);
    assert.deepEqual(create.get("kms:KeyOrigin"), ["AWS_KMS"]);
    assert.equal(create.get("kms:BypassPolicyLockoutSafetyCheck"), undefined);
    const bypass = contextOf(
      "CreateKey",
      { BypassPolicyLockoutSafetyCheck: true },
      { key: undefined },
    );
    assert.deepEqual(bypass.get("kms:BypassPolicyLockoutSafetyCheck"), ["true"]);
  });

  it("encryption context keys: key part case-insensitive, value case-sensitive", () => {
    const c = contextOf("GenerateDataKey", {
      EncryptionContext: { AppName: "ExampleApp", stage: "prod" },
    });
    assert.deepEqual(c.get("kms:EncryptionContext:appname"), ["ExampleApp"]);
    assert.deepEqual(c.get("kms:EncryptionContext:STAGE"), ["prod"]);
    assert.deepEqual(c.get("kms:EncryptionContextKeys"), ["AppName", "stage"]);
    assert.deepEqual(c.get("kms:EncryptionAlgorithm"), ["SYMMETRIC_DEFAULT"]);
    const none = contextOf("Encrypt", {});
    assert.equal(none.get("kms:EncryptionContextKeys"), undefined);
  });

  it("request parameters of the operations that have them", () => {
    assert.deepEqual(
      contextOf("GenerateDataKeyPair", { KeyPairSpec: "ECC_NIST_P384" }).get("kms:DataKeyPairSpec"),
      ["ECC_NIST_P384"],
    );
    assert.deepEqual(
      contextOf("Decrypt", { EncryptionAlgorithm: "RSAES_OAEP_SHA_256" }).get(
        "kms:EncryptionAlgorithm",
      ),
      ["RSAES_OAEP_SHA_256"],
    );
    const sign = contextOf("Sign", { SigningAlgorithm: "ECDSA_SHA_256" });
    assert.deepEqual(sign.get("kms:SigningAlgorithm"), ["ECDSA_SHA_256"]);
    assert.deepEqual(sign.get("kms:MessageType"), ["RAW"]);
    assert.deepEqual(
      contextOf("GenerateMac", { MacAlgorithm: "HMAC_SHA_256" }).get("kms:MacAlgorithm"),
      ["HMAC_SHA_256"],
    );
    const grant = contextOf("CreateGrant", {
      GranteePrincipal: alice,
      RetiringPrincipal: root,
      Operations: ["Encrypt", "Decrypt"],
      Constraints: { EncryptionContextSubset: { Dept: "IT" } },
    });
    assert.deepEqual(grant.get("kms:GrantOperations"), ["Encrypt", "Decrypt"]);
    assert.deepEqual(grant.get("kms:GranteePrincipal"), [alice]);
    assert.deepEqual(grant.get("kms:RetiringPrincipal"), [root]);
    assert.deepEqual(grant.get("kms:GrantIsForAWSResource"), ["false"]);
    assert.deepEqual(grant.get("kms:GrantConstraintType"), ["EncryptionContextSubset"]);
    assert.deepEqual(grant.get("kms:EncryptionContext:dept"), ["IT"]);
  });

  it("ReEncrypt sides use their own key reference, context and algorithm", () => {
    const input = {
      SourceKeyId: "alias/old",
      DestinationKeyId: "arn:aws:kms:us-east-1:111122223333:alias/new",
      SourceEncryptionContext: { side: "source" },
      DestinationEncryptionContext: { side: "destination" },
      DestinationEncryptionAlgorithm: "RSAES_OAEP_SHA_1",
    };
    const from = contextOf("ReEncrypt", input, { action: "kms:ReEncryptFrom" });
    const to = contextOf("ReEncrypt", input, { action: "kms:ReEncryptTo" });
    assert.deepEqual(from.get("kms:RequestAlias"), ["alias/old"]);
    assert.deepEqual(to.get("kms:RequestAlias"), ["alias/new"]);
    assert.deepEqual(from.get("kms:EncryptionContext:side"), ["source"]);
    assert.deepEqual(to.get("kms:EncryptionContext:side"), ["destination"]);
    assert.deepEqual(from.get("kms:EncryptionAlgorithm"), ["SYMMETRIC_DEFAULT"]);
    assert.deepEqual(to.get("kms:EncryptionAlgorithm"), ["RSAES_OAEP_SHA_1"]);
  });

  it("resource aliases and tags when the caller supplies them", () => {
    const c = contextOf(
      "Encrypt",
      {},
      {
        key: { key, aliases: ["alias/a", "alias/b"], tags: [{ key: "Project", value: "Alpha" }] },
      },
    );
    assert.deepEqual(c.get("kms:ResourceAliases"), ["alias/a", "alias/b"]);
    assert.deepEqual(c.get("aws:ResourceTag/project"), ["Alpha"]);
    const tag = contextOf("TagResource", { Tags: [{ TagKey: "Env", TagValue: "dev" }] });
    assert.deepEqual(tag.get("aws:RequestTag/Env"), ["dev"]);
    assert.deepEqual(tag.get("aws:TagKeys"), ["Env"]);
  });
});

describe("policy cache", () => {
  it("parses a policy text once and evaluates the cached form like the text", () => {
    const cache = new PolicyCache(2);
    const text = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Encrypt", Resource: "*" },
      ],
    });
    const first = cache.normalized(text);
    assert.equal(cache.normalized(text), first);
    const req = request(alice, "kms:Encrypt");
    assert.deepEqual(
      evaluateNormalizedPolicy(first, "resource", req),
      evaluatePolicy(text, "resource", req),
    );
    // Bounded: the oldest entry goes first.
    cache.normalized("{}");
    cache.normalized("[]");
    assert.notEqual(cache.normalized(text), first);
  });
});

describe("condition context", () => {
  it("is not consulted for statements without conditions (it is built lazily)", () => {
    const unbuilt: EvaluationRequest = {
      ...request(root, "kms:Encrypt"),
      get context(): ConditionContext {
        throw new Error("the condition context was built for a policy without conditions");
      },
    };
    assert.equal(
      evaluatePolicy(defaultKeyPolicy("us-east-1", account), "resource", unbuilt).decision,
      "allow",
    );
  });
});
