/**
 * The key state table against AWS's page
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html): every operation that
 * takes a key has a row, the rows of the lifecycle operations match the page cell by cell, and
 * each footnote produces AWS's error type and wording.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertKeyState, keyStateRules } from "../../src/domain/key-states.js";
import type { KeyRecord } from "../../src/vocabulary/key-records.js";
import { isKmsError } from "../../src/vocabulary/kms-errors.js";
import {
  modelOperations,
  modelShapes,
  operationNames,
} from "../../src/vocabulary/model.generated.js";
import type { KeyState } from "../../src/vocabulary/types.generated.js";

const arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

function keyIn(keyState: KeyState): KeyRecord {
  return {
    arn,
    keyId: "1234abcd-12ab-34cd-56ef-1234567890ab",
    accountId: "111122223333",
    region: "us-east-1",
    creationDate: new Date(0),
    description: "",
    keyUsage: "ENCRYPT_DECRYPT",
    keySpec: "SYMMETRIC_DEFAULT",
    origin: keyState === "PendingImport" ? "EXTERNAL" : "AWS_KMS",
    keyManager: "CUSTOMER",
    keyState,
    deletionDate: undefined,
    pendingDeletionWindowInDays: undefined,
    multiRegion: false,
    multiRegionKeyType: undefined,
    customKeyStoreId: undefined,
    policy: "{}",
    currentKeyMaterialId: undefined,
  };
}

type Outcome = "ok" | `${string}: ${string}`;

function outcome(operation: (typeof operationNames)[number], state: KeyState): Outcome {
  try {
    assertKeyState(keyIn(state), operation);
    return "ok";
  } catch (error) {
    assert.ok(isKmsError(error));
    return `${error.type}: ${error.message}`;
  }
}

const states: KeyState[] = [
  "Enabled",
  "Disabled",
  "PendingDeletion",
  "PendingReplicaDeletion",
  "PendingImport",
  "Unavailable",
  "Creating",
  "Updating",
];

const disabled = `DisabledException: ${arn} is disabled.`;
const pendingDeletion = `KMSInvalidStateException: ${arn} is pending deletion.`;
const pendingReplicaDeletion = `KMSInvalidStateException: ${arn} is pending replica deletion.`;
const notPending = `KMSInvalidStateException: ${arn} is not pending deletion.`;
const pendingImport = `KMSInvalidStateException: ${arn} is pending import.`;
const unavailable = `KMSInvalidStateException: ${arn} is unavailable.`;
const creating = `KMSInvalidStateException: ${arn} is creating.`;
const updating = `KMSInvalidStateException: ${arn} is updating.`;

/** Rows of the page, in the order of `states`. */
const expected: Partial<Record<(typeof operationNames)[number], Outcome[]>> = {
  CancelKeyDeletion: [
    notPending,
    notPending,
    "ok",
    "ok",
    notPending,
    notPending,
    notPending,
    notPending,
  ],
  DescribeKey: ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
  DisableKey: [
    "ok",
    "ok",
    pendingDeletion,
    pendingReplicaDeletion,
    pendingImport,
    "ok",
    creating,
    updating,
  ],
  EnableKey: [
    "ok",
    "ok",
    pendingDeletion,
    pendingReplicaDeletion,
    pendingImport,
    "ok",
    creating,
    updating,
  ],
  ScheduleKeyDeletion: [
    "ok",
    "ok",
    pendingDeletion,
    pendingReplicaDeletion,
    "ok",
    "ok",
    "ok",
    updating,
  ],
  UpdateKeyDescription: [
    "ok",
    "ok",
    pendingDeletion,
    pendingReplicaDeletion,
    "ok",
    "ok",
    "ok",
    "ok",
  ],
  Encrypt: [
    "ok",
    disabled,
    pendingDeletion,
    pendingReplicaDeletion,
    pendingImport,
    unavailable,
    creating,
    "ok",
  ],
  CreateGrant: [
    "ok",
    disabled,
    pendingDeletion,
    pendingReplicaDeletion,
    pendingImport,
    "ok",
    creating,
    "ok",
  ],
  EnableKeyRotation: [
    "ok",
    disabled,
    pendingDeletion,
    pendingReplicaDeletion,
    `UnsupportedOperationException: ${arn} origin is EXTERNAL which is not valid for this operation.`,
    "ok",
    creating,
    "ok",
  ],
  ReplicateKey: [
    "ok",
    disabled,
    pendingDeletion,
    pendingReplicaDeletion,
    pendingImport,
    unavailable,
    creating,
    updating,
  ],
  PutKeyPolicy: ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
  TagResource: ["ok", "ok", pendingDeletion, pendingReplicaDeletion, "ok", "ok", "ok", "ok"],
};

describe("key state table", () => {
  it("has a row for every operation whose input names a key", () => {
    for (const name of operationNames) {
      const input = modelOperations[name].input;
      const shape = input ? modelShapes[input] : undefined;
      const members = shape && shape.type === "structure" ? Object.keys(shape.members) : [];
      const namesKey = members.includes("KeyId") || members.includes("TargetKeyId");
      const listsWithoutKey = name === "ListRetirableGrants";
      if (namesKey && !listsWithoutKey) assert.ok(keyStateRules[name], `no row for ${name}`);
    }
  });

  for (const [operation, row] of Object.entries(expected)) {
    it(`matches AWS's ${operation} row`, () => {
      const actual = states.map((state) =>
        outcome(operation as (typeof operationNames)[number], state),
      );
      assert.deepEqual(actual, row);
    });
  }

  it("fails loudly for an operation without a row", () => {
    assert.throws(() => assertKeyState(keyIn("Enabled"), "CreateKey"), /no row for CreateKey/);
  });
});
