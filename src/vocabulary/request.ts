/**
 * What an operation sees of the world: who is calling, when, and the services it may use.
 * Built once per request by the protocol layer; operations never see HTTP.
 */

import type { Services } from "../domain/services.js";
import type { OperationName } from "./model.generated.js";

/**
 * The IAM identity policies of a caller: policy documents (plain JSON values, checked only for
 * shape at start-up), or "administrator" for a principal whose own account lets it do anything
 * (the account root, open-mode callers, and sigv4 identities configured without `policies`).
 * An empty list grants nothing.
 */
export type IdentityPolicies = readonly unknown[] | "administrator";

/** The authenticated (or, in open mode, assumed) caller of one request. */
export interface Caller {
  readonly accountId: string;
  /** The region of the request's credential scope (the configured region when unsigned). */
  readonly region: string;
  /**
   * ARN of the calling principal: arn:aws:iam::111122223333:root in open mode; in sigv4 mode
   * the identity's IAM user, role, root or sts assumed-role session ARN.
   */
  readonly principalArn: string;
  readonly accessKeyId: string | undefined;
  /**
   * Whether the caller signed with temporary credentials (a session token). The token itself
   * stops at authentication, so it can never reach an audit record or a log.
   */
  readonly temporaryCredentials: boolean;
  readonly identityPolicies: IdentityPolicies;
  readonly sourceIp: string;
  readonly userAgent: string;
}

/** Facts an operation records for the audit trail; never secrets. */
export interface AuditNotes {
  resources: string[];
  keyMaterialId?: string;
}

export interface RequestContext {
  readonly requestId: string;
  readonly caller: Caller;
  /** The request's clock reading, taken once so every rule in one request sees the same time. */
  readonly now: Date;
  readonly services: Services;
  readonly audit: AuditNotes;
  /** The operation's name and its decoded, validated input (for authorization and audit). */
  readonly operation: OperationName;
  readonly input: Readonly<Record<string, unknown>>;
}
