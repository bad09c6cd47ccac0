/**
 * What a customer may do with a key AWS manages (KeyManager AWS), as one table consulted by key
 * access when it authorizes a request (policy/authorize.ts). AWS manages these keys' state,
 * policy, rotation, tags, aliases and life; customers may read them and use them the way the
 * key policy allows. https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key
 *
 *   "key policy"  the key policy decides, as for any key: reads (Describe*, Get*, List*), the
 *                 uses the key's service makes, grants.
 *   "AWS only"    refused whatever any policy or grant says, with the AccessDeniedException
 *                 AWS answers: "User: <caller> is not authorized to perform: kms:<Action> on
 *                 resource: <key ARN> because no resource-based policy allows the kms:<Action>
 *                 action" (an explicit Deny still answers first, with its own wording). AWS's
 *                 answer comes from the AWS managed key policy, which allows none of these;
 *                 the table keeps it so whatever Trent's evaluation of that policy is.
 *   "no key"      the operation names no key; listed so the compiler keeps the table whole.
 *
 * The alias/aws/ names themselves are refused earlier, by the alias name rules (aliases.ts:
 * NotAuthorizedException for CreateAlias, UpdateAlias and DeleteAlias of an alias/aws/ name).
 * test/unit/aws-managed-key-policies.test.ts checks that no AWS managed key policy allows what
 * this table says only AWS may do.
 */
import type { KeyManagerType } from "../vocabulary/types.generated.js";
import type { GrantAction } from "./grants.js";

export type ManagedKeyRule = "key policy" | "AWS only" | "no key";

export const awsManagedKeyPermissions: Readonly<Record<GrantAction, ManagedKeyRule>> = {
  CancelKeyDeletion: "AWS only",
  ConnectCustomKeyStore: "no key",
  CreateAlias: "AWS only",
  CreateCustomKeyStore: "no key",
  CreateGrant: "key policy",
  CreateKey: "no key",
  Decrypt: "key policy",
  DeleteAlias: "AWS only",
  DeleteCustomKeyStore: "no key",
  DeleteImportedKeyMaterial: "AWS only",
  DeriveSharedSecret: "key policy",
  DescribeCustomKeyStores: "no key",
  DescribeKey: "key policy",
  DisableKey: "AWS only",
  DisableKeyRotation: "AWS only",
  DisconnectCustomKeyStore: "no key",
  EnableKey: "AWS only",
  EnableKeyRotation: "AWS only",
  Encrypt: "key policy",
  GenerateDataKey: "key policy",
  GenerateDataKeyPair: "key policy",
  GenerateDataKeyPairWithoutPlaintext: "key policy",
  GenerateDataKeyWithoutPlaintext: "key policy",
  GenerateMac: "key policy",
  GenerateRandom: "no key",
  GetKeyLastUsage: "key policy",
  GetKeyPolicy: "key policy",
  GetKeyRotationStatus: "key policy",
  // The account's kms:Get* allows it; the key's origin (AWS_KMS) then refuses it.
  GetParametersForImport: "key policy",
  GetPublicKey: "key policy",
  ImportKeyMaterial: "AWS only",
  ListAliases: "no key",
  ListGrants: "key policy",
  ListKeyPolicies: "key policy",
  ListKeyRotations: "key policy",
  ListKeys: "no key",
  ListResourceTags: "key policy",
  ListRetirableGrants: "no key",
  PutKeyPolicy: "AWS only",
  ReEncrypt: "key policy",
  ReEncryptFrom: "key policy",
  ReEncryptTo: "key policy",
  ReplicateKey: "AWS only",
  RetireGrant: "key policy",
  RevokeGrant: "key policy",
  RotateKeyOnDemand: "AWS only",
  ScheduleKeyDeletion: "AWS only",
  Sign: "key policy",
  TagResource: "AWS only",
  UntagResource: "AWS only",
  UpdateAlias: "AWS only",
  UpdateCustomKeyStore: "no key",
  UpdateKeyDescription: "AWS only",
  UpdatePrimaryRegion: "AWS only",
  Verify: "key policy",
  VerifyMac: "key policy",
};

/** Whether only AWS may perform `action` on a key managed by `keyManager`. */
export function onlyAwsMay(keyManager: KeyManagerType, action: GrantAction): boolean {
  return keyManager === "AWS" && awsManagedKeyPermissions[action] === "AWS only";
}
