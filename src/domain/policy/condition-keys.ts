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
 * values keep their case. Trent has no integrated AWS services, so kms:GrantIsForAWSResource is
 * always false, and kms:ViaService is present only on requests that use an AWS managed key
 * while Trent stands in for its service (config awsManagedKeysDirectUse; aws-managed-keys.ts):
 * then it names that service's endpoint, and aws:ViaAWSService is true.
 */
import type { KeyRecord, TagRecord } from "../../vocabulary/key-records.js";
import type { OperationName } from "../../vocabulary/model.generated.js";
import type { Caller, KmsRequest } from "../../vocabulary/request.js";
import type { ConditionContext } from "./conditions.js";
import { type PrincipalIdentity, principalArnOf } from "./principals.js";

export interface KeyFacts {
  readonly key: KeyRecord;
  /** Alias names ("alias/...") of the key, for kms:ResourceAliases; omit when not needed. */
  readonly aliases?: readonly string[];
  /** Tags of the key, for aws:ResourceTag/<tag-key>; omit when not needed. */
  readonly tags?: readonly TagRecord[];
  /** The endpoint of the service the request comes through (kms:ViaService), if any. */
  readonly viaService?: string;
}

export interface AuthorizationFacts {
  readonly caller: Caller;
  readonly principal: PrincipalIdentity;
  readonly now: Date;
  readonly request: KmsRequest;
  /** The permission being checked, e.g. "kms:ReEncryptFrom". */
  readonly action: string;
  /** The key the permission is checked on; absent for operations without a key resource. */
  readonly key?: KeyFacts;
  /** The measurements of the request's verified Nitro Enclaves attestation document, if any. */
  readonly recipient?: AttestedMeasurements;
  /** The request came over TLS; false when absent. */
  readonly secureTransport?: boolean;
}

/** What kms:RecipientAttestation:* reads of an attestation document: its PCRs by index. */
export interface AttestedMeasurements {
  readonly pcrs: ReadonlyMap<number, Uint8Array>;
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

const customKeyStoreOperations: ReadonlySet<OperationName> = new Set<OperationName>([
  "ConnectCustomKeyStore",
  "CreateCustomKeyStore",
  "DeleteCustomKeyStore",
  "DescribeCustomKeyStores",
  "DisconnectCustomKeyStore",
  "UpdateCustomKeyStore",
]);

/** The alias name a KeyId parameter uses, if it names the key by an alias or alias ARN. */
function aliasNameOf(reference: string | undefined): string | undefined {
  if (!reference) return undefined;
  if (reference.startsWith("alias/")) return reference;
  const m = /^arn:aws[a-z-]*:kms:[^:]*:\d{12}:(alias\/.+)$/.exec(reference);
  return m?.[1];
}

type Side = "Source" | "Destination";

/** Source or destination side of ReEncrypt, which is authorized once for each key. */
function reEncryptSide(action: string): Side {
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
  values.set("aws:ViaAWSService", facts.key?.viaService !== undefined);
  values.set("kms:ViaService", facts.key?.viaService);
  if (facts.key) values.set("aws:ResourceAccount", facts.key.key.accountId);
}

function addKeyAttributes(values: ContextValues, facts: AuthorizationFacts): void {
  const { key, request } = facts;
  let spec: string | undefined;
  let usage: string | undefined;
  let origin: string | undefined;
  let multiRegion: boolean | undefined;
  let multiRegionType: string | undefined;
  if (key) {
    ({ keySpec: spec, keyUsage: usage, origin, multiRegion } = key.key);
    multiRegionType = key.key.multiRegionKeyType;
  } else if (request.operation === "CreateKey") {
    // CreateKey's condition keys describe the key the request asks for, defaults included.
    const { input } = request;
    spec = input.KeySpec ?? input.CustomerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
    usage = input.KeyUsage ?? "ENCRYPT_DECRYPT";
    origin = input.Origin ?? "AWS_KMS";
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

function requestTags(
  tags: readonly { TagKey: string; TagValue: string }[] | undefined,
): TagRecord[] {
  return (tags ?? []).map((tag) => ({ key: tag.TagKey, value: tag.TagValue }));
}

function addRequestTags(values: ContextValues, tags: readonly TagRecord[]): void {
  addTags(values, "aws:RequestTag/", tags);
  values.setAll(
    "aws:TagKeys",
    tags.map((t) => t.key),
  );
}

/** kms:RequestAlias, for operations that use or return key material. */
function addRequestAlias(values: ContextValues, request: KmsRequest, side: Side): void {
  if (!requestAliasOperations.has(request.operation)) return;
  const reference =
    request.operation === "ReEncrypt"
      ? side === "Destination"
        ? request.input.DestinationKeyId
        : request.input.SourceKeyId
      : "KeyId" in request.input
        ? request.input.KeyId
        : undefined;
  values.set("kms:RequestAlias", aliasNameOf(reference));
}

function addOperationKeys(values: ContextValues, facts: AuthorizationFacts): void {
  const { request } = facts;
  const side = reEncryptSide(facts.action);
  addRequestAlias(values, request, side);

  switch (request.operation) {
    case "Encrypt":
    case "Decrypt":
      addEncryptionContext(values, request.input.EncryptionContext ?? {});
      values.set(
        "kms:EncryptionAlgorithm",
        request.input.EncryptionAlgorithm ?? "SYMMETRIC_DEFAULT",
      );
      break;
    case "GenerateDataKey":
    case "GenerateDataKeyWithoutPlaintext":
      // Data keys are only ever wrapped with SYMMETRIC_DEFAULT.
      addEncryptionContext(values, request.input.EncryptionContext ?? {});
      values.set("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
      break;
    case "GenerateDataKeyPair":
    case "GenerateDataKeyPairWithoutPlaintext":
      addEncryptionContext(values, request.input.EncryptionContext ?? {});
      values.set("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
      values.set("kms:DataKeyPairSpec", request.input.KeyPairSpec);
      break;
    case "ReEncrypt": {
      // Each side is authorized with its own key, context and algorithm.
      const { input } = request;
      const destination = side === "Destination";
      addEncryptionContext(
        values,
        (destination ? input.DestinationEncryptionContext : input.SourceEncryptionContext) ?? {},
      );
      values.set(
        "kms:EncryptionAlgorithm",
        (destination ? input.DestinationEncryptionAlgorithm : input.SourceEncryptionAlgorithm) ??
          "SYMMETRIC_DEFAULT",
      );
      break;
    }
    case "Sign":
    case "Verify":
      values.set("kms:SigningAlgorithm", request.input.SigningAlgorithm);
      values.set("kms:MessageType", request.input.MessageType ?? "RAW");
      break;
    case "GenerateMac":
    case "VerifyMac":
      values.set("kms:MacAlgorithm", request.input.MacAlgorithm);
      break;
    case "DeriveSharedSecret":
      values.set("kms:KeyAgreementAlgorithm", request.input.KeyAgreementAlgorithm);
      break;
    case "CreateGrant": {
      const { input } = request;
      const equals = input.Constraints?.EncryptionContextEquals;
      const subset = input.Constraints?.EncryptionContextSubset;
      // For CreateGrant the encryption context keys describe the grant's constraint.
      addEncryptionContext(values, equals ?? subset ?? {});
      values.set(
        "kms:GrantConstraintType",
        equals ? "EncryptionContextEquals" : subset ? "EncryptionContextSubset" : undefined,
      );
      values.setAll("kms:GrantOperations", input.Operations);
      values.set("kms:GranteePrincipal", input.GranteePrincipal);
      values.set("kms:RetiringPrincipal", input.RetiringPrincipal);
      values.set("kms:GrantIsForAWSResource", false);
      break;
    }
    case "ListGrants":
    case "RevokeGrant":
      values.set("kms:GrantIsForAWSResource", false);
      break;
    case "CreateKey":
      // Present only when the request says it (the documented Null-condition pattern).
      values.set(
        "kms:BypassPolicyLockoutSafetyCheck",
        request.input.BypassPolicyLockoutSafetyCheck,
      );
      addRequestTags(values, requestTags(request.input.Tags));
      break;
    case "PutKeyPolicy":
      values.set(
        "kms:BypassPolicyLockoutSafetyCheck",
        request.input.BypassPolicyLockoutSafetyCheck,
      );
      break;
    case "ImportKeyMaterial":
      values.set("kms:ExpirationModel", request.input.ExpirationModel);
      if (request.input.ValidTo instanceof Date)
        values.set("kms:ValidTo", Math.floor(request.input.ValidTo.getTime() / 1000));
      break;
    case "GetParametersForImport":
      values.set("kms:WrappingAlgorithm", request.input.WrappingAlgorithm);
      values.set("kms:WrappingKeySpec", request.input.WrappingKeySpec);
      break;
    case "ReplicateKey":
      values.set("kms:ReplicaRegion", request.input.ReplicaRegion);
      addRequestTags(values, requestTags(request.input.Tags));
      break;
    case "UpdatePrimaryRegion":
      values.set("kms:PrimaryRegion", request.input.PrimaryRegion);
      break;
    case "TagResource":
      addRequestTags(values, requestTags(request.input.Tags));
      break;
    case "UntagResource":
      values.setAll("aws:TagKeys", request.input.TagKeys);
      break;
  }
}

/**
 * kms:RecipientAttestation:ImageSha384 (PCR0) and kms:RecipientAttestation:PCR<n>, as lower-case
 * hex, present only when the request carries a verified Nitro Enclaves attestation document
 * (Decrypt, DeriveSharedSecret, GenerateDataKey, GenerateDataKeyPair, GenerateRandom), so a
 * statement requiring them does not match a request without one.
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-nitro-enclave.html
 */
function addRecipientAttestation(values: ContextValues, measurements: AttestedMeasurements): void {
  for (const [index, pcr] of measurements.pcrs) {
    const hex = Buffer.from(pcr).toString("hex");
    values.set(`kms:RecipientAttestation:PCR${index}`, hex);
    if (index === 0) values.set("kms:RecipientAttestation:ImageSha384", hex);
  }
}

/** Builds the condition context of one authorization check. */
export function conditionContext(facts: AuthorizationFacts): ConditionContext {
  const values = new ContextValues();
  addGlobalKeys(values, facts);
  if (facts.key || customKeyStoreOperations.has(facts.request.operation))
    values.set("kms:CallerAccount", facts.caller.accountId);
  addKeyAttributes(values, facts);
  if (facts.key?.aliases) values.setAll("kms:ResourceAliases", facts.key.aliases);
  if (facts.key?.tags) addTags(values, "aws:ResourceTag/", facts.key.tags);
  addOperationKeys(values, facts);
  if (facts.recipient) addRecipientAttestation(values, facts.recipient);
  return values.freeze();
}
