/**
 * The Condition element of AWS policies: every condition operator KMS policies can use, with
 * IAM's semantics for missing keys, multi-valued keys, set operators and policy variables.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
 *
 * The rules this module encodes, because they decide real requests:
 * - Operators in one Condition block, and keys under one operator, are ANDed; the values listed
 *   for one key are ORed.
 * - A key absent from the request makes a positive operator false and a negated one
 *   (StringNotEquals, NotIpAddress, ArnNotLike, ...) true. `...IfExists` makes any operator true
 *   for an absent key; `Null` tests presence itself.
 * - ForAnyValue: some request value satisfies the test (false for an absent or empty set).
 *   ForAllValues: every request value satisfies it (true for an absent or empty set). A negated
 *   operator's test for one request value is "matches none of the policy values".
 * - Policy variables (${aws:username}) are resolved in String, Bool and Arn operators and only
 *   for policy Version 2012-10-17; a variable with no single value makes that policy value
 *   unmatchable unless it names a default (${aws:username, 'nobody'}).
 * This module is pure: it never sees a request, only a ConditionContext.
 */

/** Condition key values of one request, looked up by key name without regard to case. */
export interface ConditionContext {
  /** The key's values; undefined when the request has no value for it. */
  get(key: string): readonly string[] | undefined;
}

export interface ConditionOptions {
  /** Whether ${...} policy variables are resolved (policy Version 2012-10-17). */
  readonly variables: boolean;
}

/** One piece of a pattern: literal text, or a wildcard of the policy language. */
type PatternPart = string | typeof anyRun | typeof anyChar;
const anyRun = Symbol("*");
const anyChar = Symbol("?");
export type Pattern = readonly PatternPart[];

const variablePattern = /\$\{([^}]*)\}/g;

/**
 * Turns a policy value into a pattern: `*` and `?` are wildcards, ${...} variables become
 * literal text (${*}, ${?} and ${$} are the escapes for the characters themselves). Returns
 * undefined when a variable has no value, so the value cannot match.
 */
export function compilePattern(
  text: string,
  context: ConditionContext,
  options: ConditionOptions,
): Pattern | undefined {
  const parts: PatternPart[] = [];
  const pushText = (value: string) => {
    for (const piece of value.split(/([*?])/)) {
      if (piece === "*") parts.push(anyRun);
      else if (piece === "?") parts.push(anyChar);
      else if (piece !== "") parts.push(piece);
    }
  };
  if (!options.variables || !text.includes("${")) {
    pushText(text);
    return parts;
  }
  let last = 0;
  for (const m of text.matchAll(variablePattern)) {
    pushText(text.slice(last, m.index));
    last = m.index + m[0].length;
    const resolved = resolveVariable(m[1] ?? "", context);
    if (resolved === undefined) return undefined;
    parts.push(resolved);
  }
  pushText(text.slice(last));
  return parts;
}

function resolveVariable(body: string, context: ConditionContext): string | undefined {
  const trimmed = body.trim();
  if (trimmed === "*" || trimmed === "?" || trimmed === "$") return trimmed;
  const withDefault = /^([^,]+),\s*'([^']*)'$/.exec(trimmed);
  const name = (withDefault ? withDefault[1] : trimmed)?.trim() ?? "";
  const values = context.get(name);
  if (values?.length === 1) return values[0];
  return withDefault ? withDefault[2] : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Whether `value` matches a pattern with wildcards (the whole value, not a substring). */
export function matchesPattern(pattern: Pattern, value: string, ignoreCase = false): boolean {
  if (pattern.every((p) => typeof p === "string")) {
    const text = pattern.join("");
    return ignoreCase ? text.toLowerCase() === value.toLowerCase() : text === value;
  }
  const source = pattern
    .map((p) => (p === anyRun ? "[\\s\\S]*" : p === anyChar ? "[\\s\\S]" : escapeRegExp(p)))
    .join("");
  return new RegExp(`^${source}$`, ignoreCase ? "iu" : "u").test(value);
}

/** The pattern read literally: wildcards stand for themselves (StringEquals, Bool, ...). */
function literal(pattern: Pattern): string {
  return pattern.map((p) => (p === anyRun ? "*" : p === anyChar ? "?" : p)).join("");
}

function asText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

function number(text: string): number | undefined {
  if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text)) return undefined;
  return Number(text);
}

/** ISO 8601 (W3C profile) or epoch seconds, as milliseconds since the epoch. */
export function parseDate(text: string): number | undefined {
  const epoch = number(text);
  if (epoch !== undefined) return epoch * 1000;
  if (!/^\d{4}-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?$/.test(text))
    return undefined;
  // A time without a zone is UTC (JavaScript would read it as local time).
  const zoned = /T[^Z+-]*$/.test(text) ? `${text}Z` : text;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? undefined : ms;
}

interface IpRange {
  readonly version: 4 | 6;
  readonly bits: bigint;
  readonly prefix: number;
}

function parseIpv4(text: string): bigint | undefined {
  const octets = text.split(".");
  if (octets.length !== 4) return undefined;
  let value = 0n;
  for (const octet of octets) {
    if (!/^\d{1,3}$/.test(octet) || Number(octet) > 255) return undefined;
    value = (value << 8n) | BigInt(Number(octet));
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  let head = text;
  let tailV4: bigint | undefined;
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    tailV4 = parseIpv4(v4[2] as string);
    if (tailV4 === undefined) return undefined;
    head = `${v4[1]}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(halves[0] as string);
  const right = halves.length === 2 ? groups(halves[1] as string) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  let value = 0n;
  for (const group of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  }
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

/** An address or CIDR range; a bare address is a /32 (or /128) range, as IAM reads it. */
export function parseIpRange(text: string): IpRange | undefined {
  const [address = "", prefixText, ...rest] = text.trim().split("/");
  if (rest.length > 0) return undefined;
  const version: 4 | 6 = address.includes(":") ? 6 : 4;
  const bits = version === 4 ? parseIpv4(address) : parseIpv6(address);
  if (bits === undefined) return undefined;
  const width = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (prefix > width) return undefined;
  // An IPv4 address written as IPv6 (::ffff:a.b.c.d) is the IPv4 address.
  if (version === 6 && bits >> 32n === 0xffffn && prefix >= 96)
    return { version: 4, bits: bits & 0xffffffffn, prefix: prefix - 96 };
  return { version, bits, prefix };
}

function inRange(address: IpRange, range: IpRange): boolean {
  if (address.version !== range.version) return false;
  const width = BigInt(range.version === 4 ? 32 : 128);
  const shift = width - BigInt(range.prefix);
  return address.bits >> shift === range.bits >> shift;
}

function arnParts(arn: string): string[] | undefined {
  const parts: string[] = [];
  let rest = arn;
  for (let i = 0; i < 5; i++) {
    const colon = rest.indexOf(":");
    if (colon < 0) return undefined;
    parts.push(rest.slice(0, colon));
    rest = rest.slice(colon + 1);
  }
  parts.push(rest);
  return parts;
}

/** Splits a pattern at the first five colons; later colons belong to the resource part. */
function splitPattern(pattern: Pattern): Pattern[] | undefined {
  const pieces: PatternPart[][] = [[]];
  for (const part of pattern) {
    let current = pieces.at(-1) as PatternPart[];
    if (typeof part !== "string") {
      current.push(part);
      continue;
    }
    let rest = part;
    let colon = rest.indexOf(":");
    while (pieces.length < 6 && colon >= 0) {
      if (colon > 0) current.push(rest.slice(0, colon));
      current = [];
      pieces.push(current);
      rest = rest.slice(colon + 1);
      colon = rest.indexOf(":");
    }
    if (rest !== "") current.push(rest);
  }
  return pieces.length === 6 ? pieces : undefined;
}

/** ArnEquals/ArnLike: each of the six colon-separated parts matched on its own. */
function matchesArn(pattern: Pattern, value: string): boolean {
  const want = splitPattern(pattern);
  const have = arnParts(value);
  if (!want || !have) return false;
  return want.every((part, i) => matchesPattern(part, have[i] as string));
}

function base64Bytes(text: string): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, "base64").toString("hex");
}

type Test = (requestValue: string, policyValue: Pattern) => boolean;

interface OperatorRule {
  readonly test: Test;
  /** A negated operator's test is the positive test inverted. */
  readonly negated: boolean;
  /** Whether ${...} variables are resolved in its policy values. */
  readonly variables: boolean;
}

function numeric(compare: (a: number, b: number) => boolean): Test {
  return (r, p) => {
    const a = number(r);
    const b = number(literal(p));
    return a !== undefined && b !== undefined && compare(a, b);
  };
}

function date(compare: (a: number, b: number) => boolean): Test {
  return (r, p) => {
    const a = parseDate(r);
    const b = parseDate(literal(p));
    return a !== undefined && b !== undefined && compare(a, b);
  };
}

const stringEquals: Test = (r, p) => literal(p) === r;
const stringEqualsIgnoreCase: Test = (r, p) => literal(p).toLowerCase() === r.toLowerCase();
const stringLike: Test = (r, p) => matchesPattern(p, r);
const numericEquals = numeric((a, b) => a === b);
const dateEquals = date((a, b) => a === b);
const ipAddress: Test = (r, p) => {
  const address = parseIpRange(r);
  const range = parseIpRange(literal(p));
  return address !== undefined && range !== undefined && inRange(address, range);
};
const arnLike: Test = (r, p) => matchesArn(p, r);

function rule(test: Test, negated = false, variables = false): OperatorRule {
  return { test, negated, variables };
}

/** Every operator of the grammar but Null, by lower-case name. */
const operators: ReadonlyMap<string, OperatorRule> = new Map(
  Object.entries({
    StringEquals: rule(stringEquals, false, true),
    StringNotEquals: rule(stringEquals, true, true),
    StringEqualsIgnoreCase: rule(stringEqualsIgnoreCase, false, true),
    StringNotEqualsIgnoreCase: rule(stringEqualsIgnoreCase, true, true),
    StringLike: rule(stringLike, false, true),
    StringNotLike: rule(stringLike, true, true),
    NumericEquals: rule(numericEquals),
    NumericNotEquals: rule(numericEquals, true),
    NumericLessThan: rule(numeric((a, b) => a < b)),
    NumericLessThanEquals: rule(numeric((a, b) => a <= b)),
    NumericGreaterThan: rule(numeric((a, b) => a > b)),
    NumericGreaterThanEquals: rule(numeric((a, b) => a >= b)),
    DateEquals: rule(dateEquals),
    DateNotEquals: rule(dateEquals, true),
    DateLessThan: rule(date((a, b) => a < b)),
    DateLessThanEquals: rule(date((a, b) => a <= b)),
    DateGreaterThan: rule(date((a, b) => a > b)),
    DateGreaterThanEquals: rule(date((a, b) => a >= b)),
    Bool: rule((r, p) => literal(p).toLowerCase() === r.toLowerCase(), false, true),
    BinaryEquals: rule((r, p) => {
      const want = base64Bytes(literal(p));
      return want !== undefined && want === base64Bytes(r);
    }),
    IpAddress: rule(ipAddress),
    NotIpAddress: rule(ipAddress, true),
    ArnEquals: rule(arnLike, false, true),
    ArnLike: rule(arnLike, false, true),
    ArnNotEquals: rule(arnLike, true, true),
    ArnNotLike: rule(arnLike, true, true),
  }).map(([name, r]) => [name.toLowerCase(), r]),
);

type SetOperator = "ForAnyValue" | "ForAllValues" | undefined;

interface ParsedOperator {
  readonly set: SetOperator;
  readonly name: string;
  readonly ifExists: boolean;
}

function parseOperator(text: string): ParsedOperator {
  let rest = text;
  let set: SetOperator;
  const prefix = /^(ForAnyValue|ForAllValues):/i.exec(rest);
  if (prefix) {
    set = (prefix[1] as string).toLowerCase() === "foranyvalue" ? "ForAnyValue" : "ForAllValues";
    rest = rest.slice(prefix[0].length);
  }
  const ifExists = /IfExists$/i.test(rest) && rest.toLowerCase() !== "null";
  if (ifExists) rest = rest.slice(0, -"IfExists".length);
  return { set, name: rest.toLowerCase(), ifExists };
}

function policyValues(value: unknown): string[] | undefined {
  const list = Array.isArray(value) ? value : [value];
  const texts = list.map(asText);
  return texts.every((t) => t !== undefined) ? (texts as string[]) : undefined;
}

/** Null: true means "the key is absent", false means "the key is present". */
function evaluateNull(values: readonly string[] | undefined, wanted: readonly string[]): boolean {
  const absent = values === undefined || values.length === 0;
  return wanted.some((w) => (w.toLowerCase() === "true" ? absent : !absent));
}

function evaluateOperator(
  operatorText: string,
  key: string,
  rawValues: unknown,
  context: ConditionContext,
  options: ConditionOptions,
): boolean {
  const operator = parseOperator(operatorText);
  const wanted = policyValues(rawValues);
  // A value the grammar does not allow (an object, null) can never be satisfied.
  if (!wanted) return false;
  const found = context.get(key);
  const values = found && found.length > 0 ? found : undefined;
  if (operator.name === "null") return evaluateNull(values, wanted);

  const rule = operators.get(operator.name);
  if (!rule) return false;
  if (values === undefined && operator.ifExists) return true;

  const patterns = wanted
    .map((w) => compilePattern(w, context, { variables: options.variables && rule.variables }))
    .filter((p): p is Pattern => p !== undefined);
  const matchesAny = (value: string) => patterns.some((p) => rule.test(value, p));
  // For one request value: does it satisfy the operator (for a negated one, match nothing)?
  const satisfies = (value: string) => (rule.negated ? !matchesAny(value) : matchesAny(value));

  const requestValues = values ?? [];
  switch (operator.set) {
    case "ForAnyValue":
      return requestValues.some(satisfies);
    case "ForAllValues":
      return requestValues.every(satisfies);
    default: {
      // Without a set operator a key with several values behaves as "any value matches", and
      // a negated operator is that test inverted (true for an absent key).
      const positive = requestValues.some(matchesAny);
      return rule.negated ? !positive : positive;
    }
  }
}

/** Evaluates a statement's Condition element; an absent element is satisfied. */
export function evaluateCondition(
  condition: unknown,
  context: ConditionContext,
  options: ConditionOptions,
): boolean {
  if (condition === undefined) return true;
  if (condition === null || typeof condition !== "object" || Array.isArray(condition)) return false;
  for (const [operator, tests] of Object.entries(condition)) {
    if (tests === null || typeof tests !== "object" || Array.isArray(tests)) return false;
    for (const [key, values] of Object.entries(tests)) {
      if (!evaluateOperator(operator, key, values, context, options)) return false;
    }
  }
  return true;
}
