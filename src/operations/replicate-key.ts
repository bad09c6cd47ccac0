/**
 * ReplicateKey: a replica of a multi-Region primary key in another Region of its partition,
 * with the same key id, key spec, key usage, origin and key material (its own sealed copies of
 * every material), and its own policy (the default policy when none is given), description and
 * tags. The replica, its materials and tags are written in one transaction.
 *
 * The answer is AWS's (LocalStack test_replicate_key, recorded 2025-11-10): AWS makes the replica
 * in the background, so ReplicaKeyMetadata shows it as it starts, KeyState Creating, Enabled
 * false and no CurrentKeyMaterialId yet, and there is no ReplicaTags member when no tags were
 * given. Trent has finished by the time it answers: DescribeKey in the replica Region already
 * shows the replica in its own state, as a client polling AWS sees it once the copy is done.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html
 */

import { resolveKey } from "../domain/key-access.js";
import { lockKey } from "../domain/key-changes.js";
import { keyMetadata } from "../domain/key-metadata.js";
import {
  assertMultiRegionPrimary,
  assertReplicaRegion,
  relatedKeys,
  replicaRecord,
  shareKeyMaterials,
} from "../domain/multi-region.js";
import { authorizeByIdentity } from "../domain/policy/authorize.js";
import { defaultKeyPolicy } from "../domain/policy/default-policy.js";
import { assertPolicyKeepsCallerAccess } from "../domain/policy/lockout.js";
import { parsePolicyDocument } from "../domain/policy/policy-document.js";
import { tagsFromWire, tagsToWire, validateTags } from "../domain/tags.js";
import { keyArn } from "../vocabulary/arns.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { ReplicateKeyRequest, ReplicateKeyResponse } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const replicateKey = defineOperation<ReplicateKeyRequest, ReplicateKeyResponse>(
  "ReplicateKey",
  async (input, ctx) => {
    const { services } = ctx;
    const primary = await resolveKey(ctx, input.KeyId, "ReplicateKey", { allowAlias: false });
    assertMultiRegionPrimary(primary);
    const region = input.ReplicaRegion;
    assertReplicaRegion(primary, region);

    const replicaArn = keyArn(region, primary.accountId, primary.keyId);
    if (await services.store.keys.get(replicaArn))
      throw new KmsError("AlreadyExistsException", `Key '${replicaArn}' already exists`);

    if (input.Policy !== undefined) parsePolicyDocument(input.Policy);
    const policy = input.Policy ?? defaultKeyPolicy(region, primary.accountId);
    validateTags(input.Tags);
    const tags = tagsFromWire(input.Tags);
    // AWS also needs kms:CreateKey (and kms:TagResource for tags) in the replica Region, from
    // the caller's identity policies: the replica is a new key there.
    authorizeByIdentity(ctx, "CreateKey", "*");
    if (tags.length > 0) authorizeByIdentity(ctx, "TagResource", "*");

    const replica = replicaRecord(primary, {
      region,
      description: input.Description ?? "",
      policy,
      now: ctx.now,
    });
    if (input.Policy !== undefined) await assertPolicyKeepsCallerAccess(ctx, replica, policy);

    const { related, made } = await services.store.transaction(async (tx) => {
      // The primary locked as it now stands (with its relatives): a concurrent rotation must
      // not give the set a material the new replica misses. A concurrent ReplicateKey that won
      // the race has inserted the replica by now.
      const current = await lockKey(tx, primary.arn, "ReplicateKey");
      assertMultiRegionPrimary(current);
      if (await tx.keys.get(replica.arn))
        throw new KmsError("AlreadyExistsException", `Key '${replica.arn}' already exists`);
      const fresh = replicaRecord(current, {
        region,
        description: replica.description,
        policy,
        now: ctx.now,
      });
      await tx.keys.insert(fresh);
      if (current.origin !== "EXTERNAL")
        await shareKeyMaterials(services, tx, current, fresh, ctx.now);
      if (tags.length > 0) await tx.tags.put(fresh.arn, tags);
      return { related: await relatedKeys(tx, fresh), made: fresh };
    });
    ctx.audit.resources.push(replica.arn);
    const asStarted = { ...made, keyState: "Creating", currentKeyMaterialId: undefined } as const;
    return {
      ReplicaKeyMetadata: keyMetadata(asStarted, undefined, related),
      ReplicaPolicy: policy,
      ReplicaTags: tags.length > 0 ? tagsToWire(tags) : undefined,
    };
  },
);
