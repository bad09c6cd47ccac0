/**
 * Turns a parsed JSON request into typed input by walking the operation's model shape:
 * blobs are base64-decoded into Uint8Array, timestamps become Date, unknown members are dropped
 * (AWS ignores them). A JSON value of the wrong type is a SerializationException, worded the
 * way AWS's JSON 1.1 front end words it. Constraints (lengths, enums, ranges) are checked
 * afterwards by validate.ts, on the decoded value.
 */
import { KmsError } from "../../vocabulary/kms-errors.js";
import { shapeOf } from "../../vocabulary/model.js";

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function describeJsonToken(value: unknown): string {
  if (Array.isArray(value)) return "Start of list found where not expected";
  if (value !== null && typeof value === "object")
    return "Start of structure or map found where not expected.";
  if (typeof value === "string") return "STRING_VALUE";
  if (typeof value === "number") return "NUMBER_VALUE";
  if (typeof value === "boolean") return value ? "TRUE_VALUE" : "FALSE_VALUE";
  return "NULL_VALUE";
}

function mismatch(value: unknown, target: string): KmsError {
  const token = describeJsonToken(value);
  if (token.startsWith("Start of")) return new KmsError("SerializationException", token);
  return new KmsError("SerializationException", `${token} can not be converted to ${target}`);
}

export function decodeValue(shapeName: string, value: unknown): unknown {
  // JSON null is treated as an absent member, as AWS does.
  if (value === null || value === undefined) return undefined;
  const shape = shapeOf(shapeName);
  switch (shape.type) {
    case "structure": {
      if (typeof value !== "object" || Array.isArray(value)) throw mismatch(value, "a Structure");
      const out: Record<string, unknown> = {};
      for (const [member, memberShape] of Object.entries(shape.members)) {
        const decoded = decodeValue(memberShape, (value as Record<string, unknown>)[member]);
        if (decoded !== undefined) out[member] = decoded;
      }
      return out;
    }
    case "string":
      if (typeof value !== "string") throw mismatch(value, "a String");
      return value;
    case "boolean":
      if (typeof value !== "boolean") throw mismatch(value, "a Boolean");
      return value;
    case "integer":
    case "long":
      if (typeof value !== "number" || !Number.isInteger(value))
        throw mismatch(value, shape.type === "long" ? "a Long" : "an Integer");
      return value;
    case "timestamp":
      if (typeof value !== "number") throw mismatch(value, "a Date");
      return new Date(value * 1000);
    case "blob": {
      if (typeof value !== "string") throw mismatch(value, "a ByteBuffer");
      if (!base64Pattern.test(value))
        throw new KmsError(
          "SerializationException",
          "Invalid base64: the blob is not valid base64",
        );
      return new Uint8Array(Buffer.from(value, "base64"));
    }
    case "list": {
      if (!Array.isArray(value)) throw mismatch(value, "a List");
      return value.map((item) => decodeValue(shape.member, item) ?? null);
    }
    case "map": {
      if (typeof value !== "object" || Array.isArray(value)) throw mismatch(value, "a Map");
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        // defineProperty, not assignment: a key named "__proto__" must stay an ordinary entry
        // (an encryption context pair), not silently vanish into the prototype.
        Object.defineProperty(out, k, {
          value: decodeValue(shape.value, v) ?? null,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
  }
}
