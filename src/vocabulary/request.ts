/**
 * One request as every floor sees it: who is calling, when, which operation with which input,
 * and what the audit record should note. Built once per request by the core's entry
 * (src/core/kms.ts); operations never see HTTP. The services a request may use are domain
 * objects, so the context that carries them is defined a floor up (domain/request-context.ts).
 */
import type { OperationName } from "./model.generated.js";
import type { OperationShapes } from "./types.generated.js";

/**
 * One KMS request as authorization reads it: the operation's name and its decoded, validated
 * input, typed together, so a rule that reads a member names the operations that have it and
 * the compiler checks the member's type.
 */
export type KmsRequest = {
  [N in OperationName]: { readonly operation: N; readonly input: OperationShapes[N]["input"] };
}[OperationName];

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
  /**
   * CloudTrail's additionalEventData.recipient of a request answered for a Nitro enclave: the
   * attestation document's module id and measurements, named as CloudTrail names them.
   */
  recipient?: Readonly<Record<string, string>>;
}

export interface RequestScope {
  readonly requestId: string;
  readonly caller: Caller;
  /** The request's clock reading, taken once so every rule in one request sees the same time. */
  readonly now: Date;
  readonly audit: AuditNotes;
  /** The operation's name; the same as request.operation. */
  readonly operation: OperationName;
  /** The operation and its decoded, validated input, for authorization. */
  readonly request: KmsRequest;
  /** The request came over TLS (aws:SecureTransport); false when absent. */
  readonly secureTransport?: boolean;
}
