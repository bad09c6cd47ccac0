/**
 * Who a console sign-in makes the caller, in the configured auth mode. The console's session
 * then makes every KMS call as this caller, through the same core entry, authorization and
 * audit as a signed request would.
 *
 * - sigv4: the access key id and secret access key of an identity in the credentials file. The
 *   secret is compared in constant time, and an unknown key id and a wrong secret are refused
 *   alike, so the form tells no one which key ids exist.
 * - open: the account root, as open mode's API callers are; the console front door admits
 *   only loopback clients to it.
 */
import { sameSecret } from "../../platform/crypto/secret-compare.js";
import { accountRootArn, isRegionName, partitionOf } from "../../vocabulary/arns.js";
import type { TrentConfig } from "../../vocabulary/config.js";
import type { Caller } from "../../vocabulary/request.js";
import type { CredentialDirectory } from "./credentials-file.js";

export interface SignInAttempt {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The Region the console works in (the caller's region); the configured one when empty. */
  readonly region: string;
  readonly sourceIp: string;
  readonly userAgent: string;
}

/** Why a sign-in was refused, in words fit for the sign-in page. */
export class SignInRefused extends Error {}

/** Turns a sign-in into the console's caller; throws SignInRefused. */
export type ConsoleSignIn = (attempt: SignInAttempt) => Caller;

// Compared against when the key id is unknown, so both refusals take the same time.
const absentSecret = "no identity has this access key id";

export function createConsoleSignIn(
  config: TrentConfig,
  credentials: CredentialDirectory | undefined,
): ConsoleSignIn {
  return (attempt) => {
    const region = attempt.region === "" ? config.region : attempt.region;
    if (!isRegionName(region))
      throw new SignInRefused(`${region} is not a Region name such as us-east-1`);
    if (config.authMode !== "sigv4")
      return {
        accountId: config.accountId,
        region,
        principalArn: accountRootArn(region, config.accountId),
        accessKeyId: undefined,
        temporaryCredentials: false,
        identityPolicies: "administrator",
        sourceIp: attempt.sourceIp,
        userAgent: attempt.userAgent,
      };
    const identity = credentials?.get(attempt.accessKeyId);
    const secretMatches = sameSecret(
      attempt.secretAccessKey,
      identity?.secretAccessKey ?? absentSecret,
    );
    if (!identity || !secretMatches)
      throw new SignInRefused("The access key id or secret access key is not correct.");
    if (identity.partition !== partitionOf(region))
      throw new SignInRefused(
        `This identity belongs to the ${identity.partition} partition; ${region} is not in it.`,
      );
    return {
      accountId: identity.accountId,
      region,
      principalArn: identity.arn,
      accessKeyId: identity.accessKeyId,
      temporaryCredentials: identity.sessionToken !== undefined,
      identityPolicies: identity.policies,
      sourceIp: attempt.sourceIp,
      userAgent: attempt.userAgent,
    };
  };
}
