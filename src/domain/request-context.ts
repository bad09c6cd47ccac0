/**
 * A request's scope (vocabulary/request.ts) together with the services it may use and the
 * grant tokens it presented. Built once per request by the core's entry (core/kms.ts) through
 * `newRequestContext`, so every request is shaped alike whatever front door it came through.
 */
import type { AuditNotes, Caller, KmsRequest, RequestScope } from "../vocabulary/request.js";
import { PresentedGrantTokens } from "./grant-tokens.js";
import type { Services } from "./services.js";

export interface RequestContext extends RequestScope {
  readonly services: Services;
  /** The request's GrantTokens, verified once when key access first needs them. */
  readonly grantTokens: PresentedGrantTokens;
}

export interface RequestFacts {
  readonly requestId: string;
  readonly caller: Caller;
  readonly now: Date;
  readonly request: KmsRequest;
  /** Where the operation notes what the audit record should name; fresh when absent. */
  readonly audit?: AuditNotes;
}

export function newRequestContext(services: Services, facts: RequestFacts): RequestContext {
  return {
    requestId: facts.requestId,
    caller: facts.caller,
    now: facts.now,
    operation: facts.request.operation,
    request: facts.request,
    audit: facts.audit ?? { resources: [] },
    services,
    grantTokens: new PresentedGrantTokens(facts.request, services.grantTokenKey),
  };
}
