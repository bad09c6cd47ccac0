/**
 * DeleteAlias: removes an alias; the key it pointed at is not affected.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_DeleteAlias.html
 */
import { assertAliasName, currentTarget, findAlias, withStore } from "../domain/aliases.js";
import { checkKeyAccess } from "../domain/key-access.js";
import type { DeleteAliasRequest } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const deleteAlias = defineOperation<DeleteAliasRequest, void>(
  "DeleteAlias",
  async (input, ctx) => {
    const aliasName = input.AliasName;
    assertAliasName(aliasName);
    // One transaction with the alias locked: the key authorized is the one the alias points at
    // when it is deleted, not one it pointed at before a concurrent UpdateAlias.
    await ctx.services.store.transaction(async (store) => {
      const tx = withStore(ctx, store);
      const alias = await findAlias(tx, aliasName);
      const key = await currentTarget(tx, alias);
      if (key) await checkKeyAccess(tx, key, "DeleteAlias");
      await store.aliases.delete(alias.accountId, alias.region, alias.aliasName);
    });
  },
);
