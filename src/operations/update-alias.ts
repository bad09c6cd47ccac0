/**
 * UpdateAlias: points an existing alias at another customer managed key of the same type and
 * key usage. The key it leaves may be in any state (even pending deletion); the key it moves
 * to must accept UpdateAlias in its state.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdateAlias.html
 */
import {
  assertAliasName,
  assertAliasQuota,
  assertNotAlias,
  assertSameKind,
  currentTarget,
  findAlias,
  findAliasTarget,
  withStore,
} from "../domain/aliases.js";
import { checkKeyAccess } from "../domain/key-access.js";
import type { UpdateAliasRequest } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const updateAlias = defineOperation<UpdateAliasRequest, void>(
  "UpdateAlias",
  async (input, ctx) => {
    const { AliasName: aliasName, TargetKeyId: targetKeyId } = input;
    assertAliasName(aliasName);
    assertNotAlias(targetKeyId);
    await ctx.services.store.transaction(async (store) => {
      const tx = withStore(ctx, store);
      const alias = await findAlias(tx, aliasName);
      const current = await currentTarget(tx, alias);
      // UpdateAlias needs its permission on the key the alias leaves (in any state) and the one
      // it gets.
      if (current) await checkKeyAccess(tx, current, "UpdateAlias", { checkState: false });
      const next = await findAliasTarget(tx, targetKeyId, "UpdateAlias");
      if (current) assertSameKind(current, next, aliasName);
      if (next.keyId === alias.targetKeyId) return;
      await assertAliasQuota(tx, next);
      await store.aliases.update({ ...alias, targetKeyId: next.keyId, lastUpdatedDate: ctx.now });
    });
  },
);
