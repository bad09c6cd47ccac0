/**
 * The sigv4 mode's credentials file: who may call, with which secret, as which principal.
 *
 *   identities:
 *     - accessKeyId: AKIAEXAMPLE000000001
 *       secretAccessKey: "..."
 *       sessionToken: "..."            # optional: temporary credentials
 *       accountId: "111122223333"
 *       arn: arn:aws:iam::111122223333:user/alice
 *       policies: [ ... ]              # optional IAM identity policy documents
 *
 * An identity without `policies` administers its own account; `policies: []` grants nothing.
 * The file is checked completely at start-up and any problem refuses the start, naming the
 * line, because a half-understood credentials file is a security hole. Messages name fields,
 * never their secret values.
 */
import { readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from "yaml";
import { ConfigError } from "../../vocabulary/config.js";
import type { IdentityPolicies } from "../../vocabulary/request.js";

export interface Identity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string | undefined;
  readonly accountId: string;
  /** IAM user, role, root or STS assumed-role session ARN. */
  readonly arn: string;
  /** The ARN's partition: the identity can only call regions of that partition. */
  readonly partition: string;
  readonly policies: IdentityPolicies;
}

/** Identities by access key id. */
export type CredentialDirectory = ReadonlyMap<string, Identity>;

const identityFields = new Set([
  "accessKeyId",
  "secretAccessKey",
  "sessionToken",
  "accountId",
  "arn",
  "policies",
]);

// IAM's own constraints: access key ids are 16-128 word characters; names of users, roles and
// sessions use [\w+=,.@-]; paths are /-delimited printable ASCII.
const accessKeyIdPattern = /^\w{16,128}$/;
const minimumSecretLength = 16;
const partitions = "aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b";
const name = "[\\w+=,.@-]{1,64}";
const path = "(?:/[\\x21-\\x2E\\x30-\\x7E]+)*/";
const arnPatterns = [
  new RegExp(`^arn:(${partitions}):iam::(\\d{12}):root$`),
  new RegExp(`^arn:(${partitions}):iam::(\\d{12}):user${path}${name}$`),
  new RegExp(`^arn:(${partitions}):iam::(\\d{12}):role${path}${name}$`),
  new RegExp(`^arn:(${partitions}):sts::(\\d{12}):assumed-role/${name}/[\\w+=,.@-]{2,64}$`),
];

class FileProblems {
  readonly lines = new LineCounter();
  constructor(readonly source: string) {}

  at(node: Node | null | undefined, problem: string): ConfigError {
    const offset = node?.range?.[0];
    if (offset === undefined) return new ConfigError(`${this.source}: ${problem}`);
    const { line, col } = this.lines.linePos(offset);
    return new ConfigError(`${this.source}:${line}:${col}: ${problem}`);
  }
}

function stringField(
  problems: FileProblems,
  identity: YAMLMap,
  field: string,
  label: string,
): string | undefined {
  const node = identity.get(field, true) as Node | undefined;
  if (node === undefined) return undefined;
  if (!isScalar(node) || typeof node.value !== "string" || node.value === "")
    throw problems.at(node, `${label}: ${field} must be a non-empty string`);
  return node.value;
}

function requiredString(
  problems: FileProblems,
  identity: YAMLMap,
  field: string,
  label: string,
): string {
  const value = stringField(problems, identity, field, label);
  if (value === undefined) throw problems.at(identity, `${label} is missing ${field}`);
  return value;
}

function accountIdOf(problems: FileProblems, identity: YAMLMap, label: string): string {
  const node = identity.get("accountId", true) as Node | undefined;
  if (node === undefined) throw problems.at(identity, `${label} is missing accountId`);
  // The source text, not the parsed value: YAML reads an unquoted 012345678901 as a number
  // and would silently drop the leading zero.
  const text = isScalar(node) ? (node.source ?? String(node.value)) : undefined;
  if (text === undefined || !/^\d{12}$/.test(text))
    throw problems.at(node, `${label}: accountId must be exactly 12 digits`);
  return text;
}

function isStatement(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function policiesOf(problems: FileProblems, identity: YAMLMap, label: string): IdentityPolicies {
  const node = identity.get("policies", true) as Node | undefined;
  if (node === undefined) return "administrator";
  if (!isSeq(node))
    throw problems.at(node, `${label}: policies must be a list of IAM policy documents`);
  return Object.freeze(
    node.items.map((item, index) => {
      const where = `${label}: policies[${index}]`;
      let document: unknown;
      if (isScalar(item) && typeof item.value === "string") {
        // A policy pasted as JSON text.
        try {
          document = JSON.parse(item.value);
        } catch {
          throw problems.at(item as Node, `${where} is a string that is not valid JSON`);
        }
      } else {
        document = (item as Node).toJSON();
      }
      const statement = isStatement(document)
        ? (document as { Statement?: unknown }).Statement
        : undefined;
      const statements = Array.isArray(statement) ? statement : [statement];
      if (statement === undefined || !statements.every(isStatement))
        throw problems.at(
          item as Node,
          `${where} must be a policy document with a Statement (an object or a list of objects)`,
        );
      const version = (document as { Version?: unknown }).Version;
      if (version !== undefined && typeof version !== "string")
        throw problems.at(item as Node, `${where}: Version must be a string such as "2012-10-17"`);
      return deepFreeze(document);
    }),
  );
}

function identityOf(problems: FileProblems, node: unknown, index: number): Identity {
  if (!isMap(node))
    throw problems.at(node as Node, `identities[${index}] must be a mapping of fields`);
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (key === undefined || !identityFields.has(key))
      throw problems.at(
        pair.key as Node,
        `identities[${index}]: unknown field '${key ?? "?"}' (expected ${[...identityFields].join(", ")})`,
      );
  }
  const accessKeyId = requiredString(problems, node, "accessKeyId", `identities[${index}]`);
  const label = `identity ${accessKeyId}`;
  if (!accessKeyIdPattern.test(accessKeyId))
    throw problems.at(
      node.get("accessKeyId", true) as Node,
      `${label}: accessKeyId must be 16 to 128 letters, digits or underscores`,
    );
  const secretAccessKey = requiredString(problems, node, "secretAccessKey", label);
  if (secretAccessKey.length < minimumSecretLength)
    throw problems.at(
      node.get("secretAccessKey", true) as Node,
      `${label}: secretAccessKey must be at least ${minimumSecretLength} characters`,
    );
  const sessionToken = stringField(problems, node, "sessionToken", label);
  const accountId = accountIdOf(problems, node, label);
  const arn = requiredString(problems, node, "arn", label);
  const arnNode = node.get("arn", true) as Node;
  const match = arnPatterns.map((p) => p.exec(arn)).find((m) => m !== null);
  if (!match)
    throw problems.at(
      arnNode,
      `${label}: arn must be an IAM user, role or root ARN, or an STS assumed-role ARN`,
    );
  const [, partition, arnAccount] = match as unknown as [string, string, string];
  if (arnAccount !== accountId)
    throw problems.at(arnNode, `${label}: arn is in account ${arnAccount}, not ${accountId}`);
  return Object.freeze({
    accessKeyId,
    secretAccessKey,
    sessionToken,
    accountId,
    arn,
    partition,
    policies: policiesOf(problems, node, label),
  });
}

/** Parses and checks a credentials file's text; `source` names it in messages. */
export function parseCredentials(text: string, source: string): CredentialDirectory {
  const problems = new FileProblems(source);
  const doc = parseDocument(text, { lineCounter: problems.lines, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const pos = syntax.linePos?.[0];
    throw new ConfigError(
      `${source}${pos ? `:${pos.line}:${pos.col}` : ""}: not valid YAML: ${syntax.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
    );
  }
  const root = doc.contents;
  if (!isMap(root)) throw problems.at(root, "expected a mapping with an 'identities' list");
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    if (key !== "identities")
      throw problems.at(pair.key as Node, `unknown field '${String(key)}' (expected identities)`);
  }
  const list = root.get("identities", true) as Node | undefined;
  if (!isSeq(list) || list.items.length === 0)
    throw problems.at(list ?? root, "identities must be a non-empty list");

  const identities = new Map<string, Identity>();
  const firstLine = new Map<string, number>();
  list.items.forEach((item, index) => {
    const identity = identityOf(problems, item, index);
    const line = problems.lines.linePos((item as Node).range?.[0] ?? 0).line;
    const earlier = firstLine.get(identity.accessKeyId);
    if (earlier !== undefined)
      throw problems.at(
        item as Node,
        `duplicate accessKeyId ${identity.accessKeyId} (first defined on line ${earlier})`,
      );
    firstLine.set(identity.accessKeyId, line);
    identities.set(identity.accessKeyId, identity);
  });
  return identities;
}

export function loadCredentialsFile(file: string): CredentialDirectory {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`cannot read credentials file ${file}: ${reason}`);
  }
  return parseCredentials(text, file);
}
