/**
 * Turns request headers into a Caller. Open mode (the default for local development) accepts
 * any or no signature: the region comes from the credential scope when there is one, the
 * account from config, and the principal is the account's root. The sigv4 mode will plug in
 * here, returning the verified identity instead.
 */
import type { TrentConfig } from "../config.js";
import { accountRootArn } from "../domain/arns.js";
import type { Caller } from "../operations/context.js";
import { parseCredentialScope } from "./credential-scope.js";

export interface RequestFacts {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly sourceIp: string;
}

function header(facts: RequestFacts, name: string): string | undefined {
  const value = facts.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const regionPattern = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export function authenticateOpen(config: TrentConfig, facts: RequestFacts): Caller {
  const scope = parseCredentialScope(header(facts, "authorization"));
  const region = scope && regionPattern.test(scope.region) ? scope.region : config.region;
  return {
    accountId: config.accountId,
    region,
    principalArn: accountRootArn(region, config.accountId),
    accessKeyId: scope?.accessKeyId,
    sourceIp: facts.sourceIp,
    userAgent: header(facts, "user-agent") ?? "",
  };
}
