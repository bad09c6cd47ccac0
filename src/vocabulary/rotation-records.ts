/** Each key's rotation settings and the history of its key materials, in domain words. */
import type { ExpirationModelType, ImportState, RotationType } from "./types.generated.js";

/** A key's rotation settings; a key without a stored row has `defaultRotationSettings`. */
export interface RotationSettings {
  readonly keyArn: string;
  /** Whether automatic rotation is on (GetKeyRotationStatus's KeyRotationEnabled). */
  readonly automatic: boolean;
  readonly periodInDays: number;
  /** Set while automatic rotation is on. */
  readonly nextRotationDate: Date | undefined;
  /** On-demand rotations performed so far, against onDemandRotationLimit. */
  readonly onDemandRotations: number;
}

/** What an imported key material is and whether it is in Trent right now. */
export interface ImportedMaterialState {
  readonly importState: ImportState;
  readonly expirationModel: ExpirationModelType;
  /** Set when expirationModel is KEY_MATERIAL_EXPIRES. */
  readonly validTo: Date | undefined;
  readonly description: string | undefined;
}

/**
 * One key material's place in its key's history. A key of origin AWS_KMS has no entry for the
 * material CreateKey made (it is the first, position 0); every later material has one, and so
 * has every imported material.
 */
export interface KeyMaterialEntry {
  readonly keyArn: string;
  readonly materialId: string;
  /** Order among the key's materials: creation or import order. */
  readonly position: number;
  /** When the material became current by rotation; undefined for the first material. */
  readonly rotationDate: Date | undefined;
  readonly rotationType: RotationType | undefined;
  /** Imported for an on-demand rotation that has not happened yet (PENDING_ROTATION). */
  readonly pendingRotation: boolean;
  /** Undefined for material that Trent generated. */
  readonly imported: ImportedMaterialState | undefined;
}
