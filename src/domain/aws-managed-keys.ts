/**
 * AWS managed keys: the keys AWS services make in a customer's account under alias/aws/<service>
 * (aws-managed-key-services.ts lists them). Naming a predefined alias in DescribeKey, or in an
 * operation that encrypts under the key it names, creates the key on first use, as AWS services
 * do through DescribeKey: a symmetric encryption key with KeyManager AWS, AWS's description and
 * key policy, automatic rotation every 365 days, and its alias. What customers may then do with
 * it is the table in key-managers.ts. docs/aws-managed-keys.md has the whole picture.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html ("If you specify a
 * predefined AWS alias (an AWS alias with no key ID), KMS associates the alias with an AWS
 * managed key and returns its KeyId and Arn in the response.")
 *
 * Creation is one store transaction that finds the alias or writes key, sealed key material,
 * rotation settings and alias together, so two first uses at once make one key: on SQLite the
 * transactions run one after the other; on PostgreSQL the second alias insert violates the
 * alias's primary key, and the store reruns that transaction, which then finds the alias.
 */
import { generateKeyMaterial } from "../platform/crypto/key-generation.js";
import type { Store } from "../platform/store/store.js";
import { aliasArn, keyArn } from "../vocabulary/arns.js";
import type { KeyRecord } from "../vocabulary/key-records.js";
import type { AliasListEntry } from "../vocabulary/types.generated.js";
import {
  type AwsManagedKeyService,
  awsManagedKeyServices,
  type KeyPlace,
  serviceEndpoint,
} from "./aws-managed-key-services.js";
import type { GrantAction } from "./grants.js";
import { newKeyId, newKeyMaterialId, newKeyRecord } from "./keys.js";
import { awsPolicyText } from "./policy/policy-text.js";
import type { RequestContext } from "./request-context.js";
import { automaticRotationEnabled, defaultRotationSettings, rotationPeriod } from "./rotation.js";

/** Alias names AWS reserves for its managed keys. */
export const awsAliasPrefix = "alias/aws/";

/**
 * The permissions whose request creates the AWS managed key a predefined alias names, when the
 * key does not exist yet: DescribeKey, which AWS documents, and the operations an AWS service
 * calls to encrypt under its default key. Other operations naming such an alias answer
 * NotFoundException, as for any alias that does not exist.
 */
const createsOnFirstUse: ReadonlySet<GrantAction> = new Set<GrantAction>([
  "DescribeKey",
  "Encrypt",
  "GenerateDataKey",
  "GenerateDataKeyWithoutPlaintext",
  "GenerateDataKeyPair",
  "GenerateDataKeyPairWithoutPlaintext",
  "ReEncryptTo",
]);

/** The service whose AWS managed key `aliasName` names, if it names one. */
export function awsManagedKeyService(aliasName: string): AwsManagedKeyService | undefined {
  if (!aliasName.startsWith(awsAliasPrefix)) return undefined;
  return awsManagedKeyServices.get(aliasName.slice(awsAliasPrefix.length));
}

export function awsManagedKeyDescription(service: AwsManagedKeyService): string {
  return `Default key that protects my ${service.protects} when no other key is defined`;
}

/** The key policy AWS gives the service's key in `place`, as AWS prints it. */
export function awsManagedKeyPolicy(service: AwsManagedKeyService, place: KeyPlace): string {
  return awsPolicyText({
    Version: "2012-10-17",
    Id: service.policyId,
    Statement: service.statements(place),
  });
}

/** A new AWS managed key for the service in `place`, not stored yet. */
function newAwsManagedKey(
  ctx: RequestContext,
  service: AwsManagedKeyService,
  place: KeyPlace,
): KeyRecord {
  const { random } = ctx.services;
  const key = newKeyRecord({
    keyId: newKeyId(random, false),
    accountId: place.accountId,
    region: place.region,
    now: ctx.now,
    description: awsManagedKeyDescription(service),
    keySpec: "SYMMETRIC_DEFAULT",
    keyUsage: "ENCRYPT_DECRYPT",
    origin: "AWS_KMS",
    multiRegion: false,
    policy: awsManagedKeyPolicy(service, place),
    keyMaterialId: newKeyMaterialId(random),
  });
  return { ...key, keyManager: "AWS" };
}

/**
 * The AWS managed key a missing alias names, created now, when `aliasName` is an alias/aws/
 * name of a known service in the caller's own account and `action` is one that creates it;
 * undefined otherwise (the caller answers NotFoundException). When another request created
 * the key meanwhile, that key.
 */
export async function awsManagedKeyOnFirstUse(
  ctx: RequestContext,
  place: KeyPlace,
  aliasName: string,
  action: GrantAction,
): Promise<KeyRecord | undefined> {
  const service = awsManagedKeyService(aliasName);
  if (!service || !createsOnFirstUse.has(action)) return undefined;
  // Another account's AWS managed keys are its services' to create.
  if (place.accountId !== ctx.caller.accountId || place.region !== ctx.caller.region)
    return undefined;
  const { store, vault, random } = ctx.services;
  const key = newAwsManagedKey(ctx, service, place);
  const materialId = key.currentKeyMaterialId as string;
  // Generated outside the transaction: it is the slow part, and a rerun may reuse it.
  const material = await generateKeyMaterial(key.keySpec, random);
  return store.transaction(async (tx) => {
    const existing = await tx.aliases.get(place.accountId, place.region, aliasName);
    if (existing) return tx.keys.get(keyArn(place.region, place.accountId, existing.targetKeyId));
    await tx.keys.insert(key);
    await vault.create(tx, key.arn, materialId, material.secret, material.publicKey, ctx.now);
    await tx.rotations.put(
      automaticRotationEnabled(defaultRotationSettings(key.arn), rotationPeriod.default, ctx.now),
    );
    // Last, so that on PostgreSQL a lost race fails here, before anything else waits on it.
    await tx.aliases.insert({
      accountId: place.accountId,
      region: place.region,
      aliasName,
      targetKeyId: key.keyId,
      creationDate: ctx.now,
      lastUpdatedDate: ctx.now,
    });
    return key;
  });
}

/**
 * The kms:ViaService value of a request that uses the AWS managed `key` through its service:
 * the endpoint of the service its alias/aws/ alias names. Undefined for other keys.
 */
export async function awsManagedKeyEndpoint(
  store: Store,
  key: KeyRecord,
): Promise<string | undefined> {
  if (key.keyManager !== "AWS") return undefined;
  const aliases = await store.aliases.list(key.accountId, key.region, {
    limit: 10,
    targetKeyId: key.keyId,
  });
  for (const alias of aliases) {
    const service = awsManagedKeyService(alias.aliasName);
    if (service) return serviceEndpoint(service.endpoint, key.region);
  }
  return undefined;
}

/**
 * The predefined aliases of `place`, as ListAliases shows them before their key exists: a name
 * and an ARN, no TargetKeyId and no dates. In name order.
 */
export function predefinedAliasEntries(place: KeyPlace): AliasListEntry[] {
  return [...awsManagedKeyServices.values()]
    .filter((service) => service.predefined)
    .map((service) => `${awsAliasPrefix}${service.name}`)
    .sort()
    .map((name) => ({ AliasName: name, AliasArn: aliasArn(place.region, place.accountId, name) }));
}
