/**
 * Which operation accepts a key in which state, and the error it gets otherwise: AWS's key
 * state table as data. https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html
 * Every operation that uses an existing key calls assertKeyState with its own name; the order
 * of checks around it lives in key-access.ts.
 *
 * The columns are the eight key states (the page merges PendingDeletion and
 * PendingReplicaDeletion into one column); the cells name the footnote of the page:
 *   "ok"                   ✓
 *   "disabled"             [1]  DisabledException: <key ARN> is disabled.
 *   "invalid"              [3] [5] [11] [14] [15]  KMSInvalidStateException: <key ARN> is
 *                          pending deletion. / pending import. / unavailable. / creating. /
 *                          updating.
 *   "not-pending-deletion" [4]  KMSInvalidStateException: <key ARN> is not pending deletion.
 *   "external-origin"      [6]  UnsupportedOperationException: <key ARN> origin is EXTERNAL
 *                          which is not valid for this operation.
 * Where the page says "[2] or [3]" (cryptographic operations on a key pending deletion) Trent
 * answers [3], KMSInvalidStateException, as AWS does for Decrypt and Encrypt. Cells that
 * depend on the key's origin rather than its state ("?" with [7] or [9]) are "ok" here: the
 * operation checks the origin itself. "N/A" cells (a state the key cannot be in) are "invalid".
 */

import type { KeyRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { OperationName } from "../vocabulary/model.generated.js";
import type { KeyState } from "../vocabulary/types.generated.js";

export type KeyStateRule =
  | "ok"
  | "disabled"
  | "invalid"
  | "not-pending-deletion"
  | "external-origin";

type Row = Readonly<Record<KeyState, KeyStateRule>>;

function row(
  enabled: KeyStateRule,
  disabled: KeyStateRule,
  pendingDeletion: KeyStateRule,
  pendingImport: KeyStateRule,
  unavailable: KeyStateRule,
  creating: KeyStateRule,
  updating: KeyStateRule,
): Row {
  return {
    Enabled: enabled,
    Disabled: disabled,
    PendingDeletion: pendingDeletion,
    PendingReplicaDeletion: pendingDeletion,
    PendingImport: pendingImport,
    Unavailable: unavailable,
    Creating: creating,
    Updating: updating,
  };
}

/** Every state accepted: reads, and operations on aliases, policies and grants. */
const always = row("ok", "ok", "ok", "ok", "ok", "ok", "ok");
/** Encrypt, Decrypt, GenerateDataKey* and ReEncrypt. */
const cryptographic = row("ok", "disabled", "invalid", "invalid", "invalid", "invalid", "ok");
/** Sign, Verify, GenerateMac, VerifyMac, GetPublicKey: PendingImport/Unavailable are N/A. */
const asymmetricOrMac = cryptographic;
/** CreateAlias, TagResource, UntagResource, UpdateKeyDescription, UpdateAlias (target). */
const describing = row("ok", "ok", "invalid", "ok", "ok", "ok", "ok");
/** Enable/DisableKeyRotation (origin checks live in the operations). */
const rotation = row("ok", "disabled", "invalid", "external-origin", "ok", "invalid", "ok");
/**
 * RotateKeyOnDemand: since keys with imported material rotate on demand (2025), a key waiting
 * for its material is "pending import." (recorded 2025-11-05), no longer note [6]'s origin
 * sentence (recorded 2025-03-08, superseded).
 */
const onDemandRotation = row("ok", "disabled", "invalid", "invalid", "ok", "invalid", "ok");

export const keyStateRules: Partial<Record<OperationName, Row>> = {
  CancelKeyDeletion: row(
    "not-pending-deletion",
    "not-pending-deletion",
    "ok",
    "not-pending-deletion",
    "not-pending-deletion",
    "not-pending-deletion",
    "not-pending-deletion",
  ),
  CreateAlias: describing,
  CreateGrant: row("ok", "disabled", "invalid", "invalid", "ok", "invalid", "ok"),
  Decrypt: cryptographic,
  DeleteAlias: always,
  DeleteImportedKeyMaterial: row("ok", "ok", "ok", "ok", "invalid", "invalid", "invalid"),
  DeriveSharedSecret: asymmetricOrMac,
  DescribeKey: always,
  DisableKey: row("ok", "ok", "invalid", "invalid", "ok", "invalid", "invalid"),
  DisableKeyRotation: rotation,
  EnableKey: row("ok", "ok", "invalid", "invalid", "ok", "invalid", "invalid"),
  EnableKeyRotation: rotation,
  Encrypt: cryptographic,
  GenerateDataKey: cryptographic,
  GenerateDataKeyPair: cryptographic,
  GenerateDataKeyPairWithoutPlaintext: cryptographic,
  GenerateDataKeyWithoutPlaintext: cryptographic,
  GenerateMac: asymmetricOrMac,
  GetKeyLastUsage: always,
  GetKeyPolicy: always,
  GetKeyRotationStatus: row("ok", "ok", "ok", "external-origin", "ok", "ok", "ok"),
  GetParametersForImport: row("ok", "ok", "invalid", "ok", "invalid", "invalid", "invalid"),
  GetPublicKey: asymmetricOrMac,
  ImportKeyMaterial: row("ok", "ok", "invalid", "ok", "invalid", "invalid", "ok"),
  ListAliases: always,
  ListGrants: always,
  ListKeyPolicies: always,
  // PendingImport is "ok": a symmetric key with imported material lists its materials (and
  // their import state) in any state; ListKeyRotations checks the key's type and origin itself.
  ListKeyRotations: always,
  ListResourceTags: always,
  PutKeyPolicy: always,
  ReEncrypt: cryptographic,
  ReplicateKey: row("ok", "disabled", "invalid", "invalid", "invalid", "invalid", "invalid"),
  RetireGrant: always,
  RevokeGrant: always,
  RotateKeyOnDemand: onDemandRotation,
  ScheduleKeyDeletion: row("ok", "ok", "invalid", "ok", "ok", "ok", "invalid"),
  Sign: asymmetricOrMac,
  TagResource: describing,
  UntagResource: describing,
  UpdateAlias: describing,
  UpdateKeyDescription: describing,
  UpdatePrimaryRegion: row("ok", "disabled", "invalid", "invalid", "invalid", "invalid", "ok"),
  Verify: asymmetricOrMac,
  VerifyMac: asymmetricOrMac,
};

const stateWords: Record<KeyState, string> = {
  Enabled: "enabled",
  Disabled: "disabled",
  PendingDeletion: "pending deletion",
  PendingReplicaDeletion: "pending replica deletion",
  PendingImport: "pending import",
  Unavailable: "unavailable",
  Creating: "creating",
  Updating: "updating",
};

/** AWS's wording for a key in the wrong state, e.g. "arn:...:key/... is pending deletion." */
export function keyStateMessage(key: KeyRecord): string {
  return `${key.arn} is ${stateWords[key.keyState]}.`;
}

/** The error `rule` stands for, for `key` in its current state; undefined for "ok". */
export function keyStateError(key: KeyRecord, rule: KeyStateRule): KmsError | undefined {
  switch (rule) {
    case "ok":
      return undefined;
    case "disabled":
      return new KmsError("DisabledException", keyStateMessage(key));
    case "invalid":
      return new KmsError("KMSInvalidStateException", keyStateMessage(key));
    case "not-pending-deletion":
      return new KmsError("KMSInvalidStateException", `${key.arn} is not pending deletion.`);
    case "external-origin":
      return new KmsError(
        "UnsupportedOperationException",
        `${key.arn} origin is EXTERNAL which is not valid for this operation.`,
      );
  }
}

export function assertKeyState(key: KeyRecord, operation: OperationName): void {
  const rules = keyStateRules[operation];
  if (!rules) throw new Error(`key state table has no row for ${operation}`);
  const error = keyStateError(key, rules[key.keyState]);
  if (error) throw error;
}
