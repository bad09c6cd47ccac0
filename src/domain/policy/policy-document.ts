/**
 * Key policy documents: parsed and checked against the AWS access policy grammar before they
 * are stored (CreateKey, PutKeyPolicy). Evaluating a policy is not this module's job; it only
 * decides whether a document is one KMS would accept, and answers the way KMS does when not.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 *
 * What KMS says when it refuses a document (MalformedPolicyDocumentException, 400):
 * - a statement without Principal or NotPrincipal: "Policy contains a statement with no
 *   principal." and a principal KMS cannot accept: "Policy contains a statement with one or
 *   more invalid principals." (both quoted from KMS responses in public bug reports);
 * - text that is not a policy at all: an empty message. KMS gives no detail for syntax errors,
 *   so neither does Trent for the grammar failures below, whose wording AWS does not publish.
 * A document over the 32 KiB quota is a LimitExceededException, as the PutKeyPolicy reference
 * says. Since 18 August 2025 KMS also refuses statements without Action/NotAction or without
 * `"Resource": "*"` (the only Resource a key policy may name), which it used to store silently.
 */
import { KmsError } from "../../vocabulary/kms-errors.js";
import { messagelessError } from "../../vocabulary/messageless-errors.js";

export interface PolicyDocument {
  readonly Version?: string;
  readonly Id?: string;
  readonly Statement: readonly Record<string, unknown>[];
}

/** "Up to 32 kilobytes (32,768 bytes)" per key policy document. */
export const maxPolicyBytes = 32_768;

const versions = new Set(["2012-10-17", "2008-10-17"]);
const documentElements = new Set(["Version", "Id", "Statement"]);
const statementElements = new Set([
  "Sid",
  "Effect",
  "Principal",
  "NotPrincipal",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Condition",
]);
const principalTypes = new Set(["AWS", "Service", "Federated", "CanonicalUser"]);

/** Condition operators of the policy grammar; each but Null also has an ...IfExists form. */
const conditionOperators = new Set([
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
  "StringLike",
  "StringNotLike",
  "NumericEquals",
  "NumericNotEquals",
  "NumericLessThan",
  "NumericLessThanEquals",
  "NumericGreaterThan",
  "NumericGreaterThanEquals",
  "DateEquals",
  "DateNotEquals",
  "DateLessThan",
  "DateLessThanEquals",
  "DateGreaterThan",
  "DateGreaterThanEquals",
  "Bool",
  "BinaryEquals",
  "IpAddress",
  "NotIpAddress",
  "ArnEquals",
  "ArnLike",
  "ArnNotEquals",
  "ArnNotLike",
]);

/** Without a message where KMS answers without one (messageless-errors.ts). */
function malformed(message?: string): KmsError {
  if (message === undefined) return messagelessError("malformedPolicyDocument");
  return new KmsError("MalformedPolicyDocumentException", message);
}

function noPrincipal(): KmsError {
  return malformed("Policy contains a statement with no principal.");
}

function invalidPrincipals(): KmsError {
  return malformed("Policy contains a statement with one or more invalid principals.");
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A policy value that is one string or a non-empty array of strings. */
function stringList(value: unknown): string[] | undefined {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string"))
    return value as string[];
  return undefined;
}

/**
 * An AWS principal KMS can resolve: everyone ("*"), an account (its 12-digit id) or an IAM/STS
 * ARN naming a principal in an account. A wildcard is not allowed in the account or in the
 * resource type part of the ARN.
 */
function isAwsPrincipal(value: string): boolean {
  if (value === "*" || /^\d{12}$/.test(value)) return true;
  const arn = /^arn:aws[a-z-]*:(iam|sts)::(\d{12}):([^*\s]+)$/.exec(value);
  if (!arn) return false;
  const resource = arn[3] as string;
  return resource === "root" || /^[a-z-]+\/\S+$/.test(resource);
}

function checkPrincipal(value: unknown): void {
  if (value === "*") return;
  if (!isObject(value) || Object.keys(value).length === 0) throw invalidPrincipals();
  for (const [type, names] of Object.entries(value)) {
    const list = stringList(names);
    if (!principalTypes.has(type) || !list) throw invalidPrincipals();
    const valid = type === "AWS" ? isAwsPrincipal : (name: string) => /^\S+$/.test(name);
    if (!list.every(valid)) throw invalidPrincipals();
  }
}

function isConditionOperator(name: string): boolean {
  const bare = name.replace(/^(ForAllValues|ForAnyValue):/, "");
  if (bare === "Null") return true;
  return conditionOperators.has(bare.replace(/IfExists$/, ""));
}

function isConditionValue(value: unknown): boolean {
  const scalar = (v: unknown) =>
    typeof v === "string" ||
    typeof v === "boolean" ||
    (typeof v === "number" && Number.isFinite(v));
  return scalar(value) || (Array.isArray(value) && value.length > 0 && value.every(scalar));
}

function checkCondition(value: unknown): void {
  if (!isObject(value)) throw malformed();
  for (const [operator, tests] of Object.entries(value)) {
    if (!isConditionOperator(operator) || !isObject(tests) || Object.keys(tests).length === 0)
      throw malformed();
    if (!Object.values(tests).every(isConditionValue)) throw malformed();
  }
}

function exactlyOne(statement: Json, a: string, b: string): boolean {
  return (statement[a] === undefined) !== (statement[b] === undefined);
}

function checkStatement(statement: unknown, sids: Set<string>): Json {
  if (!isObject(statement)) throw malformed();
  if (Object.keys(statement).some((element) => !statementElements.has(element))) throw malformed();

  const sid = statement.Sid;
  if (sid !== undefined) {
    // Unlike IAM, key policies allow spaces in a Sid; Sids must still be unique.
    if (typeof sid !== "string" || sids.has(sid)) throw malformed();
    sids.add(sid);
  }
  if (statement.Effect !== "Allow" && statement.Effect !== "Deny") throw malformed();

  if (statement.Principal === undefined && statement.NotPrincipal === undefined)
    throw noPrincipal();
  if (!exactlyOne(statement, "Principal", "NotPrincipal")) throw malformed();
  checkPrincipal(statement.Principal ?? statement.NotPrincipal);

  if (!exactlyOne(statement, "Action", "NotAction")) throw malformed();
  const actions = stringList(statement.Action ?? statement.NotAction);
  if (!actions?.every((action) => /^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$/.test(action)))
    throw malformed();

  // "*" means "this KMS key"; it is the only Resource a key policy can name.
  const resources = stringList(statement.Resource);
  if (statement.NotResource !== undefined || !resources?.every((r) => r === "*")) throw malformed();

  if (statement.Condition !== undefined) checkCondition(statement.Condition);
  return statement;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw malformed();
  }
}

/**
 * Parses and checks a key policy. Returns the document with Statement always an array;
 * throws MalformedPolicyDocumentException (or LimitExceededException for size) otherwise.
 */
export function parsePolicyDocument(text: string): PolicyDocument {
  if (Buffer.byteLength(text, "utf8") > maxPolicyBytes)
    throw new KmsError(
      "LimitExceededException",
      `The key policy exceeds the maximum size of ${maxPolicyBytes} bytes.`,
    );
  const parsed = parseJson(text);
  if (!isObject(parsed)) throw malformed();
  if (Object.keys(parsed).some((element) => !documentElements.has(element))) throw malformed();

  const { Version: version, Id: id, Statement: statement } = parsed;
  if (version !== undefined && (typeof version !== "string" || !versions.has(version)))
    throw malformed();
  if (id !== undefined && typeof id !== "string") throw malformed();

  const statements = Array.isArray(statement) ? statement : [statement];
  if (statement === undefined || statements.length === 0) throw malformed();
  const sids = new Set<string>();
  return {
    ...(version === undefined ? {} : { Version: version }),
    ...(id === undefined ? {} : { Id: id }),
    Statement: statements.map((s) => checkStatement(s, sids)),
  };
}
