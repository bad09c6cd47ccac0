/**
 * Turns a request into a Caller, in the configured auth mode.
 *
 * - open (the default, for local development): any or no signature is accepted; the region
 *   comes from the credential scope when there is one, the account from config, and the
 *   caller is the account's root with no limits.
 * - sigv4: the signature is verified (src/core/auth/sigv4.ts) against the credentials file's
 *   identities, and the caller is the identity that signed: its account, principal ARN and
 *   identity policies, in the region its credential scope names.
 *
 * Authentication runs before the body is decoded, so an unauthenticated client learns nothing
 * about how Trent reads request bodies.
 */

import { accountRootArn, isRegionName, partitionOf } from "../../vocabulary/arns.js";
import type { TrentConfig } from "../../vocabulary/config.js";
import type { Clock } from "../../vocabulary/ports.js";
import type { Caller } from "../../vocabulary/request.js";
import { parseCredentialScope } from "./credential-scope.js";
import type { CredentialDirectory } from "./credentials-file.js";
import { verifySigV4 } from "./sigv4.js";

export interface RequestFacts {
  readonly method: string;
  /** Path and query exactly as received. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Header names and values as received, alternating; SigV4 signs repeated headers in order. */
  readonly rawHeaders: readonly string[];
  readonly body: Uint8Array;
  readonly sourceIp: string;
}

/** The signing name of KMS: the service a credential scope must name. */
const signingName = "kms";

function header(facts: RequestFacts, name: string): string | undefined {
  const value = facts.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function authenticateOpen(config: TrentConfig, facts: RequestFacts): Caller {
  const scope = parseCredentialScope(header(facts, "authorization"));
  const region = scope && isRegionName(scope.region) ? scope.region : config.region;
  return {
    accountId: config.accountId,
    region,
    principalArn: accountRootArn(region, config.accountId),
    accessKeyId: scope?.accessKeyId,
    temporaryCredentials: false,
    identityPolicies: "administrator",
    sourceIp: facts.sourceIp,
    userAgent: header(facts, "user-agent") ?? "",
  };
}

export function authenticateSigV4(
  credentials: CredentialDirectory,
  clock: Clock,
  facts: RequestFacts,
): Caller {
  const { identity, accessKeyId, region } = verifySigV4(facts, {
    now: clock.now(),
    service: signingName,
    isValidRegion: isRegionName,
    // Access keys are partition-bound in AWS: a key of an aws-cn identity is unknown in
    // us-east-1, exactly as an unknown key is.
    findIdentity: (id, candidateRegion) => {
      const found = credentials.get(id);
      return found && found.partition === partitionOf(candidateRegion) ? found : undefined;
    },
  });
  return {
    accountId: identity.accountId,
    region,
    principalArn: identity.arn,
    accessKeyId,
    temporaryCredentials: identity.sessionToken !== undefined,
    identityPolicies: identity.policies,
    sourceIp: facts.sourceIp,
    userAgent: header(facts, "user-agent") ?? "",
  };
}

/** Turns a request's facts into its caller, or throws AWS's authentication error. */
export type Authenticator = (facts: RequestFacts) => Caller;

/**
 * The authenticator of the configured mode. In sigv4 mode `credentials` must be the loaded
 * credentials file (startTrent reads it before anything listens).
 */
export function createAuthenticator(
  config: TrentConfig,
  credentials: CredentialDirectory | undefined,
  clock: Clock,
): Authenticator {
  if (config.authMode !== "sigv4") return (facts) => authenticateOpen(config, facts);
  if (!credentials) throw new Error("sigv4 auth mode needs the loaded credentials file");
  return (facts) => authenticateSigV4(credentials, clock, facts);
}
