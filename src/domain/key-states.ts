/**
 * Which operation accepts a key in which state, and the error it gets otherwise: AWS's key
 * state table as data. https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html
 * Every operation that uses an existing key calls assertKeyState with its own name; the order
 * of checks around it lives in key-access.ts.
 */
import type { OperationName } from "../protocol/model.generated.js";
import type { KeyState } from "../protocol/types.generated.js";
import type { KeyRecord } from "./key.js";
import { KmsError } from "./kms-errors.js";

/** How an operation treats a key that is not Enabled. */
type Rule = "allow" | "disabled" | "invalid";

/** States other than Enabled (which every operation accepts). */
type OtherState = Exclude<KeyState, "Enabled">;

const cryptographic: Record<OtherState, Rule> = {
  Disabled: "disabled",
  PendingDeletion: "invalid",
  PendingImport: "invalid",
  PendingReplicaDeletion: "invalid",
  Unavailable: "invalid",
  Creating: "invalid",
  Updating: "invalid",
};
const readOnly: Record<OtherState, Rule> = {
  Disabled: "allow",
  PendingDeletion: "allow",
  PendingImport: "allow",
  PendingReplicaDeletion: "allow",
  Unavailable: "allow",
  Creating: "allow",
  Updating: "allow",
};
/** Management operations that change a key: fine unless the key is on its way out. */
const management: Record<OtherState, Rule> = {
  Disabled: "allow",
  PendingDeletion: "invalid",
  PendingImport: "allow",
  PendingReplicaDeletion: "invalid",
  Unavailable: "allow",
  Creating: "invalid",
  Updating: "invalid",
};

export const keyStateRules: Partial<Record<OperationName, Record<OtherState, Rule>>> = {
  Encrypt: cryptographic,
  Decrypt: cryptographic,
  ReEncrypt: cryptographic,
  GenerateDataKey: cryptographic,
  GenerateDataKeyWithoutPlaintext: cryptographic,
  GenerateDataKeyPair: cryptographic,
  GenerateDataKeyPairWithoutPlaintext: cryptographic,
  GenerateMac: cryptographic,
  VerifyMac: cryptographic,
  Sign: cryptographic,
  Verify: cryptographic,
  GetPublicKey: cryptographic,
  DeriveSharedSecret: cryptographic,
  DescribeKey: readOnly,
  GetKeyPolicy: readOnly,
  ListKeyPolicies: readOnly,
  ListResourceTags: readOnly,
  ListAliases: readOnly,
  ListGrants: readOnly,
  GetKeyRotationStatus: readOnly,
  ListKeyRotations: readOnly,
  RetireGrant: readOnly,
  RevokeGrant: readOnly,
  DeleteAlias: readOnly,
  GetKeyLastUsage: readOnly,
  PutKeyPolicy: { ...management, PendingDeletion: "allow" },
  CreateAlias: management,
  UpdateAlias: management,
  CreateGrant: management,
  TagResource: management,
  UntagResource: management,
  UpdateKeyDescription: management,
  ScheduleKeyDeletion: { ...management, PendingImport: "allow" },
  CancelKeyDeletion: {
    Disabled: "invalid",
    PendingDeletion: "allow",
    PendingImport: "invalid",
    PendingReplicaDeletion: "invalid",
    Unavailable: "invalid",
    Creating: "invalid",
    Updating: "invalid",
  },
  EnableKey: { ...management, PendingImport: "invalid" },
  DisableKey: { ...management, PendingImport: "invalid" },
  EnableKeyRotation: { ...management, Disabled: "disabled", PendingImport: "invalid" },
  DisableKeyRotation: { ...management, Disabled: "disabled", PendingImport: "invalid" },
  RotateKeyOnDemand: { ...management, Disabled: "disabled", PendingImport: "invalid" },
  GetParametersForImport: management,
  ImportKeyMaterial: management,
  DeleteImportedKeyMaterial: management,
  ReplicateKey: { ...management, Disabled: "allow" },
  UpdatePrimaryRegion: management,
};

const stateWords: Record<OtherState, string> = {
  Disabled: "disabled",
  PendingDeletion: "pending deletion",
  PendingImport: "pending import",
  PendingReplicaDeletion: "pending replica deletion",
  Unavailable: "unavailable",
  Creating: "being created",
  Updating: "being updated",
};

/** AWS's wording for a key in the wrong state, e.g. "arn:...:key/... is pending deletion." */
export function keyStateMessage(key: KeyRecord): string {
  return `${key.arn} is ${key.keyState === "Enabled" ? "enabled" : stateWords[key.keyState]}.`;
}

export function assertKeyState(key: KeyRecord, operation: OperationName): void {
  if (key.keyState === "Enabled") return;
  const rules = keyStateRules[operation];
  if (!rules) throw new Error(`key state table has no row for ${operation}`);
  const rule = rules[key.keyState];
  if (rule === "allow") return;
  if (rule === "disabled") throw new KmsError("DisabledException", keyStateMessage(key));
  throw new KmsError("KMSInvalidStateException", keyStateMessage(key));
}
