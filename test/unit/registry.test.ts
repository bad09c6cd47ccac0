import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkRegistry, findOperation, operations } from "../../src/operations/registry.js";
import { operationNames } from "../../src/vocabulary/model.generated.js";

describe("operation registry", () => {
  it("holds exactly the operations of the KMS model, each under its own name", () => {
    checkRegistry();
    assert.deepEqual(Object.keys(operations).sort(), [...operationNames].sort());
    assert.equal(operationNames.length, 54);
  });

  it("finds nothing for names outside the model or inherited from Object", () => {
    assert.equal(findOperation("toString"), undefined);
    assert.equal(findOperation("__proto__"), undefined);
    assert.equal(findOperation("generateRandom"), undefined);
    assert.equal(findOperation("GenerateRandom")?.name, "GenerateRandom");
  });
});
