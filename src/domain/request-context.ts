/** A request's scope (vocabulary/request.ts) together with the services it may use. */
import type { RecipientPublicKey } from "../platform/crypto/cms-enveloped-data.js";
import type { AttestationDocument } from "../platform/crypto/nitro-attestation.js";
import type { RequestScope } from "../vocabulary/request.js";
import type { Services } from "./services.js";

/** A Recipient whose attestation document verified, and the enclave key it names. */
export interface AttestedRecipient {
  readonly document: AttestationDocument;
  readonly publicKey: RecipientPublicKey;
}

export interface RequestContext extends RequestScope {
  readonly services: Services;
  /**
   * The request's Recipient once its attestation document verified (domain/recipient.ts), before
   * authorization, so policies can test its measurements; absent without a Recipient.
   */
  readonly recipient?: AttestedRecipient;
}
