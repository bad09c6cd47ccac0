/**
 * The recorded AWS answers of test/fixtures/aws-recordings and the comparison of Trent's
 * answers with them, for test/wire/aws-recordings.test.ts. A recording's expected answer is
 * compared as the wire carries it: HTTP status, __type, the message (its exact text, or no
 * message member where AWS sent none) and, for successes, every member and value of the
 * recorded body. Placeholders ({{keyId}}, ...) are filled from the situation; values the
 * recording masked ({{blob}}, {{timestamp}}, {{description}}) match any value of their kind, and
 * a key material id the situation cannot know (one Trent derives) any 64 hex digits.
 */
import { readFileSync } from "node:fs";

export interface Recording {
  readonly id: string;
  readonly operation: string;
  readonly recorded: string;
  readonly note?: string;
  readonly response: {
    readonly status: number | null;
    readonly error?: string;
    readonly message?: string | null;
    readonly messageMember?: "present" | "absent" | "unknown";
    readonly body?: unknown;
    readonly members?: readonly string[];
    readonly keyIdForm?: "arn" | "masked";
  };
}

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Values for the placeholders of a recording; the account, region and partition are Trent's. */
export interface Vars {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  readonly keyId?: string;
  readonly keyId2?: string;
  readonly replicaRegion?: string;
  readonly otherRegion?: string;
  readonly keyMaterialId?: string;
  readonly keyMaterialId2?: string;
  readonly keyMaterialIdNew?: string;
  readonly description?: string;
}

const fixtures = new URL("../fixtures/aws-recordings/", import.meta.url);

export function loadRecordings(): ReadonlyMap<string, Recording> {
  const byId = new Map<string, Recording>();
  for (const file of ["localstack-kms.json", "issue-threads.json"]) {
    const { recordings } = JSON.parse(readFileSync(new URL(file, fixtures), "utf8")) as {
      recordings: Recording[];
    };
    for (const recording of recordings) byId.set(recording.id, recording);
  }
  return byId;
}

const masked = new Set(["{{blob}}", "{{timestamp}}", "{{description}}"]);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function arnOf(keyId: string | undefined, vars: Vars): string | undefined {
  return keyId && `arn:${vars.partition}:kms:${vars.region}:${vars.account}:key/${keyId}`;
}

function placeholderValue(name: string, vars: Vars): string | undefined {
  if (name === "keyArn") return arnOf(vars.keyId, vars);
  return (vars as unknown as Record<string, string | undefined>)[name];
}

function stringMatches(expected: string, actual: unknown, vars: Vars, keyIdMasked: boolean) {
  if (expected === "{{timestamp}}") return typeof actual === "number" || typeof actual === "string";
  if (masked.has(expected)) return typeof actual === "string";
  if (typeof actual !== "string") return false;
  // LocalStack replaced the whole KeyId value, so the recording cannot say id or ARN (nor, with
  // two keys in the situation, which of them).
  if (keyIdMasked && expected === "{{keyId}}")
    return [vars.keyId, arnOf(vars.keyId, vars), vars.keyId2, arnOf(vars.keyId2, vars)].includes(
      actual,
    );
  const pattern = expected
    .split(/(\{\{\w+\}\})/)
    .map((part) => {
      const name = /^\{\{(\w+)\}\}$/.exec(part)?.[1];
      if (!name) return escapeRegExp(part);
      const value = placeholderValue(name, vars);
      if (value !== undefined) return escapeRegExp(value);
      if (name.startsWith("keyMaterialId")) return "[0-9a-f]{64}";
      throw new Error(`no value for {{${name}}} in "${expected}"`);
    })
    .join("");
  return new RegExp(`^${pattern}$`).test(actual);
}

function compareValue(
  expected: unknown,
  actual: unknown,
  path: string,
  vars: Vars,
  keyIdMasked: boolean,
  diffs: string[],
): void {
  if (typeof expected === "string") {
    const topKeyId = path === "KeyId";
    if (!stringMatches(expected, actual, vars, keyIdMasked && topKeyId))
      diffs.push(`${path}: ${JSON.stringify(actual)} (AWS ${JSON.stringify(expected)})`);
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      diffs.push(`${path}: ${JSON.stringify(actual)} (AWS ${JSON.stringify(expected)})`);
      return;
    }
    expected.forEach((item, i) => {
      compareValue(item, actual[i], `${path}[${i}]`, vars, keyIdMasked, diffs);
    });
    return;
  }
  if (expected !== null && typeof expected === "object") {
    // A JSON document in a string member (a policy) was recorded parsed.
    const object = typeof actual === "string" ? (JSON.parse(actual) as unknown) : actual;
    if (object === null || typeof object !== "object" || Array.isArray(object)) {
      diffs.push(`${path}: ${JSON.stringify(actual)} (AWS an object)`);
      return;
    }
    const record = object as Record<string, unknown>;
    const at = (key: string) => (path ? `${path}.${key}` : key);
    for (const key of Object.keys(record))
      if (!(key in (expected as object))) diffs.push(`${at(key)}: present (AWS has none)`);
    for (const [key, value] of Object.entries(expected)) {
      if (!(key in record)) diffs.push(`${at(key)}: absent (AWS has it)`);
      else compareValue(value, record[key], at(key), vars, keyIdMasked, diffs);
    }
    return;
  }
  if (expected !== actual)
    diffs.push(`${path}: ${JSON.stringify(actual)} (AWS ${JSON.stringify(expected)})`);
}

/**
 * The differences between Trent's answer and the recorded one; empty when they agree. `part`
 * picks from a success body what the recording kept (LocalStack sometimes matched one member).
 */
export function differences(
  recording: Recording,
  answer: Answer,
  vars: Vars,
  part: (body: Record<string, unknown>) => unknown = (body) => body,
): string[] {
  const diffs: string[] = [];
  const expected = recording.response;
  const type = answer.body.__type as string | undefined;
  if (expected.error !== undefined) {
    if (answer.status !== (expected.status ?? 400))
      diffs.push(`status ${answer.status} (AWS ${expected.status})`);
    if (type !== expected.error) diffs.push(`__type ${type} (AWS ${expected.error})`);
    const hasMessage = "message" in answer.body;
    const message = answer.body.message;
    if (expected.messageMember === "absent" && hasMessage)
      diffs.push(`message member ${JSON.stringify(message)} (AWS sent none)`);
    if (expected.messageMember === "unknown" && hasMessage && message !== "")
      diffs.push(`message ${JSON.stringify(message)} (AWS: empty or none)`);
    if (
      expected.messageMember === "present" &&
      !stringMatches(expected.message ?? "", message, vars, false)
    )
      diffs.push(`message ${JSON.stringify(message)} (AWS ${JSON.stringify(expected.message)})`);
    return diffs;
  }
  if (answer.status !== 200) {
    diffs.push(`status ${answer.status} ${type} ${JSON.stringify(answer.body.message)} (AWS 200)`);
    return diffs;
  }
  compareValue(expected.body, part(answer.body), "", vars, expected.keyIdForm === "masked", diffs);
  return diffs;
}
