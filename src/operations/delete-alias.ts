/**
 * DeleteAlias: removes an alias; the key it pointed at is not affected.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_DeleteAlias.html
 */
import { assertAliasName, currentTarget, findAlias } from "../domain/aliases.js";
import { assertKeyState } from "../domain/key-states.js";
import { authorizeKey } from "../policy/authorize.js";
import type { DeleteAliasRequest } from "../protocol/types.generated.js";
import { defineOperation } from "./operation.js";

export const deleteAlias = defineOperation<DeleteAliasRequest, void>(
  "DeleteAlias",
  async (input, ctx) => {
    const aliasName = input.AliasName;
    assertAliasName(aliasName);
    const alias = await findAlias(ctx, aliasName);
    const key = await currentTarget(ctx, alias);
    if (key) {
      ctx.audit.resources.push(key.arn);
      await authorizeKey(ctx, key, "DeleteAlias");
      assertKeyState(key, "DeleteAlias");
    }
    await ctx.services.store.aliases.delete(alias.accountId, alias.region, alias.aliasName);
  },
);
