import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dryRunAnswers, dryRunSucceeded } from "../../src/domain/dry-run.js";
import { modelOperations, operationNames } from "../../src/vocabulary/model.generated.js";
import { shapeOf } from "../../src/vocabulary/model.js";

describe("DryRun answers", () => {
  it("has one row for every operation whose input has a DryRun member", () => {
    const withDryRun = operationNames.filter((name) => {
      const input = modelOperations[name].input;
      const shape = input ? shapeOf(input) : undefined;
      return shape?.type === "structure" && "DryRun" in shape.members;
    });
    assert.deepEqual(Object.keys(dryRunAnswers).sort(), [...withDryRun].sort());
  });

  it("answers 400 where AWS was recorded so, the documented 412 elsewhere", () => {
    assert.equal(dryRunSucceeded("GenerateDataKeyPair").status, 400);
    assert.equal(dryRunSucceeded("GenerateDataKeyPairWithoutPlaintext").status, 400);
    assert.equal(dryRunSucceeded("Encrypt").status, 412);
    const error = dryRunSucceeded("CreateGrant");
    assert.equal(error.type, "DryRunOperationException");
    assert.equal(error.message, "The request would have succeeded, but the DryRun option is set.");
  });
});
