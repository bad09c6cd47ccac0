/**
 * The key policy grammar of parsePolicyDocument, case by case: what it returns for documents
 * KMS accepts, and which error (type and message) it throws for those KMS refuses.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultKeyPolicy } from "../../src/domain/policy/default-policy.js";
import { parsePolicyDocument } from "../../src/domain/policy/policy-document.js";
import { KmsError } from "../../src/vocabulary/kms-errors.js";

const root = {
  Effect: "Allow",
  Principal: { AWS: "arn:aws:iam::111122223333:root" },
  Action: "kms:*",
  Resource: "*",
};

function refusal(statement: object | string, type = "MalformedPolicyDocumentException") {
  const text =
    typeof statement === "string" ? statement : JSON.stringify({ Statement: [statement] });
  try {
    parsePolicyDocument(text);
  } catch (error) {
    assert.ok(error instanceof KmsError);
    assert.equal(error.type, type);
    return error.message;
  }
  return assert.fail(`accepted ${text}`);
}

describe("parsePolicyDocument", () => {
  it("accepts the default key policy and returns Statement as an array", () => {
    const parsed = parsePolicyDocument(defaultKeyPolicy("cn-north-1", "111122223333"));
    assert.equal(parsed.Version, "2012-10-17");
    assert.equal(parsed.Id, "key-default-1");
    assert.equal(parsed.Statement.length, 1);
    const single = parsePolicyDocument(JSON.stringify({ Statement: root }));
    assert.deepEqual(single, { Statement: [root] });
  });

  it("accepts every principal form KMS resolves", () => {
    for (const Principal of [
      "*",
      { AWS: "*" },
      { AWS: "111122223333" },
      { AWS: ["arn:aws:iam::111122223333:user/Alice", "arn:aws:iam::111122223333:role/a/b"] },
      { AWS: "arn:aws:sts::111122223333:assumed-role/Admin/session" },
      { AWS: "arn:aws-cn:iam::111122223333:root" },
      { Service: ["s3.amazonaws.com", "logs.us-east-1.amazonaws.com"] },
      { Federated: "cognito-identity.amazonaws.com" },
      { CanonicalUser: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be" },
    ])
      parsePolicyDocument(JSON.stringify({ Statement: { ...root, Principal } }));
  });

  it("words principal failures as KMS does", () => {
    const { Principal: _, ...noPrincipal } = root;
    assert.equal(refusal(noPrincipal), "Policy contains a statement with no principal.");
    for (const Principal of [
      "me",
      {},
      { AWS: "" },
      { AWS: "1111-2222-3333" },
      { AWS: "arn:aws:iam::*:root" },
      { AWS: "arn:aws:iam::111122223333:user*" },
      { AWS: "arn:aws:s3:::bucket" },
      { AWS: ["arn:aws:iam::111122223333:root", 42] },
      { Service: "" },
      { Group: "admins" },
    ])
      assert.equal(
        refusal({ ...root, Principal }),
        "Policy contains a statement with one or more invalid principals.",
      );
  });

  it("refuses syntax and grammar errors with no message", () => {
    for (const bad of [
      "",
      "not json",
      "null",
      '"text"',
      "[]",
      JSON.stringify({}),
      JSON.stringify({ Statement: [] }),
      JSON.stringify({ Statement: [null] }),
      JSON.stringify({ Statement: root, Version: "2012-10-18" }),
      JSON.stringify({ Statement: root, Version: 2012 }),
      JSON.stringify({ Statement: root, Id: 7 }),
      JSON.stringify({ Statement: root, Extra: true }),
    ])
      assert.equal(refusal(bad), "");
    for (const statement of [
      { ...root, Effect: "allow" },
      { ...root, Sid: 1 },
      { ...root, Principal: undefined, NotPrincipal: undefined, Unknown: 1 },
      { ...root, NotPrincipal: "*" },
      { ...root, Action: undefined },
      { ...root, Action: [] },
      { ...root, Action: "Decrypt" },
      { ...root, NotAction: "kms:Decrypt" },
      { ...root, Resource: undefined },
      { ...root, Resource: "arn:aws:kms:us-east-1:111122223333:key/x" },
      { ...root, Resource: undefined, NotResource: "*" },
      { ...root, Condition: "yes" },
      { ...root, Condition: { StringEquals: "x" } },
      { ...root, Condition: { StringEquals: { "kms:CallerAccount": [] } } },
      { ...root, Condition: { StringEquals: { "kms:CallerAccount": { nested: 1 } } } },
      { ...root, Condition: { NullIfExists: { "kms:GrantIsForAWSResource": "true" } } },
      { ...root, Condition: { "ForSomeValues:StringLike": { "kms:ResourceAliases": "a" } } },
    ])
      assert.equal(refusal(statement), "");
    const twice = JSON.stringify({
      Statement: [
        { ...root, Sid: "a b" },
        { ...root, Sid: "a b" },
      ],
    });
    assert.equal(refusal(twice), "");
  });

  it("accepts Sids with spaces, NotPrincipal, NotAction and condition operator variants", () => {
    parsePolicyDocument(
      JSON.stringify({
        Version: "2008-10-17",
        Statement: [
          { ...root, Sid: "Key administrators may do anything" },
          {
            Sid: "Nobody else decrypts",
            Effect: "Deny",
            NotPrincipal: { AWS: "111122223333" },
            NotAction: ["kms:Describe*", "kms:List?eys"],
            Resource: ["*"],
            Condition: {
              "ForAllValues:StringEqualsIgnoreCase": { "kms:EncryptionContextKeys": ["a", "b"] },
              DateGreaterThanIfExists: { "aws:CurrentTime": "2026-01-01T00:00:00Z" },
              IpAddress: { "aws:SourceIp": "203.0.113.0/24" },
              Null: { "kms:EncryptionContext:tenant": false },
            },
          },
        ],
      }),
    );
  });

  it("counts the 32 KiB quota in bytes and answers LimitExceededException", () => {
    const sized = (bytes: number) => {
      const base = JSON.stringify({ Statement: { ...root, Sid: "" } });
      return JSON.stringify({ Statement: { ...root, Sid: "é".repeat((bytes - base.length) / 2) } });
    };
    assert.equal(Buffer.byteLength(sized(32_768)), 32_768);
    parsePolicyDocument(sized(32_768));
    assert.equal(
      refusal(sized(32_770), "LimitExceededException"),
      "The key policy exceeds the maximum size of 32768 bytes.",
    );
  });
});
