/** The grants Trent keeps, in domain words: what CreateGrant stored and ListGrants lists. */
import type { GrantOperation } from "./types.generated.js";

export type EncryptionContext = Readonly<Record<string, string>>;

export interface GrantConstraintsRecord {
  readonly encryptionContextEquals?: EncryptionContext | undefined;
  readonly encryptionContextSubset?: EncryptionContext | undefined;
}

export interface GrantRecord {
  /** 64 hex characters, as AWS's grant ids are. */
  readonly grantId: string;
  readonly keyArn: string;
  readonly region: string;
  readonly name: string | undefined;
  readonly creationDate: Date;
  readonly granteePrincipal: string;
  readonly retiringPrincipal: string | undefined;
  /** Root ARN of the account whose principal created the grant. */
  readonly issuingAccount: string;
  readonly operations: readonly GrantOperation[];
  readonly constraints: GrantConstraintsRecord | undefined;
}

/** Sort key of grant listings: oldest first, ties broken by grant id. */
export function grantListKey(grant: Pick<GrantRecord, "creationDate" | "grantId">): string {
  return `${String(grant.creationDate.getTime()).padStart(15, "0")}.${grant.grantId}`;
}
