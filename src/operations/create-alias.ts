/**
 * CreateAlias: gives a customer managed key a friendly name in the caller's account and Region.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html
 */
import {
  aliasArnOf,
  assertAliasName,
  assertAliasQuota,
  assertNotAlias,
  findAliasTarget,
  withStore,
} from "../domain/aliases.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import type { CreateAliasRequest } from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

export const createAlias = defineOperation<CreateAliasRequest, void>(
  "CreateAlias",
  async (input, ctx) => {
    const { AliasName: aliasName, TargetKeyId: targetKeyId } = input;
    assertAliasName(aliasName);
    assertNotAlias(targetKeyId);
    const { accountId, region } = ctx.caller;
    await ctx.services.store.transaction(async (store) => {
      const tx = withStore(ctx, store);
      if (await store.aliases.get(accountId, region, aliasName))
        throw new KmsError(
          "AlreadyExistsException",
          `An alias with the name ${aliasArnOf(ctx, aliasName)} already exists`,
        );
      const key = await findAliasTarget(tx, targetKeyId, "CreateAlias");
      await assertAliasQuota(tx, key);
      await store.aliases.insert({
        accountId,
        region,
        aliasName,
        targetKeyId: key.keyId,
        creationDate: ctx.now,
        lastUpdatedDate: ctx.now,
      });
    });
  },
);
