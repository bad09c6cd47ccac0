/**
 * A request's scope (vocabulary/request.ts) together with the services it may use, the grant
 * tokens it presented and its attested Nitro enclave recipient. Built once per request by the
 * core's entry (core/kms.ts) through `newRequestContext`, so every request is shaped alike
 * whatever front door it came through.
 */
import type { RecipientPublicKey } from "../platform/crypto/cms-enveloped-data.js";
import type { AttestationDocument } from "../platform/crypto/nitro-attestation.js";
import type { AuditNotes, Caller, KmsRequest, RequestScope } from "../vocabulary/request.js";
import { PresentedGrantTokens } from "./grant-tokens.js";
import type { Services } from "./services.js";

/** A Recipient whose attestation document verified, and the enclave key it names. */
export interface AttestedRecipient {
  readonly document: AttestationDocument;
  readonly publicKey: RecipientPublicKey;
}

export interface RequestContext extends RequestScope {
  readonly services: Services;
  /** The request's GrantTokens, verified once when key access first needs them. */
  readonly grantTokens: PresentedGrantTokens;
  /**
   * The request's Recipient once its attestation document verified (domain/recipient.ts), before
   * authorization, so policies can test its measurements; absent without a Recipient.
   */
  readonly recipient?: AttestedRecipient;
}

export interface RequestFacts {
  readonly requestId: string;
  readonly caller: Caller;
  readonly now: Date;
  readonly request: KmsRequest;
  /** Where the operation notes what the audit record should name; fresh when absent. */
  readonly audit?: AuditNotes;
  readonly recipient?: AttestedRecipient | undefined;
  /** The request came over TLS (aws:SecureTransport). */
  readonly secureTransport?: boolean;
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
    ...(facts.recipient ? { recipient: facts.recipient } : {}),
    secureTransport: facts.secureTransport === true,
  };
}
