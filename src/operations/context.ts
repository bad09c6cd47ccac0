/**
 * What an operation sees of the world: who is calling, when, and the services it may use.
 * Built once per request by the protocol layer; operations never see HTTP.
 */
import type { OperationName } from "../protocol/model.generated.js";
import type { Services } from "../services.js";

/** The authenticated (or, in open mode, assumed) caller of one request. */
export interface Caller {
  readonly accountId: string;
  readonly region: string;
  /** ARN of the calling principal, e.g. arn:aws:iam::111122223333:root in open mode. */
  readonly principalArn: string;
  readonly accessKeyId: string | undefined;
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
