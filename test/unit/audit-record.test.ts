import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { auditRules, isTrackedOperation } from "../../src/platform/audit/audit-rules.js";
import {
  cloudTrailRecord,
  eventTime,
  type RequestOutcome,
  serviceEventRecord,
  userIdentity,
} from "../../src/platform/audit/cloudtrail-record.js";
import {
  cloudTrailDate,
  lowerCamel,
  requestParameters,
  responseElements,
} from "../../src/platform/audit/parameters.js";
import { modelOperations, operationNames } from "../../src/vocabulary/model.generated.js";
import { shapeOf } from "../../src/vocabulary/model.js";
import type { Caller } from "../../src/vocabulary/request.js";

function caller(principalArn: string, accessKeyId?: string): Caller {
  return {
    accountId: "111122223333",
    region: "us-west-2",
    principalArn,
    accessKeyId,
    sourceIp: "::ffff:192.0.2.7",
    userAgent: "test-agent/1.0",
  } as Caller;
}

describe("audit rules", () => {
  it("name only members the model has, for every operation", () => {
    for (const name of operationNames) {
      const rule = auditRules[name];
      const input = modelOperations[name].input;
      const inputMembers = input ? Object.keys(structureMembers(input)) : [];
      for (const member of [...rule.request, ...Object.keys(rule.defaults ?? {})])
        assert.ok(inputMembers.includes(member), `${name} has no request member ${member}`);
      const output = modelOperations[name].output;
      const outputMembers = output ? Object.keys(structureMembers(output)) : [];
      for (const member of rule.response)
        assert.ok(outputMembers.includes(member), `${name} has no response member ${member}`);
    }
  });

  it("never allow a blob, a sensitive shape, or a grant token at the top level", () => {
    for (const name of operationNames) {
      const input = modelOperations[name].input;
      if (!input) continue;
      const members = structureMembers(input);
      for (const member of auditRules[name].request) {
        const shape = shapeOf(members[member]!);
        assert.notEqual(shape.type, "blob", `${name}.${member}`);
        assert.ok(!("sensitive" in shape && shape.sensitive), `${name}.${member}`);
        assert.ok(!/GrantToken|Password|Credential/.test(member), `${name}.${member}`);
      }
    }
    assert.deepEqual(auditRules.CreateGrant.response, ["GrantId"]);
  });

  it("mark cryptographic and read operations read-only, as CloudTrail does", () => {
    for (const name of ["Encrypt", "Decrypt", "GenerateDataKeyPair", "GenerateRandom"] as const)
      assert.equal(auditRules[name].readOnly, true, name);
    for (const name of ["DescribeKey", "ListKeys", "GetKeyPolicy", "GetKeyLastUsage"] as const)
      assert.equal(auditRules[name].readOnly, true, name);
    for (const name of ["CreateKey", "PutKeyPolicy", "CreateGrant", "ImportKeyMaterial"] as const)
      assert.equal(auditRules[name].readOnly, false, name);
  });

  it("track exactly the model's KeyLastUsageTrackingOperation values", () => {
    const tracked = operationNames.filter(isTrackedOperation);
    assert.deepEqual(tracked, [...shapeEnum("KeyLastUsageTrackingOperation")].sort());
    assert.equal(isTrackedOperation("GenerateRandom"), false);
    assert.equal(isTrackedOperation("toString"), false);
  });
});

function structureMembers(shapeName: string): Record<string, string> {
  const shape = shapeOf(shapeName);
  assert.equal(shape.type, "structure");
  return shape.type === "structure" ? shape.members : {};
}

function shapeEnum(shapeName: string): string[] {
  const shape = shapeOf(shapeName);
  return shape.type === "string" ? (shape.enum ?? []) : [];
}

describe("audit parameters", () => {
  it("lowers the first letter as Java's decapitalize does", () => {
    assert.equal(lowerCamel("KeyId"), "keyId");
    assert.equal(lowerCamel("TagKey"), "tagKey");
    assert.equal(lowerCamel("AWSAccountId"), "AWSAccountId");
    assert.equal(lowerCamel("A"), "a");
  });

  it("writes dates in CloudTrail's medium format, in UTC", () => {
    assert.equal(cloudTrailDate(new Date("2022-08-10T22:38:27.500Z")), "Aug 10, 2022, 10:38:27 PM");
    assert.equal(cloudTrailDate(new Date("2020-11-18T01:29:08Z")), "Nov 18, 2020, 1:29:08 AM");
    assert.equal(cloudTrailDate(new Date("2021-01-01T00:00:00Z")), "Jan 1, 2021, 12:00:00 AM");
    assert.equal(cloudTrailDate(new Date("2021-01-01T12:05:00Z")), "Jan 1, 2021, 12:05:00 PM");
  });

  it("keeps allowed members of Encrypt and drops the plaintext and grant tokens", () => {
    const params = requestParameters("Encrypt", {
      KeyId: "alias/app",
      Plaintext: new Uint8Array([1, 2, 3]),
      EncryptionContext: { Department: "Engineering", KeyId: "kept as given" },
      GrantTokens: ["a-grant-token"],
      EncryptionAlgorithm: "SYMMETRIC_DEFAULT",
      DryRun: false,
    });
    assert.deepEqual(params, {
      keyId: "alias/app",
      encryptionContext: { Department: "Engineering", KeyId: "kept as given" },
      encryptionAlgorithm: "SYMMETRIC_DEFAULT",
      dryRun: false,
    });
  });

  it("shows Decrypt's default encryption algorithm and never the ciphertext", () => {
    assert.deepEqual(
      requestParameters("Decrypt", { CiphertextBlob: new Uint8Array(64), GrantTokens: ["t"] }),
      { encryptionAlgorithm: "SYMMETRIC_DEFAULT" },
    );
  });

  it("walks nested structures and lists with CloudTrail's member names", () => {
    assert.deepEqual(
      requestParameters("CreateGrant", {
        KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
        GranteePrincipal: "arn:aws:iam::111122223333:role/app",
        Operations: ["Encrypt", "RetireGrant"],
        Constraints: { EncryptionContextSubset: { ContextKey1: "Value1" } },
        GrantTokens: ["secret-token"],
      }),
      {
        keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
        granteePrincipal: "arn:aws:iam::111122223333:role/app",
        operations: ["Encrypt", "RetireGrant"],
        constraints: { encryptionContextSubset: { ContextKey1: "Value1" } },
      },
    );
    assert.deepEqual(
      requestParameters("TagResource", { KeyId: "k", Tags: [{ TagKey: "Dept", TagValue: "IT" }] }),
      { keyId: "k", tags: [{ tagKey: "Dept", tagValue: "IT" }] },
    );
  });

  it("drops credentials of custom key stores and retire tokens", () => {
    assert.deepEqual(
      requestParameters("CreateCustomKeyStore", {
        CustomKeyStoreName: "store",
        KeyStorePassword: "kmsuser-password",
        XksProxyAuthenticationCredential: { AccessKeyId: "id", RawSecretAccessKey: "secret" },
      }),
      { customKeyStoreName: "store" },
    );
    assert.equal(requestParameters("RetireGrant", { GrantToken: "token" }), null);
  });

  it("is null when nothing CloudTrail shows was sent, or nothing could be decoded", () => {
    assert.equal(requestParameters("ListKeys", {}), null);
    assert.equal(requestParameters("Encrypt", undefined), null);
  });

  it("shows management responses without secrets, and no responses for cryptography", () => {
    assert.deepEqual(
      responseElements("CreateGrant", { GrantId: "abc", GrantToken: "bearer-token" }),
      { grantId: "abc" },
    );
    assert.deepEqual(
      responseElements("ScheduleKeyDeletion", {
        KeyId: "arn:aws:kms:us-west-2:111122223333:key/k",
        DeletionDate: new Date("2021-04-12T18:58:30Z"),
        KeyState: "PendingDeletion",
        PendingWindowInDays: 20,
      }),
      {
        keyId: "arn:aws:kms:us-west-2:111122223333:key/k",
        keyState: "PendingDeletion",
        deletionDate: "Apr 12, 2021, 6:58:30 PM",
        pendingWindowInDays: 20,
      },
    );
    assert.equal(
      responseElements("GenerateDataKey", {
        Plaintext: new Uint8Array(32),
        CiphertextBlob: new Uint8Array(64),
        KeyId: "k",
      }),
      null,
    );
    assert.equal(responseElements("DescribeKey", { KeyMetadata: { KeyId: "k" } }), null);
    assert.equal(responseElements("CreateAlias", {}), null);
  });
});

describe("CloudTrail record", () => {
  it("derives the identity from the principal ARN", () => {
    assert.deepEqual(userIdentity(caller("arn:aws:iam::111122223333:root", "AKIDEXAMPLE")), {
      type: "Root",
      principalId: "111122223333",
      arn: "arn:aws:iam::111122223333:root",
      accountId: "111122223333",
      accessKeyId: "AKIDEXAMPLE",
    });
    assert.deepEqual(userIdentity(caller("arn:aws:iam::111122223333:user/dev/Alice")), {
      type: "IAMUser",
      principalId: "Alice",
      arn: "arn:aws:iam::111122223333:user/dev/Alice",
      accountId: "111122223333",
      userName: "Alice",
    });
    assert.deepEqual(
      userIdentity(caller("arn:aws-cn:sts::111122223333:assumed-role/Admin/session-1", "ASIA1")),
      {
        type: "AssumedRole",
        principalId: "Admin:session-1",
        arn: "arn:aws-cn:sts::111122223333:assumed-role/Admin/session-1",
        accountId: "111122223333",
        accessKeyId: "ASIA1",
        sessionContext: {
          sessionIssuer: {
            type: "Role",
            principalId: "Admin",
            arn: "arn:aws-cn:iam::111122223333:role/Admin",
            accountId: "111122223333",
            userName: "Admin",
          },
        },
      },
    );
    assert.deepEqual(userIdentity(undefined), { type: "Unknown" });
  });

  it("writes eventTime to the second", () => {
    assert.equal(eventTime(new Date("2025-05-20T20:46:16.999Z")), "2025-05-20T20:46:16Z");
  });

  it("lays out a failed request in CloudTrail's order, with the error and resources", () => {
    const keyArn = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const outcome: RequestOutcome = {
      operation: "Decrypt",
      requestId: "req-1",
      eventId: "evt-1",
      time: new Date("2022-11-24T18:57:43.120Z"),
      caller: caller("arn:aws:iam::111122223333:user/Alice", "AKID"),
      sourceIp: "::ffff:192.0.2.7",
      userAgent: "test-agent/1.0",
      input: { CiphertextBlob: new Uint8Array(80), EncryptionContext: { Project: "Alpha" } },
      output: undefined,
      error: { type: "IncorrectKeyException", message: "The key ID in the request is wrong." },
      notes: { resources: [keyArn, keyArn], keyMaterialId: "ab".repeat(32) },
    };
    const record = cloudTrailRecord(outcome, { accountId: "999999999999", region: "eu-west-1" });
    assert.deepEqual(Object.keys(record), [
      "eventVersion",
      "userIdentity",
      "eventTime",
      "eventSource",
      "eventName",
      "awsRegion",
      "sourceIPAddress",
      "userAgent",
      "errorCode",
      "errorMessage",
      "requestParameters",
      "responseElements",
      "additionalEventData",
      "requestID",
      "eventID",
      "readOnly",
      "resources",
      "eventType",
      "managementEvent",
      "recipientAccountId",
      "eventCategory",
    ]);
    assert.equal(record.eventTime, "2022-11-24T18:57:43Z");
    assert.equal(record.awsRegion, "us-west-2");
    assert.equal(record.sourceIPAddress, "192.0.2.7");
    assert.equal(record.errorCode, "IncorrectKeyException");
    assert.deepEqual(record.requestParameters, {
      encryptionAlgorithm: "SYMMETRIC_DEFAULT",
      encryptionContext: { Project: "Alpha" },
    });
    assert.equal(record.responseElements, null);
    assert.deepEqual(record.additionalEventData, { keyMaterialId: "ab".repeat(32) });
    assert.deepEqual(record.resources, [
      { accountId: "111122223333", type: "AWS::KMS::Key", ARN: keyArn },
    ]);
    assert.equal(record.recipientAccountId, "111122223333");
  });

  it("has no errorMessage for an error the client saw without a message", () => {
    const record = cloudTrailRecord(
      {
        operation: "Verify",
        requestId: "r",
        eventId: "e",
        time: new Date(0),
        caller: undefined,
        sourceIp: "192.0.2.1",
        userAgent: "",
        input: undefined,
        output: undefined,
        error: { type: "KMSInvalidSignatureException", message: undefined },
        notes: { resources: [] },
      },
      { accountId: "999999999999", region: "eu-west-1" },
    );
    assert.equal(record.errorCode, "KMSInvalidSignatureException");
    assert.ok(!("errorMessage" in record));
  });

  it("falls back to the configured account and region when the caller is unknown", () => {
    const record = cloudTrailRecord(
      {
        operation: "ListKeys",
        requestId: "r",
        eventId: "e",
        time: new Date(0),
        caller: undefined,
        sourceIp: "2001:db8::1",
        userAgent: "",
        input: undefined,
        output: undefined,
        error: { type: "SerializationException", message: "bad" },
        notes: { resources: [] },
      },
      { accountId: "999999999999", region: "eu-west-1" },
    );
    assert.deepEqual(record.userIdentity, { type: "Unknown" });
    assert.equal(record.awsRegion, "eu-west-1");
    assert.equal(record.recipientAccountId, "999999999999");
    assert.equal(record.sourceIPAddress, "2001:db8::1");
    assert.equal("additionalEventData" in record, false);
  });
});

describe("CloudTrail service event record", () => {
  const keyArn = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const time = new Date("2025-05-20T20:44:37.512Z");
  /** What every service event of this key shares, in CloudTrail's order. */
  const common = {
    eventVersion: "1.11",
    userIdentity: { accountId: "111122223333", invokedBy: "AWS Internal" },
    eventTime: "2025-05-20T20:44:37Z",
    eventSource: "kms.amazonaws.com",
    awsRegion: "us-west-2",
    sourceIPAddress: "AWS Internal",
    userAgent: "AWS Internal",
    requestParameters: null,
  };
  const tail = {
    eventID: "a24b3967-ddad-417f-9b22-2332b918db06",
    readOnly: false,
    resources: [{ accountId: "111122223333", type: "AWS::KMS::Key", ARN: keyArn }],
    eventType: "AwsServiceEvent",
    managementEvent: true,
    recipientAccountId: "111122223333",
  };
  const eventId = tail.eventID;

  it("records the end of a waiting period as DeleteKey, the key ARN in responseElements", () => {
    const record = serviceEventRecord({ eventName: "DeleteKey", eventId, time, keyArn });
    assert.deepEqual(record, {
      ...common,
      eventName: "DeleteKey",
      responseElements: { keyId: keyArn },
      ...tail,
      eventCategory: "Management",
    });
    assert.deepEqual(Object.keys(record), [
      "eventVersion",
      "userIdentity",
      "eventTime",
      "eventSource",
      "eventName",
      "awsRegion",
      "sourceIPAddress",
      "userAgent",
      "requestParameters",
      "responseElements",
      "eventID",
      "readOnly",
      "resources",
      "eventType",
      "managementEvent",
      "recipientAccountId",
      "eventCategory",
    ]);
    assert.equal("requestID" in record, false);
  });

  it("records an automatic rotation as RotateKey with both key material ids", () => {
    const record = serviceEventRecord({
      eventName: "RotateKey",
      eventId,
      time,
      keyArn,
      rotationType: "AUTOMATIC",
      keyOrigin: "AWS_KMS",
      previousKeyMaterialId: "12".repeat(32),
      currentKeyMaterialId: "96".repeat(32),
    });
    assert.deepEqual(record, {
      ...common,
      eventName: "RotateKey",
      responseElements: null,
      ...tail,
      serviceEventDetails: {
        rotationType: "AUTOMATIC",
        keyOrigin: "AWS_KMS",
        previousKeyMaterialId: "12".repeat(32),
        currentKeyMaterialId: "96".repeat(32),
        keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
      },
      eventCategory: "Management",
    });
    assert.deepEqual(Object.keys(record), [
      "eventVersion",
      "userIdentity",
      "eventTime",
      "eventSource",
      "eventName",
      "awsRegion",
      "sourceIPAddress",
      "userAgent",
      "requestParameters",
      "responseElements",
      "eventID",
      "readOnly",
      "resources",
      "eventType",
      "managementEvent",
      "recipientAccountId",
      "serviceEventDetails",
      "eventCategory",
    ]);
  });

  it("records expired imported key material as DeleteExpiredKeyMaterial", () => {
    const record = serviceEventRecord({
      eventName: "DeleteExpiredKeyMaterial",
      eventId,
      time,
      keyArn,
      keyMaterialId: "ab".repeat(32),
    });
    assert.deepEqual(record, {
      ...common,
      eventName: "DeleteExpiredKeyMaterial",
      responseElements: null,
      ...tail,
      serviceEventDetails: {
        keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
        keyMaterialId: "ab".repeat(32),
      },
      eventCategory: "Management",
    });
  });

  it("takes account and region from the key, in any partition", () => {
    const chinaKey =
      "arn:aws-cn:kms:cn-north-1:444455556666:key/mrk-1234abcd12ab34cd56ef1234567890ab";
    const record = serviceEventRecord({ eventName: "DeleteKey", eventId, time, keyArn: chinaKey });
    assert.deepEqual(record.userIdentity, { accountId: "444455556666", invokedBy: "AWS Internal" });
    assert.equal(record.awsRegion, "cn-north-1");
    assert.equal(record.recipientAccountId, "444455556666");
    assert.deepEqual(record.resources, [
      { accountId: "444455556666", type: "AWS::KMS::Key", ARN: chinaKey },
    ]);
  });
});
