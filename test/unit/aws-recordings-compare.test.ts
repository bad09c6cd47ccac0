/**
 * The comparison test/wire/aws-recordings.test.ts relies on: it must see every kind of
 * difference the recordings can show (status, type, message text, message member, members and
 * values of a body), and let masked values through.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { differences, type Recording } from "../support/aws-recordings.js";

const vars = { account: "111122223333", region: "us-east-1", partition: "aws", keyId: "k-1" };
const arn = "arn:aws:kms:us-east-1:111122223333:key/k-1";

function recording(response: Recording["response"]): Recording {
  return { id: "x", operation: "Op", recorded: "2025-01-01T00:00:00Z", response };
}

describe("comparison with a recorded answer", () => {
  const error = recording({
    status: 400,
    error: "KMSInvalidStateException",
    message: "{{keyArn}} is pending import.",
    messageMember: "present",
  });

  it("accepts the recorded error and names every way of differing from it", () => {
    const body = { __type: "KMSInvalidStateException", message: `${arn} is pending import.` };
    assert.deepEqual(differences(error, { status: 400, body }, vars), []);
    assert.equal(differences(error, { status: 412, body }, vars).length, 1);
    assert.equal(
      differences(error, { status: 400, body: { ...body, __type: "X" } }, vars).length,
      1,
    );
    assert.equal(
      differences(error, { status: 400, body: { ...body, message: "other" } }, vars).length,
      1,
    );
  });

  it("tells an absent message member from an empty one", () => {
    const absent = recording({ status: 400, error: "E", message: null, messageMember: "absent" });
    assert.deepEqual(differences(absent, { status: 400, body: { __type: "E" } }, vars), []);
    assert.equal(
      differences(absent, { status: 400, body: { __type: "E", message: "" } }, vars).length,
      1,
    );
    const unknown = recording({ status: 400, error: "E", message: "", messageMember: "unknown" });
    assert.deepEqual(
      differences(unknown, { status: 400, body: { __type: "E", message: "" } }, vars),
      [],
    );
    assert.equal(
      differences(unknown, { status: 400, body: { __type: "E", message: "a" } }, vars).length,
      1,
    );
  });

  it("compares every member of a body, letting masked values through", () => {
    const success = recording({
      status: 200,
      body: {
        KeyId: "{{keyArn}}",
        Blob: "{{blob}}",
        When: "{{timestamp}}",
        Nested: { A: [1, "x"] },
      },
    });
    const body = { KeyId: arn, Blob: "AAAA", When: 1700000000.5, Nested: { A: [1, "x"] } };
    assert.deepEqual(differences(success, { status: 200, body }, vars), []);
    assert.deepEqual(differences(success, { status: 200, body: { ...body, Extra: 1 } }, vars), [
      "Extra: present (AWS has none)",
    ]);
    const { Blob: _, ...withoutBlob } = body;
    assert.deepEqual(differences(success, { status: 200, body: withoutBlob }, vars), [
      "Blob: absent (AWS has it)",
    ]);
    assert.equal(
      differences(success, { status: 200, body: { ...body, KeyId: "k-1" } }, vars).length,
      1,
    );
    assert.equal(
      differences(success, { status: 200, body: { ...body, Nested: { A: [1, "y"] } } }, vars)
        .length,
      1,
    );
  });

  it("takes either form of a KeyId the recording masked", () => {
    const masked = recording({ status: 200, body: { KeyId: "{{keyId}}" }, keyIdForm: "masked" });
    assert.deepEqual(differences(masked, { status: 200, body: { KeyId: arn } }, vars), []);
    assert.deepEqual(differences(masked, { status: 200, body: { KeyId: "k-1" } }, vars), []);
    assert.equal(differences(masked, { status: 200, body: { KeyId: "k-2" } }, vars).length, 1);
  });
});
