/**
 * Evaluates AWS access policies (key policies and identity policies) for one request: which
 * statements apply to the caller, the action and the resource under their conditions, and
 * what they decide together. An applicable Deny always wins; otherwise any applicable Allow
 * allows; otherwise the request is implicitly denied.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * https://docs.aws.amazon.com/kms/latest/developerguide/determining-access-key-policy.html
 *
 * What a key policy Allow means depends on whom it names: the caller itself (or everyone) is
 * enough on its own, while the caller's account only delegates the decision to the identity
 * policies of that account. The result records which, and authorize.ts combines the two.
 */
import {
  type ConditionContext,
  compilePattern,
  evaluateCondition,
  matchesPattern,
} from "./conditions.js";
import {
  notPrincipalApplies,
  type PrincipalIdentity,
  principalIdentity,
  principalMatch,
} from "./principals.js";

/** A key policy is a resource-based policy; identity policies have no Principal element. */
export type PolicyKind = "resource" | "identity";

export interface EvaluationRequest {
  readonly principal: PrincipalIdentity;
  /** The permission, e.g. "kms:GenerateDataKeyPair". */
  readonly action: string;
  /** The key ARN, alias ARN, or "*" for operations without a resource. */
  readonly resource: string;
  readonly context: ConditionContext;
}

export type Decision = "allow" | "explicitDeny" | "implicitDeny";

export interface Evaluation {
  readonly decision: Decision;
  /**
   * For an allowing resource policy: "principal" when a statement names the caller (or
   * everyone), "account" when statements name only the caller's account.
   */
  readonly allowedFor?: "principal" | "account";
}

type Statement = Readonly<Record<string, unknown>>;

export interface NormalizedPolicy {
  readonly variables: boolean;
  readonly statements: readonly Statement[];
  /**
   * True when no statement has a Condition and no policy variable can apply: the decision then
   * depends only on the principal, the action and the resource (decisionKey), so it is kept.
   */
  readonly contextFree?: boolean;
  /** The kept decisions of a context-free policy, by decisionKey (bounded). */
  readonly decisions?: Map<string, Evaluation>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Accepts a policy as JSON text or as an object; Statement may be one object or a list. */
export function normalizePolicy(document: unknown): NormalizedPolicy {
  let parsed = document;
  if (typeof document === "string") {
    try {
      parsed = JSON.parse(document);
    } catch {
      parsed = undefined;
    }
  }
  // A document that is not a policy grants nothing.
  if (!isObject(parsed)) return { variables: false, statements: [] };
  const raw = parsed.Statement;
  const statements = (Array.isArray(raw) ? raw : [raw]).filter(isObject);
  // Policy variables exist only from policy language version 2012-10-17 on.
  const variables = parsed.Version === "2012-10-17";
  const contextFree = statements.every(
    (statement) =>
      statement.Condition === undefined && !(variables && JSON.stringify(statement).includes("${")),
  );
  return contextFree
    ? { variables, statements, contextFree, decisions: new Map() }
    : { variables, statements };
}

function list(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.filter((v): v is string => typeof v === "string");
}

/** Action names are case-insensitive; `*` and `?` are wildcards (kms:Generate*, kms:*). */
function actionMatches(patterns: readonly string[], action: string): boolean {
  return patterns.some((pattern) => {
    const compiled = compilePattern(pattern, emptyContext, { variables: false });
    return compiled !== undefined && matchesPattern(compiled, action, true);
  });
}

const emptyContext: ConditionContext = { get: () => undefined };

/** Resource ARNs are case-sensitive; wildcards and policy variables are allowed. */
function resourceMatches(
  patterns: readonly string[],
  request: EvaluationRequest,
  variables: boolean,
): boolean {
  return patterns.some((pattern) => {
    if (pattern === "*") return true;
    const compiled = compilePattern(pattern, request.context, { variables });
    return compiled !== undefined && matchesPattern(compiled, request.resource);
  });
}

/** Whether a statement applies; for a resource policy, also how it names the caller. */
function applies(
  statement: Statement,
  kind: PolicyKind,
  request: EvaluationRequest,
  variables: boolean,
): "principal" | "account" | false {
  let named: "principal" | "account" = "principal";
  if (kind === "resource") {
    if (statement.Principal !== undefined) {
      const match = principalMatch(statement.Principal, request.principal);
      if (!match) return false;
      named = match;
    } else if (statement.NotPrincipal !== undefined) {
      if (!notPrincipalApplies(statement.NotPrincipal, request.principal)) return false;
    } else return false;
  }

  if (statement.Action !== undefined) {
    if (!actionMatches(list(statement.Action), request.action)) return false;
  } else if (statement.NotAction !== undefined) {
    if (actionMatches(list(statement.NotAction), request.action)) return false;
  } else return false;

  if (statement.Resource !== undefined) {
    if (!resourceMatches(list(statement.Resource), request, variables)) return false;
  } else if (statement.NotResource !== undefined) {
    if (resourceMatches(list(statement.NotResource), request, variables)) return false;
  } else if (kind === "identity") return false;

  // The condition context is built on first use, so only a statement with conditions asks.
  if (
    statement.Condition !== undefined &&
    !evaluateCondition(statement.Condition, request.context, { variables })
  )
    return false;
  return named;
}

/**
 * Normalized key policies by their text. A policy text never changes meaning, so its parse is
 * cached like opened key material (bounded); the policy itself is still read from the store on
 * every request, so a PutKeyPolicy on any node takes effect at once. So are the answers to
 * "does this text mention a condition key" that authorization asks per request.
 */
export class PolicyCache {
  private readonly byText = new Map<string, NormalizedPolicy>();
  /** By policy text, then by name: a text read from a kept key row keeps its string hash. */
  private readonly mentioned = new Map<string, Map<string, boolean>>();
  private readonly identityTexts = new WeakMap<readonly unknown[], string>();
  private readonly principals = new Map<string, PrincipalIdentity>();

  constructor(private readonly limit = 1024) {}

  /** The caller's identity as policies see it, parsed once per principal ARN and account. */
  principal(arn: string, accountId: string): PrincipalIdentity {
    const key = `${accountId}\n${arn}`;
    let principal = this.principals.get(key);
    if (principal === undefined) {
      principal = principalIdentity(arn, accountId);
      if (this.principals.size >= this.limit) this.principals.clear();
      this.principals.set(key, principal);
    }
    return principal;
  }

  /** A caller's identity policies as one text, once per list (the credentials file keeps it). */
  identityPolicyText(policies: readonly unknown[]): string {
    let text = this.identityTexts.get(policies);
    if (text === undefined) {
      text = JSON.stringify(policies);
      this.identityTexts.set(policies, text);
    }
    return text;
  }

  /** Whether `text` mentions `name` (lowercase), in any letter case. */
  mentions(text: string, name: string): boolean {
    let answers = this.mentioned.get(text);
    if (answers === undefined) {
      if (this.mentioned.size >= this.limit) this.mentioned.clear();
      answers = new Map();
      this.mentioned.set(text, answers);
    }
    let answer = answers.get(name);
    if (answer === undefined) {
      answer = text.toLowerCase().includes(name);
      answers.set(name, answer);
    }
    return answer;
  }

  normalized(text: string): NormalizedPolicy {
    let policy = this.byText.get(text);
    if (!policy) {
      policy = normalizePolicy(text);
      if (this.byText.size >= this.limit) {
        const oldest = this.byText.keys().next().value;
        if (oldest !== undefined) this.byText.delete(oldest);
      }
      this.byText.set(text, policy);
    }
    return policy;
  }
}

/** Evaluates one policy document for one request. */
export function evaluatePolicy(
  document: unknown,
  kind: PolicyKind,
  request: EvaluationRequest,
): Evaluation {
  return evaluateNormalizedPolicy(normalizePolicy(document), kind, request);
}

/**
 * Decisions kept per context-free policy (NormalizedPolicy.contextFree; one object per text
 * from PolicyCache): everything that decides them is in the key, so a kept answer is the answer.
 */
const decisionsPerPolicy = 256;

function decisionKey(kind: PolicyKind, request: EvaluationRequest): string {
  const { principal } = request;
  return `${kind}\n${principal.arn}\n${principal.accountId}\n${request.action}\n${request.resource}`;
}

/** Evaluates one already normalized policy for one request. */
export function evaluateNormalizedPolicy(
  policy: NormalizedPolicy,
  kind: PolicyKind,
  request: EvaluationRequest,
): Evaluation {
  const kept = policy.decisions;
  if (policy.contextFree !== true || kept === undefined)
    return evaluateStatements(policy, kind, request);
  const key = decisionKey(kind, request);
  let evaluation = kept.get(key);
  if (evaluation === undefined) {
    evaluation = evaluateStatements(policy, kind, request);
    if (kept.size >= decisionsPerPolicy) kept.clear();
    kept.set(key, evaluation);
  }
  return evaluation;
}

function evaluateStatements(
  { statements, variables }: NormalizedPolicy,
  kind: PolicyKind,
  request: EvaluationRequest,
): Evaluation {
  let allowedFor: "principal" | "account" | undefined;
  for (const statement of statements) {
    const effect = statement.Effect;
    if (effect !== "Allow" && effect !== "Deny") continue;
    const named = applies(statement, kind, request, variables);
    if (!named) continue;
    if (effect === "Deny") return { decision: "explicitDeny" };
    if (allowedFor !== "principal") allowedFor = named;
  }
  return allowedFor ? { decision: "allow", allowedFor } : { decision: "implicitDeny" };
}

/** Evaluates a caller's identity policies together: any Deny wins, then any Allow. */
export function evaluateIdentityPolicies(
  documents: readonly unknown[],
  request: EvaluationRequest,
): Evaluation {
  let allowed = false;
  for (const document of documents) {
    const { decision } = evaluatePolicy(document, "identity", request);
    if (decision === "explicitDeny") return { decision };
    if (decision === "allow") allowed = true;
  }
  return { decision: allowed ? "allow" : "implicitDeny" };
}
