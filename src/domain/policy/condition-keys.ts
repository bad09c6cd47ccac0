/**
 * The request context policies are evaluated against: the value of every kms: and aws:
 * condition key for one request, derived from the caller, the clock, the operation, its input
 * and the key it uses. Which operation supplies which key follows AWS's condition key pages:
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html
 * https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 *
 * A key an operation does not supply is absent (not empty), so Null and ...IfExists behave as
 * on AWS. Condition key names are case-insensitive, including the context-key part of
 * kms:EncryptionContext:<context-key> and the tag-key part of aws:ResourceTag/<tag-key>; the
 * values keep their case. Trent has no integrated AWS services, so kms:ViaService is never
 * present and kms:GrantIsForAWSResource is always false.
 */
import type { KeyRecord, TagRecord } from "../../vocabulary/key-records.js";
import type { OperationName } from "../../vocabulary/model.generated.js";
import type { Caller } from "../../vocabulary/request.js";
import type { ConditionContext } from "./conditions.js";
import { type PrincipalIdentity, principalArnOf } from "./principals.js";

export interface KeyFacts {
  readonly key: KeyRecord;
  /** Alias names ("alias/...") of the key, for kms:ResourceAliases; omit when not needed. */
  readonly aliases?: readonly string[];
  /** Tags of the key, for aws:ResourceTag/<tag-key>; omit when not needed. */
  readonly tags?: readonly TagRecord[];
}

export interface AuthorizationFacts {
  readonly caller: Caller;
  readonly principal: PrincipalIdentity;
  readonly now: Date;
  readonly operation: OperationName;
  readonly input: Readonly<Record<string, unknown>>;
  /** The permission being checked, e.g. "kms:ReEncryptFrom". */
  readonly action: string;
  /** The key the permission is checked on; absent for operations without a key resource. */
  readonly key?: KeyFacts;
  /** The request came over TLS; false when absent. */
  readonly secureTransport?: boolean;
}

/** Operations that use or return key material: where kms:RequestAlias applies. */
const requestAliasOperations: ReadonlySet<OperationName> = new Set<OperationName>([
  "Decrypt",
  "DeriveSharedSecret",
  "DescribeKey",
  "Encrypt",
  "GenerateDataKey",
  "GenerateDataKeyPair",
  "GenerateDataKeyPairWithoutPlaintext",
  "GenerateDataKeyWithoutPlaintext",
  "GenerateMac",
  "GetPublicKey",
  "ReEncrypt",
  "Sign",
  "Verify",
  "VerifyMac",
]);

/** Operations with an encryption context (kms:EncryptionContext:*, kms:EncryptionContextKeys). */
const encryptionContextOperations: ReadonlySet<OperationName> = new Set<OperationName>([
  "Decrypt",
  "Encrypt",
  "GenerateDataKey",
  "GenerateDataKeyPair",
  "GenerateDataKeyPairWithoutPlaintext",
  "GenerateDataKeyWithoutPlaintext",
]);

/** Operations that only ever use SYMMETRIC_DEFAULT, which kms:EncryptionAlgorithm reports. */
const dataKeyOperations: ReadonlySet<OperationName> = new Set<OperationName>([
  "GenerateDataKey",
  "GenerateDataKeyPair",
  "GenerateDataKeyPairWithoutPlaintext",
  "GenerateDataKeyWithoutPlaintext",
]);

const customKeyStoreOperations: ReadonlySet<OperationName> = new Set<OperationName>([
  "ConnectCustomKeyStore",
  "CreateCustomKeyStore",
  "DeleteCustomKeyStore",
  "DescribeCustomKeyStores",
  "DisconnectCustomKeyStore",
  "UpdateCustomKeyStore",
]);

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  return value as Record<string, string>;
}

/** The alias name a KeyId parameter uses, if it names the key by an alias or alias ARN. */
function aliasNameOf(reference: string | undefined): string | undefined {
  if (!reference) return undefined;
  if (reference.startsWith("alias/")) return reference;
  const m = /^arn:aws[a-z-]*:kms:[^:]*:\d{12}:(alias\/.+)$/.exec(reference);
  return m?.[1];
}

/** Source or destination side of ReEncrypt, which is authorized once for each key. */
function reEncryptSide(action: string): "Source" | "Destination" {
  return action.toLowerCase() === "kms:reencryptto" ? "Destination" : "Source";
}

/** A mutable map of lower-cased key names to values, used only while building a context. */
class ContextValues {
  readonly #values = new Map<string, string[]>();

  set(key: string, value: string | boolean | number | undefined): void {
    if (value === undefined) return;
    this.#values.set(key.toLowerCase(), [String(value)]);
  }

  add(key: string, value: string): void {
    const name = key.toLowerCase();
    const existing = this.#values.get(name);
    if (existing) existing.push(value);
    else this.#values.set(name, [value]);
  }

  setAll(key: string, values: readonly string[]): void {
    if (values.length > 0) this.#values.set(key.toLowerCase(), [...values]);
  }

  freeze(): ConditionContext {
    const values = this.#values;
    return { get: (key) => values.get(key.toLowerCase()) };
  }
}

function addGlobalKeys(values: ContextValues, facts: AuthorizationFacts): void {
  const { caller, principal, now } = facts;
  values.set("aws:PrincipalArn", principalArnOf(principal));
  values.set("aws:PrincipalAccount", principal.accountId);
  values.set("aws:PrincipalType", principal.type);
  if (principal.type === "User") values.set("aws:username", principal.name);
  // The account root's user id is its account id; other principals' unique ids are not known.
  if (principal.type === "Account") values.set("aws:userid", principal.accountId);
  values.set("aws:SourceIp", caller.sourceIp.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1"));
  values.set("aws:CurrentTime", `${now.toISOString().slice(0, 19)}Z`);
  values.set("aws:EpochTime", Math.floor(now.getTime() / 1000));
  // True only when Trent's own listener spoke TLS with the client (TRENT_TLS_CERT_FILE): TLS
  // that ends at a proxy in front of Trent is not known to be end to end.
  values.set("aws:SecureTransport", facts.secureTransport === true);
  values.set("aws:RequestedRegion", caller.region);
  values.set("aws:PrincipalIsAWSService", false);
  values.set("aws:ViaAWSService", false);
  if (facts.key) values.set("aws:ResourceAccount", facts.key.key.accountId);
}

function addKeyAttributes(values: ContextValues, facts: AuthorizationFacts): void {
  const { key, input, operation } = facts;
  let spec: string | undefined;
  let usage: string | undefined;
  let origin: string | undefined;
  let multiRegion: boolean | undefined;
  let multiRegionType: string | undefined;
  if (key) {
    ({ keySpec: spec, keyUsage: usage, origin, multiRegion } = key.key);
    multiRegionType = key.key.multiRegionKeyType;
  } else if (operation === "CreateKey") {
    // CreateKey's condition keys describe the key the request asks for, defaults included.
    spec = text(input.KeySpec) ?? text(input.CustomerMasterKeySpec) ?? "SYMMETRIC_DEFAULT";
    usage = text(input.KeyUsage) ?? "ENCRYPT_DECRYPT";
    origin = text(input.Origin) ?? "AWS_KMS";
    multiRegion = input.MultiRegion === true;
    multiRegionType = multiRegion ? "PRIMARY" : undefined;
  } else return;
  values.set("kms:KeySpec", spec);
  values.set("kms:CustomerMasterKeySpec", spec);
  values.set("kms:KeyUsage", usage);
  values.set("kms:CustomerMasterKeyUsage", usage);
  values.set("kms:KeyOrigin", origin);
  values.set("kms:MultiRegion", multiRegion);
  values.set("kms:MultiRegionKeyType", multiRegionType);
}

function addEncryptionContext(values: ContextValues, context: Record<string, string>): void {
  const keys = Object.keys(context);
  for (const key of keys) values.add(`kms:EncryptionContext:${key}`, context[key] as string);
  values.setAll("kms:EncryptionContextKeys", keys);
}

function addTags(values: ContextValues, prefix: string, tags: readonly TagRecord[]): void {
  for (const tag of tags) values.add(`${prefix}${tag.key}`, tag.value);
}

function requestTags(input: Readonly<Record<string, unknown>>): TagRecord[] {
  const tags = Array.isArray(input.Tags) ? input.Tags : [];
  return tags.flatMap((tag: unknown) => {
    const t = stringMap(tag);
    return t && typeof t.TagKey === "string" && typeof t.TagValue === "string"
      ? [{ key: t.TagKey, value: t.TagValue }]
      : [];
  });
}

function addOperationKeys(values: ContextValues, facts: AuthorizationFacts): void {
  const { input, operation, action } = facts;
  const side = reEncryptSide(action);

  if (requestAliasOperations.has(operation)) {
    const reference = operation === "ReEncrypt" ? input[`${side}KeyId`] : input.KeyId;
    values.set("kms:RequestAlias", aliasNameOf(text(reference)));
  }

  if (encryptionContextOperations.has(operation)) {
    addEncryptionContext(values, stringMap(input.EncryptionContext) ?? {});
    const algorithm = dataKeyOperations.has(operation)
      ? "SYMMETRIC_DEFAULT"
      : (text(input.EncryptionAlgorithm) ?? "SYMMETRIC_DEFAULT");
    values.set("kms:EncryptionAlgorithm", algorithm);
  }
  if (operation === "ReEncrypt") {
    // Each side is authorized with its own key, context and algorithm.
    addEncryptionContext(values, stringMap(input[`${side}EncryptionContext`]) ?? {});
    values.set(
      "kms:EncryptionAlgorithm",
      text(input[`${side}EncryptionAlgorithm`]) ?? "SYMMETRIC_DEFAULT",
    );
  }

  switch (operation) {
    case "GenerateDataKeyPair":
    case "GenerateDataKeyPairWithoutPlaintext":
      values.set("kms:DataKeyPairSpec", text(input.KeyPairSpec));
      break;
    case "Sign":
    case "Verify":
      values.set("kms:SigningAlgorithm", text(input.SigningAlgorithm));
      values.set("kms:MessageType", text(input.MessageType) ?? "RAW");
      break;
    case "GenerateMac":
    case "VerifyMac":
      values.set("kms:MacAlgorithm", text(input.MacAlgorithm));
      break;
    case "DeriveSharedSecret":
      values.set("kms:KeyAgreementAlgorithm", text(input.KeyAgreementAlgorithm));
      break;
    case "CreateGrant": {
      const constraints = stringMap(input.Constraints);
      const equals = stringMap(constraints?.EncryptionContextEquals);
      const subset = stringMap(constraints?.EncryptionContextSubset);
      // For CreateGrant the encryption context keys describe the grant's constraint.
      addEncryptionContext(values, equals ?? subset ?? {});
      values.set(
        "kms:GrantConstraintType",
        equals ? "EncryptionContextEquals" : subset ? "EncryptionContextSubset" : undefined,
      );
      const operations = Array.isArray(input.Operations) ? input.Operations : [];
      values.setAll(
        "kms:GrantOperations",
        operations.filter((o): o is string => typeof o === "string"),
      );
      values.set("kms:GranteePrincipal", text(input.GranteePrincipal));
      values.set("kms:RetiringPrincipal", text(input.RetiringPrincipal));
      values.set("kms:GrantIsForAWSResource", false);
      break;
    }
    case "ListGrants":
    case "RevokeGrant":
      values.set("kms:GrantIsForAWSResource", false);
      break;
    case "CreateKey":
    case "PutKeyPolicy":
      // Present only when the request says it (the documented Null-condition pattern).
      if (typeof input.BypassPolicyLockoutSafetyCheck === "boolean")
        values.set("kms:BypassPolicyLockoutSafetyCheck", input.BypassPolicyLockoutSafetyCheck);
      break;
    case "ImportKeyMaterial":
      values.set("kms:ExpirationModel", text(input.ExpirationModel));
      if (input.ValidTo instanceof Date)
        values.set("kms:ValidTo", Math.floor(input.ValidTo.getTime() / 1000));
      break;
    case "GetParametersForImport":
      values.set("kms:WrappingAlgorithm", text(input.WrappingAlgorithm));
      values.set("kms:WrappingKeySpec", text(input.WrappingKeySpec));
      break;
    case "ReplicateKey":
      values.set("kms:ReplicaRegion", text(input.ReplicaRegion));
      break;
    case "UpdatePrimaryRegion":
      values.set("kms:PrimaryRegion", text(input.PrimaryRegion));
      break;
  }

  if (operation === "CreateKey" || operation === "TagResource" || operation === "ReplicateKey") {
    const tags = requestTags(input);
    addTags(values, "aws:RequestTag/", tags);
    values.setAll(
      "aws:TagKeys",
      tags.map((t) => t.key),
    );
  }
  if (operation === "UntagResource" && Array.isArray(input.TagKeys))
    values.setAll(
      "aws:TagKeys",
      input.TagKeys.filter((k): k is string => typeof k === "string"),
    );
}

/** Builds the condition context of one authorization check. */
export function conditionContext(facts: AuthorizationFacts): ConditionContext {
  const values = new ContextValues();
  addGlobalKeys(values, facts);
  if (facts.key || customKeyStoreOperations.has(facts.operation))
    values.set("kms:CallerAccount", facts.caller.accountId);
  addKeyAttributes(values, facts);
  if (facts.key?.aliases) values.setAll("kms:ResourceAliases", facts.key.aliases);
  if (facts.key?.tags) addTags(values, "aws:ResourceTag/", facts.key.tags);
  addOperationKeys(values, facts);
  return values.freeze();
}
