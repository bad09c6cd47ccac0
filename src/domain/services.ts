/** The long-lived services operations use, built once by the composition root (app.ts). */

import type { AuditTrail } from "../platform/audit/audit-trail.js";
import type { KeyPairPool } from "../platform/crypto/key-pair-pool.js";
import type { NitroRoots } from "../platform/crypto/nitro-roots.js";
import type { Store } from "../platform/store/store.js";
import type { XksTransport } from "../platform/xks/transport.js";
import type { TrentConfig } from "../vocabulary/config.js";
import type { Clock, Random } from "../vocabulary/ports.js";
import type { KeyMaterialVault } from "./key-material.js";
import type { PolicyCache } from "./policy/evaluate.js";
import type { RequestQuotas } from "./request-quotas.js";

export interface Services {
  readonly config: TrentConfig;
  readonly store: Store;
  readonly clock: Clock;
  readonly random: Random;
  readonly vault: KeyMaterialVault;
  /** Fresh data key pairs; RSA ones come from a worker-thread pool. */
  readonly dataKeyPairs: KeyPairPool;
  /** MAC key of grant tokens; stored sealed under the root key (domain/root-keys.ts). */
  readonly grantTokenKey: Uint8Array;
  /** Parsed key policies by their text (immutable, so cacheable). */
  readonly policies: PolicyCache;
  /** Key that seals import tokens and names imported key material; stored sealed like the above. */
  readonly importKey: Uint8Array;
  /** Writes one audit record per KMS request and tracks each key's last use. */
  readonly audit: AuditTrail;
  /** How requests reach external key store proxies (node:https unless app.ts is given one). */
  readonly xksTransport: XksTransport;
  /** Root certificates Nitro Enclaves attestation documents must chain to (domain/recipient.ts). */
  readonly nitroRoots: NitroRoots;
  /** AWS's request quotas under TRENT_QUOTAS=aws; absent, nothing is throttled for rate. */
  readonly requestQuotas?: RequestQuotas;
}
