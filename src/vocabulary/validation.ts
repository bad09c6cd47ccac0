/**
 * Checks decoded input against the model's constraints and words each failure exactly as AWS
 * does: "1 validation error detected: Value 'X' at 'keyId' failed to satisfy constraint: Member
 * must have length greater than or equal to 1", several failures counted and joined with "; ".
 * Member paths are lowerCamelCase, list items are "name.N.member". Sensitive members (plaintext)
 * never have their value echoed; blobs are described the way AWS's Java front end prints them.
 * Enums hold the values offered in the request's Region, listed in AWS's order (enum-values.ts).
 */

import { enumValueSet, offeredValues } from "./enum-values.js";
import { KmsError } from "./kms-errors.js";
import { shapeOf } from "./model.js";

const patternCache = new Map<string, RegExp>();

function fullMatch(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    // AWS matches the whole value (Java's String.matches), whatever anchors the model has.
    re = new RegExp(`^(?:${pattern})$`, "s");
    patternCache.set(pattern, re);
  }
  return re;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function render(value: unknown): string {
  if (value instanceof Uint8Array)
    return `java.nio.HeapByteBuffer[pos=0 lim=${value.length} cap=${value.length}]`;
  if (Array.isArray(value)) return `[${value.map(render).join(", ")}]`;
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === "object")
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}=${render(v)}`)
      .join(", ")}}`;
  return String(value);
}

function describe(value: unknown, path: string, sensitive: boolean): string {
  if (value === undefined) return `Value null at '${path}'`;
  if (sensitive) return `Value at '${path}'`;
  return `Value '${render(value)}' at '${path}'`;
}

/** Length in code points, as Java counts it for the model's constraints. */
function codePoints(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length -= 1;
        i += 1;
      }
    }
  }
  return length;
}

function lengthOf(value: unknown): number {
  if (typeof value === "string") return codePoints(value);
  if (value instanceof Uint8Array) return value.length;
  if (Array.isArray(value)) return value.length;
  if (value !== null && typeof value === "object") return Object.keys(value).length;
  return 0;
}

interface MemberRule {
  readonly member: string;
  readonly shapeName: string;
  /** The member's name in error paths (lowerCamelCase). */
  readonly pathName: string;
  readonly required: boolean;
}

/**
 * A structure's members as validation walks them, made once per shape: every request walks
 * its input, and building these per request (entries, names, required lookups) was most of
 * the walk's time.
 */
const memberRules = new Map<string, readonly MemberRule[]>();

function membersOf(
  shapeName: string,
  shape: { members: Record<string, string>; required: readonly string[] },
) {
  let rules = memberRules.get(shapeName);
  if (rules === undefined) {
    rules = Object.entries(shape.members).map(([member, memberShape]) => ({
      member,
      shapeName: memberShape,
      pathName: lowerFirst(member),
      required: shape.required.includes(member),
    }));
    memberRules.set(shapeName, rules);
  }
  return rules;
}

function collect(
  shapeName: string,
  value: unknown,
  path: string,
  region: string,
  errors: string[],
  sensitiveParent = false,
): void {
  const shape = shapeOf(shapeName);
  const sensitive = sensitiveParent || ("sensitive" in shape && shape.sensitive === true);
  const fail = (constraint: string) =>
    errors.push(
      `${describe(value, path, sensitive)} failed to satisfy constraint: Member must ${constraint}`,
    );
  if (value === undefined || value === null) return;

  switch (shape.type) {
    case "structure": {
      const record = value as Record<string, unknown>;
      for (const rule of membersOf(shapeName, shape)) {
        const memberValue = record[rule.member];
        if (memberValue === undefined && !rule.required) continue;
        const memberPath = path ? `${path}.${rule.pathName}` : rule.pathName;
        if (memberValue === undefined) {
          errors.push(
            `Value null at '${memberPath}' failed to satisfy constraint: Member must not be null`,
          );
          continue;
        }
        collect(rule.shapeName, memberValue, memberPath, region, errors, sensitive);
      }
      return;
    }
    case "string": {
      const text = value as string;
      const values = shape.enum && offeredValues(shapeName, shape.enum, region);
      if (values && !values.includes(text)) {
        fail(`satisfy enum value set: ${enumValueSet(shapeName, values)}`);
        return;
      }
      checkLength(shape.min, shape.max, lengthOf(text), fail);
      if (shape.pattern && !fullMatch(shape.pattern).test(text))
        fail(`satisfy regular expression pattern: ${shape.pattern}`);
      return;
    }
    case "blob":
      checkLength(shape.min, shape.max, lengthOf(value), fail);
      return;
    case "integer":
    case "long": {
      const n = value as number;
      if (shape.min !== undefined && n < shape.min)
        fail(`have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && n > shape.max)
        fail(`have value less than or equal to ${shape.max}`);
      return;
    }
    case "list": {
      const items = value as unknown[];
      checkLength(shape.min, shape.max, items.length, fail);
      items.forEach((item, i) => {
        const itemPath = `${path}.${i + 1}.member`;
        if (item === null) {
          errors.push(
            `Value null at '${itemPath}' failed to satisfy constraint: Member must not be null`,
          );
          return;
        }
        collect(shape.member, item, itemPath, region, errors, sensitive);
      });
      return;
    }
    case "map": {
      const entries = Object.entries(value as Record<string, unknown>);
      checkLength(shape.min, shape.max, entries.length, fail);
      for (const [k, v] of entries) {
        collect(shape.key, k, `${path}.key`, region, errors, sensitive);
        collect(shape.value, v ?? undefined, `${path}.value`, region, errors, sensitive);
      }
      return;
    }
    default:
      return;
  }
}

function checkLength(
  min: number | undefined,
  max: number | undefined,
  length: number,
  fail: (constraint: string) => void,
): void {
  if (min !== undefined && length < min) fail(`have length greater than or equal to ${min}`);
  if (max !== undefined && length > max) fail(`have length less than or equal to ${max}`);
}

/**
 * Every constraint failure of `value` in a request made in `region`, worded as AWS words them;
 * empty when valid.
 */
export function validationErrors(shapeName: string, value: unknown, region: string): string[] {
  const errors: string[] = [];
  collect(shapeName, value, "", region, errors);
  return errors;
}

export function formatValidationErrors(errors: string[]): string {
  const count = errors.length;
  return `${count} validation error${count === 1 ? "" : "s"} detected: ${errors.join("; ")}`;
}

export function assertValid(shapeName: string, value: unknown, region: string): void {
  const errors = validationErrors(shapeName, value, region);
  if (errors.length > 0) throw new KmsError("ValidationException", formatValidationErrors(errors));
}

/** For rules the model cannot express, thrown by operations with AWS's same wording. */
export function validationError(
  member: string,
  value: unknown,
  constraint: string,
  sensitive = false,
): KmsError {
  return new KmsError(
    "ValidationException",
    formatValidationErrors([
      `${describe(value, member, sensitive)} failed to satisfy constraint: Member must ${constraint}`,
    ]),
  );
}
