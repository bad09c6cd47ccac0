/**
 * CreateKey: a new customer managed key with KMS-generated key material (Origin AWS_KMS) or
 * none yet (Origin EXTERNAL, PendingImport), or a key in an external key store (Origin
 * EXTERNAL_KEY_STORE with CustomKeyStoreId and XksKeyId): KMS-generated material for the inner
 * layer of its double encryption, the external key (checked through the XKS proxy) outside. The key, its sealed material and its tags are
 * written in one transaction, so a failure leaves nothing behind.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html
 */

import {
  type CustomKeyStorePlacement,
  placeKeyInCustomKeyStore,
  recordExternalKey,
} from "../domain/custom-key-stores.js";
import { keyMetadata } from "../domain/key-metadata.js";
import { keyTypeOf, newKeyId, newKeyMaterialId, newKeyRecord, originOf } from "../domain/keys.js";
import { defaultKeyPolicy } from "../domain/policy/default-policy.js";
import { assertPolicyKeepsCallerAccess } from "../domain/policy/lockout.js";
import { parsePolicyDocument } from "../domain/policy/policy-document.js";
import { tagsFromWire, validateTags } from "../domain/tags.js";
import { generateKeyMaterial } from "../platform/crypto/key-generation.js";
import type { CreateKeyRequest, CreateKeyResponse } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const createKey = defineOperation<CreateKeyRequest, CreateKeyResponse>(
  "CreateKey",
  async (input, ctx) => {
    const { accountId, region } = ctx.caller;
    const { store, random, vault } = ctx.services;

    const { keySpec, keyUsage } = keyTypeOf(input);
    const origin = originOf(input);
    if (input.Policy !== undefined) parsePolicyDocument(input.Policy);
    const policy = input.Policy ?? defaultKeyPolicy(region, accountId);
    validateTags(input.Tags);
    const tags = tagsFromWire(input.Tags);

    const multiRegion = input.MultiRegion ?? false;
    const placement: CustomKeyStorePlacement | undefined =
      input.CustomKeyStoreId !== undefined &&
      (origin === "AWS_CLOUDHSM" || origin === "EXTERNAL_KEY_STORE")
        ? await placeKeyInCustomKeyStore(
            ctx,
            { ...input, CustomKeyStoreId: input.CustomKeyStoreId },
            origin,
            keySpec,
          )
        : undefined;
    const material =
      origin === "AWS_KMS" || origin === "EXTERNAL_KEY_STORE"
        ? await generateKeyMaterial(keySpec, random)
        : undefined;
    const created = newKeyRecord({
      keyId: newKeyId(random, multiRegion),
      accountId,
      region,
      now: ctx.now,
      description: input.Description ?? "",
      keySpec,
      keyUsage,
      origin,
      multiRegion,
      policy,
      keyMaterialId: material ? newKeyMaterialId(random) : undefined,
    });
    const key = { ...created, customKeyStoreId: placement?.customKeyStoreId };
    // A policy of the caller's own must let it update the policy later (lockout check); the
    // default policy always does, through the account.
    if (input.Policy !== undefined) await assertPolicyKeepsCallerAccess(ctx, key, policy);

    await store.transaction(async (tx) => {
      // First: it locks the custom key store, and stores are locked before keys (store.ts).
      if (placement) await recordExternalKey(ctx, tx, key.arn, placement);
      await tx.keys.insert(key);
      if (material && key.currentKeyMaterialId !== undefined)
        await vault.create(
          tx,
          key.arn,
          key.currentKeyMaterialId,
          material.secret,
          material.publicKey,
          ctx.now,
        );
      if (tags.length > 0) await tx.tags.put(key.arn, tags);
    });
    ctx.audit.resources.push(key.arn);
    if (key.currentKeyMaterialId !== undefined) ctx.audit.keyMaterialId = key.currentKeyMaterialId;
    const metadata = keyMetadata(key);
    return {
      KeyMetadata: placement
        ? { ...metadata, XksKeyConfiguration: { Id: placement.xksKeyId } }
        : metadata,
    };
  },
);
