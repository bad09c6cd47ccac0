/**
 * The GrantTokens of a request. A token Trent did not mint (malformed or forged) is an
 * InvalidGrantTokenException, as AWS answers for a token it cannot parse; the grant ids of valid
 * tokens let authorization honour grants that have not propagated yet.
 *
 * Tokens are verified once per request, when key access first asks for them (key-access.ts), in
 * its order of checks: after the key is loaded, before authorization. A bad token is refused by
 * every operation that takes GrantTokens, DescribeKey included, though its model does not list
 * the error.
 */
import { verifyGrantToken } from "../platform/crypto/grant-token.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { KmsRequest } from "../vocabulary/request.js";

/** The grant id a token names; InvalidGrantTokenException unless Trent minted it. */
export function grantIdOfToken(tokenKey: Uint8Array, token: string): string {
  const grantId = verifyGrantToken(tokenKey, token);
  if (grantId === undefined)
    throw new KmsError("InvalidGrantTokenException", "Invalid grant token.");
  return grantId;
}

export class PresentedGrantTokens {
  readonly #tokens: readonly string[];
  readonly #tokenKey: Uint8Array;
  #grantIds: ReadonlySet<string> | undefined;

  constructor(request: KmsRequest, tokenKey: Uint8Array) {
    this.#tokens = ("GrantTokens" in request.input ? request.input.GrantTokens : undefined) ?? [];
    this.#tokenKey = tokenKey;
  }

  /** The grant ids the request's tokens name, verified on the first call only. */
  grantIds(): ReadonlySet<string> {
    if (this.#grantIds) return this.#grantIds;
    this.#grantIds = new Set(this.#tokens.map((token) => grantIdOfToken(this.#tokenKey, token)));
    return this.#grantIds;
  }
}
