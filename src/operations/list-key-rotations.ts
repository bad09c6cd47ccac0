/**
 * ListKeyRotations: the key materials of a symmetric encryption key, oldest first. By default
 * (ROTATIONS_ONLY) the materials that rotations made current, with RotationDate and
 * RotationType; ALL_KEY_MATERIAL adds the first material and imported material pending
 * rotation. Keys with imported material also show each material's import state and expiry.
 * Limit 1–1000, default 100; Truncated is always present.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeyRotations.html
 */
import { resolveKey } from "../domain/key-access.js";
import { pageInMemory, pageSize } from "../domain/paging.js";
import {
  assertSymmetricForRotation,
  materialHistory,
  originNotValid,
  rotationListEntries,
} from "../domain/rotation.js";
import type {
  ListKeyRotationsRequest,
  ListKeyRotationsResponse,
} from "../vocabulary/types.generated.js";
import { defineOperation } from "./operation.js";

const limits = { fallback: 100, max: 1000 };

export const listKeyRotations = defineOperation<ListKeyRotationsRequest, ListKeyRotationsResponse>(
  "ListKeyRotations",
  async (input, ctx) => {
    const key = await resolveKey(ctx, input.KeyId, "ListKeyRotations", { allowAlias: false });
    assertSymmetricForRotation(key);
    if (key.customKeyStoreId !== undefined) throw originNotValid(key);
    const history = await materialHistory(ctx.services.store, key);
    const entries = rotationListEntries(key, history, input.IncludeKeyMaterial ?? "ROTATIONS_ONLY");
    // The marker names the key and the listing, so it cannot continue another key's list.
    const listing = `ListKeyRotations ${key.arn} ${input.IncludeKeyMaterial ?? "ROTATIONS_ONLY"}`;
    const page = pageInMemory(listing, entries, pageSize(input.Limit, limits), input.Marker);
    return { Rotations: page.items, NextMarker: page.nextMarker, Truncated: page.truncated };
  },
);
