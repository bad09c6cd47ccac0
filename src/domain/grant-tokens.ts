/**
 * Checks the GrantTokens of a request. A token Trent did not mint (malformed or forged) is an
 * InvalidGrantTokenException, as AWS answers for a token it cannot parse. The grant ids of
 * valid tokens are returned so authorization can honour their grants.
 */
import { verifyGrantToken } from "../platform/crypto/grant-token.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { RequestContext } from "./request-context.js";

export function checkGrantTokens(
  ctx: RequestContext,
  tokens: readonly string[] | undefined,
): string[] {
  const grantIds: string[] = [];
  for (const token of tokens ?? []) {
    const grantId = verifyGrantToken(ctx.services.grantTokenKey, token);
    if (grantId === undefined)
      throw new KmsError("InvalidGrantTokenException", "Invalid grant token.");
    grantIds.push(grantId);
  }
  return grantIds;
}
