/** Lookups into the generated KMS model (model.generated.ts): shapes by name, enum values. */
import { modelShapes } from "./model.generated.js";
import type { ModelShape } from "./model-types.js";

export function shapeOf(name: string): ModelShape {
  const shape = modelShapes[name];
  if (!shape) throw new Error(`model has no shape ${name}`);
  return shape;
}

/** The values of an enum shape of the model, e.g. every CustomerMasterKeySpec. */
export function enumValues(name: string): readonly string[] {
  const shape = shapeOf(name);
  if (shape.type !== "string" || !shape.enum) throw new Error(`model shape ${name} is not an enum`);
  return shape.enum;
}
