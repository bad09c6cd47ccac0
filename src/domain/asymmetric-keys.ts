/**
 * The halves of an asymmetric key's current material: the public key, stored in the clear as
 * DER SubjectPublicKeyInfo beside the sealed private key, and the private key (PKCS#8), opened
 * only for the operation that needs it. A key without material (imported key awaiting import)
 * has neither, which is AWS's KMSInvalidStateException.
 */
import type { KeyRecord } from "../vocabulary/key-records.js";
import { KmsError } from "../vocabulary/kms-errors.js";
import { currentMaterial } from "./envelope.js";
import { keyStateMessage } from "./key-states.js";
import type { RequestContext } from "./request-context.js";

/** The DER SubjectPublicKeyInfo of the key's current material; the private half stays sealed. */
export async function publicKeyOf(ctx: RequestContext, key: KeyRecord): Promise<Uint8Array> {
  const materialId = key.currentKeyMaterialId;
  const record =
    materialId === undefined
      ? undefined
      : await ctx.services.store.materials.get(key.arn, materialId);
  if (record?.publicKey === undefined)
    throw new KmsError("KMSInvalidStateException", keyStateMessage(key));
  return record.publicKey;
}

/** The private and public halves of an asymmetric key's current material. */
export async function asymmetricKeyPair(
  ctx: RequestContext,
  key: KeyRecord,
): Promise<{ publicKeySpki: Uint8Array; privateKeyPkcs8: Uint8Array }> {
  const { material } = await currentMaterial(ctx, key);
  return { publicKeySpki: await publicKeyOf(ctx, key), privateKeyPkcs8: material };
}
