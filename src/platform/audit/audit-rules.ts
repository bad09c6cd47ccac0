/**
 * What the audit record of each KMS operation may show, as data. Request and response members
 * are an allow-list in the model's own names: a member not listed here never reaches an audit
 * record, so a new model member (or a new secret) stays out until someone decides otherwise.
 * Blobs and shapes the model marks sensitive are dropped even when listed (see parameters.ts).
 *
 * The values follow AWS's CloudTrail examples for KMS,
 * https://docs.aws.amazon.com/kms/latest/developerguide/understanding-kms-entries.html:
 * cryptographic and read operations are readOnly, responseElements is null for them and for
 * operations without output; management operations that return something show it, except
 * secrets such as CreateGrant's GrantToken.
 */
import type { OperationName } from "../../vocabulary/model.generated.js";
import type { KeyLastUsageTrackingOperation } from "../../vocabulary/types.generated.js";

export interface AuditRule {
  readonly readOnly: boolean;
  /** Request members CloudTrail shows; everything else in the request is left out. */
  readonly request: readonly string[];
  /** Response members CloudTrail shows; none means responseElements is null. */
  readonly response: readonly string[];
  /** Request members CloudTrail shows with their default value when the request omits them. */
  readonly defaults?: Readonly<Record<string, string>>;
}

const keyOnly = { readOnly: false, request: ["KeyId"], response: [] } as const;
const readKey = { readOnly: true, request: ["KeyId"], response: [] } as const;
const listByKey = { readOnly: true, request: ["KeyId", "Limit", "Marker"], response: [] } as const;
const alias = { readOnly: false, request: ["AliasName", "TargetKeyId"], response: [] } as const;
const keyStoreOnly = { readOnly: false, request: ["CustomKeyStoreId"], response: [] } as const;
const dataKeyPair = {
  readOnly: true,
  request: ["KeyId", "EncryptionContext", "KeyPairSpec", "DryRun"],
  response: [],
} as const;
const dataKey = {
  readOnly: true,
  request: ["KeyId", "EncryptionContext", "NumberOfBytes", "KeySpec", "DryRun"],
  response: [],
} as const;
const signature = {
  readOnly: true,
  request: ["KeyId", "MessageType", "SigningAlgorithm", "DryRun"],
  response: [],
} as const;
const mac = { readOnly: true, request: ["KeyId", "MacAlgorithm", "DryRun"], response: [] } as const;
const grantById = {
  readOnly: false,
  request: ["KeyId", "GrantId", "DryRun"],
  response: [],
} as const;
const xksProxy = [
  "XksProxyUriEndpoint",
  "XksProxyUriPath",
  "XksProxyVpcEndpointServiceName",
  "XksProxyVpcEndpointServiceOwner",
  "XksProxyConnectivity",
] as const;

export const auditRules: Record<OperationName, AuditRule> = {
  CancelKeyDeletion: { readOnly: false, request: ["KeyId"], response: ["KeyId"] },
  ConnectCustomKeyStore: keyStoreOnly,
  CreateAlias: alias,
  CreateCustomKeyStore: {
    readOnly: false,
    // Never KeyStorePassword or XksProxyAuthenticationCredential: they are credentials.
    request: ["CustomKeyStoreName", "CloudHsmClusterId", "CustomKeyStoreType", ...xksProxy],
    response: ["CustomKeyStoreId"],
  },
  CreateGrant: {
    readOnly: false,
    request: [
      "KeyId",
      "GranteePrincipal",
      "RetiringPrincipal",
      "Operations",
      "Constraints",
      "Name",
      "DryRun",
    ],
    // The grant token is a bearer credential for the grant; CloudTrail shows only its id.
    response: ["GrantId"],
  },
  CreateKey: {
    readOnly: false,
    request: [
      "Policy",
      "Description",
      "KeyUsage",
      "CustomerMasterKeySpec",
      "KeySpec",
      "Origin",
      "CustomKeyStoreId",
      "BypassPolicyLockoutSafetyCheck",
      "Tags",
      "MultiRegion",
      "XksKeyId",
    ],
    response: ["KeyMetadata"],
  },
  Decrypt: {
    readOnly: true,
    request: ["KeyId", "EncryptionContext", "EncryptionAlgorithm", "DryRun"],
    response: [],
    // "The CloudTrail log entry for a Decrypt operation always includes the
    // encryptionAlgorithm": https://docs.aws.amazon.com/kms/latest/developerguide/ct-decrypt.html
    defaults: { EncryptionAlgorithm: "SYMMETRIC_DEFAULT" },
  },
  DeleteAlias: { readOnly: false, request: ["AliasName"], response: [] },
  DeleteCustomKeyStore: keyStoreOnly,
  DeleteImportedKeyMaterial: { readOnly: false, request: ["KeyId", "KeyMaterialId"], response: [] },
  DeriveSharedSecret: {
    readOnly: true,
    request: ["KeyId", "KeyAgreementAlgorithm", "DryRun"],
    response: [],
  },
  DescribeCustomKeyStores: {
    readOnly: true,
    request: ["CustomKeyStoreId", "CustomKeyStoreName", "Limit", "Marker"],
    response: [],
  },
  DescribeKey: readKey,
  DisableKey: keyOnly,
  DisableKeyRotation: keyOnly,
  DisconnectCustomKeyStore: keyStoreOnly,
  EnableKey: keyOnly,
  EnableKeyRotation: { readOnly: false, request: ["KeyId", "RotationPeriodInDays"], response: [] },
  Encrypt: {
    readOnly: true,
    request: ["KeyId", "EncryptionContext", "EncryptionAlgorithm", "DryRun"],
    response: [],
  },
  GenerateDataKey: dataKey,
  GenerateDataKeyPair: dataKeyPair,
  GenerateDataKeyPairWithoutPlaintext: dataKeyPair,
  GenerateDataKeyWithoutPlaintext: dataKey,
  GenerateMac: mac,
  GenerateRandom: { readOnly: true, request: ["NumberOfBytes", "CustomKeyStoreId"], response: [] },
  GetKeyLastUsage: readKey,
  GetKeyPolicy: { readOnly: true, request: ["KeyId", "PolicyName"], response: [] },
  GetKeyRotationStatus: readKey,
  GetParametersForImport: {
    readOnly: true,
    request: ["KeyId", "WrappingAlgorithm", "WrappingKeySpec"],
    response: [],
  },
  GetPublicKey: readKey,
  ImportKeyMaterial: {
    readOnly: false,
    // Never ImportToken or EncryptedKeyMaterial.
    request: [
      "KeyId",
      "ValidTo",
      "ExpirationModel",
      "ImportType",
      "KeyMaterialDescription",
      "KeyMaterialId",
    ],
    response: [],
  },
  ListAliases: listByKey,
  ListGrants: {
    readOnly: true,
    request: ["Limit", "Marker", "KeyId", "GrantId", "GranteePrincipal"],
    response: [],
  },
  ListKeyPolicies: listByKey,
  ListKeyRotations: {
    readOnly: true,
    request: ["KeyId", "IncludeKeyMaterial", "Limit", "Marker"],
    response: [],
  },
  ListKeys: { readOnly: true, request: ["Limit", "Marker"], response: [] },
  ListResourceTags: listByKey,
  ListRetirableGrants: {
    readOnly: true,
    request: ["Limit", "Marker", "RetiringPrincipal"],
    response: [],
  },
  PutKeyPolicy: {
    readOnly: false,
    request: ["KeyId", "PolicyName", "Policy", "BypassPolicyLockoutSafetyCheck"],
    response: [],
  },
  ReEncrypt: {
    readOnly: true,
    request: [
      "SourceKeyId",
      "SourceEncryptionContext",
      "SourceEncryptionAlgorithm",
      "DestinationKeyId",
      "DestinationEncryptionContext",
      "DestinationEncryptionAlgorithm",
      "DryRun",
    ],
    response: [],
  },
  ReplicateKey: {
    readOnly: false,
    request: [
      "KeyId",
      "ReplicaRegion",
      "Policy",
      "BypassPolicyLockoutSafetyCheck",
      "Description",
      "Tags",
    ],
    response: ["ReplicaKeyMetadata", "ReplicaPolicy", "ReplicaTags"],
  },
  // Never the GrantToken: whoever holds it may retire the grant.
  RetireGrant: grantById,
  RevokeGrant: grantById,
  RotateKeyOnDemand: { readOnly: false, request: ["KeyId"], response: ["KeyId"] },
  ScheduleKeyDeletion: {
    readOnly: false,
    request: ["KeyId", "PendingWindowInDays"],
    response: ["KeyId", "KeyState", "DeletionDate", "PendingWindowInDays"],
  },
  Sign: signature,
  TagResource: { readOnly: false, request: ["KeyId", "Tags"], response: [] },
  UntagResource: { readOnly: false, request: ["KeyId", "TagKeys"], response: [] },
  UpdateAlias: alias,
  UpdateCustomKeyStore: {
    readOnly: false,
    request: ["CustomKeyStoreId", "NewCustomKeyStoreName", "CloudHsmClusterId", ...xksProxy],
    response: [],
  },
  UpdateKeyDescription: { readOnly: false, request: ["KeyId", "Description"], response: [] },
  UpdatePrimaryRegion: { readOnly: false, request: ["KeyId", "PrimaryRegion"], response: [] },
  Verify: signature,
  VerifyMac: mac,
};

/**
 * The operations GetKeyLastUsage reports: its model's KeyLastUsageTrackingOperation enum, as a
 * record so the compiler notices when the model adds one.
 */
const tracked: Record<KeyLastUsageTrackingOperation, true> = {
  Decrypt: true,
  DeriveSharedSecret: true,
  Encrypt: true,
  GenerateDataKey: true,
  GenerateDataKeyPair: true,
  GenerateDataKeyPairWithoutPlaintext: true,
  GenerateDataKeyWithoutPlaintext: true,
  GenerateMac: true,
  ReEncrypt: true,
  Sign: true,
  Verify: true,
  VerifyMac: true,
};

export function isTrackedOperation(name: string): name is KeyLastUsageTrackingOperation {
  return Object.hasOwn(tracked, name);
}
