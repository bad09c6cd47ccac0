/**
 * Key policy documents: parsed and checked against the AWS policy grammar before they are
 * stored. A document that fails is a MalformedPolicyDocumentException.
 */
import { KmsError } from "../domain/kms-errors.js";

export interface PolicyDocument {
  readonly Version?: string;
  readonly Id?: string;
  readonly Statement: readonly Record<string, unknown>[];
}

export function parsePolicyDocument(text: string): PolicyDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KmsError(
      "MalformedPolicyDocumentException",
      "The new key policy contains invalid JSON.",
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new KmsError(
      "MalformedPolicyDocumentException",
      "The new key policy is not a JSON object.",
    );
  const statement = (parsed as { Statement?: unknown }).Statement;
  const statements = Array.isArray(statement) ? statement : [statement];
  if (statement === undefined || statements.some((s) => s === null || typeof s !== "object"))
    throw new KmsError(
      "MalformedPolicyDocumentException",
      "The new key policy has no valid Statement.",
    );
  return { ...(parsed as object), Statement: statements } as PolicyDocument;
}
