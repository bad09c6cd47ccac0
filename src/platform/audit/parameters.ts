/**
 * Turns a request's input or an operation's output into CloudTrail's requestParameters and
 * responseElements: only the members audit-rules.ts allows, walked through the model shapes,
 * with names in lowerCamelCase as CloudTrail writes them ("KeyId" → "keyId", tag "TagKey" →
 * "tagKey") and dates in CloudTrail's "Aug 10, 2022, 10:38:27 PM" form. Map keys (encryption
 * context, constraints) are user data and stay as given. A blob, or a shape the model marks
 * sensitive, is never written, wherever it appears: that is the second line of defence behind
 * the allow-list.
 */

import type { OperationName } from "../../vocabulary/model.generated.js";
import { modelOperations } from "../../vocabulary/model.generated.js";
import { shapeOf } from "../../vocabulary/model.js";
import { auditRules } from "./audit-rules.js";

export type AuditValue =
  | string
  | number
  | boolean
  | readonly AuditValue[]
  | { readonly [member: string]: AuditValue };

/**
 * Java's bean decapitalization, which CloudTrail's serializer follows: the first letter is
 * lowered unless the name opens with an acronym ("AWSAccountId" stays as it is).
 */
export function lowerCamel(name: string): string {
  const second = name.charAt(1);
  if (second !== "" && second !== second.toLowerCase()) return name;
  return name.charAt(0).toLowerCase() + name.slice(1);
}

const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** CloudTrail shows dates inside parameters in Java's medium format, in UTC. */
export function cloudTrailDate(date: Date): string {
  const hours = date.getUTCHours();
  const clock = [hours % 12 || 12, date.getUTCMinutes(), date.getUTCSeconds()]
    .map((part, index) => (index === 0 ? String(part) : String(part).padStart(2, "0")))
    .join(":");
  const month = months[date.getUTCMonth()];
  return `${month} ${date.getUTCDate()}, ${date.getUTCFullYear()}, ${clock} ${hours < 12 ? "AM" : "PM"}`;
}

function auditValue(shapeName: string, value: unknown): AuditValue | undefined {
  if (value === undefined || value === null) return undefined;
  const shape = shapeOf(shapeName);
  switch (shape.type) {
    case "blob":
      return undefined;
    case "string":
      return shape.sensitive || typeof value !== "string" ? undefined : value;
    case "boolean":
      return typeof value === "boolean" ? value : undefined;
    case "integer":
    case "long":
      return typeof value === "number" ? value : undefined;
    case "timestamp":
      return value instanceof Date ? cloudTrailDate(value) : undefined;
    case "list": {
      if (!Array.isArray(value)) return undefined;
      const items: AuditValue[] = [];
      for (const item of value) {
        const audited = auditValue(shape.member, item);
        if (audited !== undefined) items.push(audited);
      }
      return items;
    }
    case "map": {
      if (typeof value !== "object" || Array.isArray(value)) return undefined;
      const out: Record<string, AuditValue> = {};
      for (const [key, entry] of Object.entries(value)) {
        const audited = auditValue(shape.value, entry);
        if (audited !== undefined) out[key] = audited;
      }
      return out;
    }
    case "structure": {
      if (typeof value !== "object" || Array.isArray(value)) return undefined;
      return pick(shape.members, Object.keys(shape.members), value as Record<string, unknown>);
    }
  }
}

function pick(
  members: Readonly<Record<string, string>>,
  allowed: readonly string[],
  value: Readonly<Record<string, unknown>>,
): Record<string, AuditValue> {
  const out: Record<string, AuditValue> = {};
  for (const member of allowed) {
    const shapeName = members[member];
    if (shapeName === undefined) continue;
    const audited = auditValue(shapeName, value[member]);
    if (audited !== undefined) out[lowerCamel(member)] = audited;
  }
  return out;
}

function membersOf(shapeName: string | null): Readonly<Record<string, string>> {
  if (shapeName === null) return {};
  const shape = shapeOf(shapeName);
  return shape.type === "structure" ? shape.members : {};
}

/** requestParameters: null when the request carried nothing CloudTrail shows. */
export function requestParameters(
  operation: OperationName,
  input: Readonly<Record<string, unknown>> | undefined,
): Record<string, AuditValue> | null {
  if (input === undefined) return null;
  const rule = auditRules[operation];
  const withDefaults = rule.defaults ? { ...rule.defaults, ...input } : input;
  const out = pick(membersOf(modelOperations[operation].input), rule.request, withDefaults);
  return Object.keys(out).length === 0 ? null : out;
}

/** responseElements: null for read and cryptographic operations, failures, and empty output. */
export function responseElements(
  operation: OperationName,
  output: unknown,
): Record<string, AuditValue> | null {
  const rule = auditRules[operation];
  if (rule.response.length === 0 || output === null || typeof output !== "object") return null;
  const members = membersOf(modelOperations[operation].output);
  const out = pick(members, rule.response, output as Record<string, unknown>);
  return Object.keys(out).length === 0 ? null : out;
}
