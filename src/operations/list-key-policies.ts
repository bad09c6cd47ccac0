/**
 * ListKeyPolicies: the names of the key's policies, which is always ["default"].
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeyPolicies.html
 */
import { resolveKey } from "../domain/key-access.js";
import { pageInMemory, pageSize } from "../domain/paging.js";
import { keyPolicyNames } from "../domain/policy/policy-names.js";
import type {
  ListKeyPoliciesRequest,
  ListKeyPoliciesResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

/** "between 1 and 1000, inclusive. If you do not include a value, it defaults to 100." */
const limits = { fallback: 100, max: 1000 };

export const listKeyPolicies = defineOperation<ListKeyPoliciesRequest, ListKeyPoliciesResponse>(
  "ListKeyPolicies",
  async (input, ctx) => {
    await resolveKey(ctx, input.KeyId, "ListKeyPolicies", { allowAlias: false });
    const page = pageInMemory(
      "key-policies",
      keyPolicyNames,
      pageSize(input.Limit, limits),
      input.Marker,
    );
    return { PolicyNames: page.items, NextMarker: page.nextMarker, Truncated: page.truncated };
  },
);
