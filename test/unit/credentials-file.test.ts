import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadCredentialsFile, parseCredentials } from "../../src/core/auth/credentials-file.js";
import { ConfigError } from "../../src/vocabulary/config.js";

const valid = `identities:
  - accessKeyId: AKIAALICE0000000001
    secretAccessKey: "alice-secret-access-key-0001"
    accountId: "111122223333"
    arn: arn:aws:iam::111122223333:user/engineering/alice
  - accessKeyId: ASIASESSION00000001
    secretAccessKey: session-secret-access-key-01
    sessionToken: FwoGZXIvYXdzEXAMPLE
    accountId: 444455556666
    arn: arn:aws:sts::444455556666:assumed-role/deployer/ci-run-42
    policies: []
  - accessKeyId: AKIACHINA0000000001
    secretAccessKey: china-secret-access-key-001
    accountId: 012345678901
    arn: arn:aws-cn:iam::012345678901:role/app
    policies:
      - Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: kms:Encrypt
            Resource: "*"
      - '{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"kms:*","Resource":"*"}}'
`;

function refused(text: string, message: string) {
  assert.throws(
    () => parseCredentials(text, "creds.yaml"),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.message, message);
      return true;
    },
  );
}

const identity = (fields: string) =>
  `identities:\n  - ${fields.trim().split("\n").join("\n    ")}\n`;
const base = `accessKeyId: AKIAALICE0000000001
secretAccessKey: alice-secret-access-key-0001
accountId: "111122223333"
arn: arn:aws:iam::111122223333:user/alice`;

describe("credentials file", () => {
  it("reads identities with their accounts, principals, tokens and policies", () => {
    const directory = parseCredentials(valid, "creds.yaml");
    assert.deepEqual(
      [...directory.keys()],
      ["AKIAALICE0000000001", "ASIASESSION00000001", "AKIACHINA0000000001"],
    );
    const alice = directory.get("AKIAALICE0000000001")!;
    assert.equal(alice.secretAccessKey, "alice-secret-access-key-0001");
    assert.equal(alice.sessionToken, undefined);
    assert.equal(alice.accountId, "111122223333");
    assert.equal(alice.arn, "arn:aws:iam::111122223333:user/engineering/alice");
    assert.equal(alice.partition, "aws");
    assert.equal(alice.policies, "administrator");

    const session = directory.get("ASIASESSION00000001")!;
    assert.equal(session.sessionToken, "FwoGZXIvYXdzEXAMPLE");
    assert.equal(session.accountId, "444455556666");
    assert.deepEqual(session.policies, []);

    const china = directory.get("AKIACHINA0000000001")!;
    // Unquoted, which YAML reads as a number; the leading zero survives all the same.
    assert.equal(china.accountId, "012345678901");
    assert.equal(china.partition, "aws-cn");
    assert.deepEqual(china.policies, [
      {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "kms:Encrypt", Resource: "*" }],
      },
      {
        Version: "2012-10-17",
        Statement: { Effect: "Deny", Action: "kms:*", Resource: "*" },
      },
    ]);
    assert.ok(Object.isFrozen(china.policies));
    assert.ok(Object.isFrozen((china.policies as object[])[0]));
  });

  it("names the line of a missing or unusable field, never a secret", () => {
    refused(
      identity(`accessKeyId: AKIAALICE0000000001
accountId: "111122223333"
arn: arn:aws:iam::111122223333:user/alice`),
      "creds.yaml:2:5: identity AKIAALICE0000000001 is missing secretAccessKey",
    );
    refused(
      identity(base.replace("alice-secret-access-key-0001", "short")),
      "creds.yaml:3:22: identity AKIAALICE0000000001: secretAccessKey must be at least 16 characters",
    );
    refused(
      identity(base.replace('"111122223333"', "11112222333")),
      "creds.yaml:4:16: identity AKIAALICE0000000001: accountId must be exactly 12 digits",
    );
    refused(
      identity(base.replace('"111122223333"', '"1111-2222-3333"')),
      "creds.yaml:4:16: identity AKIAALICE0000000001: accountId must be exactly 12 digits",
    );
    refused(
      identity(base.replace("AKIAALICE0000000001", "AKIA/ALICE")),
      "creds.yaml:2:18: identity AKIA/ALICE: accessKeyId must be 16 to 128 letters, digits or underscores",
    );
    refused(
      identity(`${base}\nsessionToken: ""`),
      "creds.yaml:6:19: identity AKIAALICE0000000001: sessionToken must be a non-empty string",
    );
  });

  it("refuses an ARN of another account or of no IAM principal", () => {
    refused(
      identity(
        base.replace(
          "arn:aws:iam::111122223333:user/alice",
          "arn:aws:iam::999999999999:user/alice",
        ),
      ),
      "creds.yaml:5:10: identity AKIAALICE0000000001: arn is in account 999999999999, not 111122223333",
    );
    refused(
      identity(
        base.replace(
          "arn:aws:iam::111122223333:user/alice",
          "arn:aws:kms:us-east-1:111122223333:key/x",
        ),
      ),
      "creds.yaml:5:10: identity AKIAALICE0000000001: arn must be an IAM user, role or root ARN, or an STS assumed-role ARN",
    );
    refused(
      identity(base.replace("user/alice", "user/al ice")),
      "creds.yaml:5:10: identity AKIAALICE0000000001: arn must be an IAM user, role or root ARN, or an STS assumed-role ARN",
    );
  });

  it("refuses a duplicate access key, naming both lines", () => {
    refused(
      `identities:\n  - ${base.split("\n").join("\n    ")}\n  - ${base.split("\n").join("\n    ")}\n`,
      "creds.yaml:6:5: duplicate accessKeyId AKIAALICE0000000001 (first defined on line 2)",
    );
  });

  it("refuses unknown fields, so a typo cannot silently drop a setting", () => {
    refused(
      identity(`${base}\npolicy: []`),
      "creds.yaml:6:5: identities[0]: unknown field 'policy' (expected accessKeyId, secretAccessKey, sessionToken, accountId, arn, policies)",
    );
    refused(
      `identites:\n  - {}\n`,
      "creds.yaml:1:1: unknown field 'identites' (expected identities)",
    );
  });

  it("refuses policies that are not policy documents", () => {
    refused(
      identity(`${base}\npolicies: {}`),
      "creds.yaml:6:15: identity AKIAALICE0000000001: policies must be a list of IAM policy documents",
    );
    refused(
      identity(`${base}\npolicies:\n  - Version: "2012-10-17"`),
      "creds.yaml:7:9: identity AKIAALICE0000000001: policies[0] must be a policy document with a Statement (an object or a list of objects)",
    );
    refused(
      identity(`${base}\npolicies:\n  - "{not json"`),
      "creds.yaml:7:9: identity AKIAALICE0000000001: policies[0] is a string that is not valid JSON",
    );
  });

  it("refuses files that are not YAML or hold nobody", () => {
    refused(
      "identities: [\n",
      "creds.yaml:2:1: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    );
    refused("identities: []\n", "creds.yaml:1:13: identities must be a non-empty list");
    refused("- a\n", "creds.yaml:1:1: expected a mapping with an 'identities' list");
  });

  it("names a file it cannot read", () => {
    const dir = mkdtempSync(join(tmpdir(), "trent-creds-"));
    try {
      const file = join(dir, "creds.yaml");
      assert.throws(
        () => loadCredentialsFile(file),
        (error: unknown) =>
          error instanceof ConfigError &&
          /^cannot read credentials file .*creds\.yaml: ENOENT/.test(error.message),
      );
      writeFileSync(file, valid);
      assert.equal(loadCredentialsFile(file).size, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
