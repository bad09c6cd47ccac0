/**
 * UpdatePrimaryRegion: the replica in PrimaryRegion becomes the primary key and the current
 * primary becomes a replica. Both must be Enabled when it starts. AWS finishes the change in the
 * background (both keys show Updating meanwhile); Trent swaps both roles in one transaction, so
 * no caller ever sees two primaries or none. The automatic rotation settings, shared by the
 * set, move to the new primary.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdatePrimaryRegion.html
 */

import { resolveKey } from "../domain/key-access.js";
import { lockKey } from "../domain/key-changes.js";
import { assertKeyState } from "../domain/key-states.js";
import { assertMultiRegionPrimary } from "../domain/multi-region.js";
import { defaultRotationSettings } from "../domain/rotation.js";
import { keyArn } from "../vocabulary/arns.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { UpdatePrimaryRegionRequest } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const updatePrimaryRegion = defineOperation<UpdatePrimaryRegionRequest, void>(
  "UpdatePrimaryRegion",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "UpdatePrimaryRegion", { allowAlias: false });
    assertMultiRegionPrimary(key);
    const region = input.PrimaryRegion;
    if (region === key.region)
      throw new KmsError(
        "UnsupportedOperationException",
        `${key.arn} is already the primary key in ${region}.`,
      );
    const replicaArn = keyArn(region, key.accountId, key.keyId);

    await ctx.services.store.transaction(async (tx) => {
      // Locks the replica too: a key's lock covers its related multi-Region keys.
      const primary = await lockKey(tx, key.arn, "UpdatePrimaryRegion");
      assertMultiRegionPrimary(primary);
      const replica = await tx.keys.get(replicaArn);
      if (!replica?.multiRegion)
        throw new KmsError("NotFoundException", `Key '${replicaArn}' does not exist`);
      // The replica about to become primary must be usable too (Enabled, as AWS requires).
      assertKeyState(replica, "UpdatePrimaryRegion");
      await tx.keys.update({ ...primary, multiRegionKeyType: "REPLICA" });
      await tx.keys.update({ ...replica, multiRegionKeyType: "PRIMARY" });
      const rotation = await tx.rotations.get(primary.arn);
      if (rotation) {
        await tx.rotations.put({ ...rotation, keyArn: replica.arn });
        await tx.rotations.put(defaultRotationSettings(primary.arn));
      }
    });
    ctx.audit.resources.push(replicaArn);
  },
);
