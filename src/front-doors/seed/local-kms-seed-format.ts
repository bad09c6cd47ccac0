/**
 * local-kms's seed format, read as local-kms reads it, so a file written for local-kms
 * (KMS_SEED_PATH, /init/seed.yaml) makes the same keys and aliases in Trent:
 *
 *   Keys:
 *     Symmetric:
 *       Aes:  [{ Metadata: { KeyId, Description, Origin }, BackingKeys: [hex, ...], NextKeyRotation }]
 *       Hmac: [{ Metadata: { KeyId, KeySpec: HMAC_256, ... }, BackingKeys: [hex] }]
 *     Asymmetric:
 *       Rsa:  [{ Metadata: { KeyId, KeyUsage: SIGN_VERIFY | ENCRYPT_DECRYPT }, PrivateKeyPem }]
 *       Ecc:  [{ Metadata: { KeyId, KeyUsage: SIGN_VERIFY }, PrivateKeyPem | PrivateKeyHex }]
 *   Aliases: [{ AliasName: alias/..., TargetKeyId: <key id> }]
 *
 * Its semantics, as local-kms's source has them: several AES backing keys are rotations (the
 * last one is current, the older ones still decrypt); an EXTERNAL AES key has at most one
 * backing key and waits in PendingImport without one; NextKeyRotation turns yearly rotation on
 * from that date; an RSA key's size and an EC key's curve come from its PEM; Metadata.Enabled
 * is ignored (seeded keys are enabled). Everything lives in the configured account and Region
 * (KMS_ACCOUNT_ID and KMS_REGION). Fields local-kms does not read are ignored with a warning,
 * as local-kms ignores them. The older format, a plain list of AES keys under Keys, is read too.
 *
 * Trent reads more than local-kms does (HMAC keys, as a local-kms fork seeds them; PKCS#1 and
 * PKCS#8 PEMs for either kind; a raw secp256k1 key in PrivateKeyHex, as proposed for local-kms)
 * and refuses what KMS has not: a key id that is not a UUID, an alias to a key that does not
 * exist. A ciphertext made by local-kms cannot be decrypted by Trent: the blob formats differ.
 */
import { isSeq, type YAMLMap } from "yaml";
import type {
  SeedAlias,
  SeedKey,
  SeedLocation,
  SeedPlace,
  SeedPlan,
} from "../../domain/seed-plan.js";
import {
  KeyEncodingError,
  keySpecOfPrivateKey,
  privateKeyFromPem,
  privateKeyFromRaw,
} from "../../platform/crypto/seed-material.js";
import type { KeySpec, KeyUsageType, OriginType } from "../../vocabulary/types.generated.js";
import type { SeedDocument } from "./seed-document.js";
import type { SeedDefaults } from "./trent-seed-format.js";

const topFields = ["Keys", "Aliases"];
const keyGroups = ["Symmetric", "Asymmetric"];
const symmetricGroups = ["Aes", "Hmac"];
const asymmetricGroups = ["Rsa", "Ecc"];
const metadataFields = ["KeyId", "Description", "Enabled", "KeyUsage", "Origin", "KeySpec"];
const aesFields = ["Metadata", "BackingKeys", "NextKeyRotation"];
const rsaFields = ["Metadata", "PrivateKeyPem"];
const eccFields = ["Metadata", "PrivateKeyPem", "PrivateKeyHex"];
const aliasFields = ["AliasName", "TargetKeyId", "AliasArn"];

const hmacSpecs = ["HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512"] as const;
const eccSpecs: readonly KeySpec[] = [
  "ECC_NIST_P256",
  "ECC_NIST_P384",
  "ECC_NIST_P521",
  "ECC_SECG_P256K1",
];

/** local-kms rotates a key whose NextKeyRotation has passed, then every year. */
const localKmsRotationDays = 365;

interface Metadata {
  readonly map: YAMLMap;
  readonly path: string;
  readonly keyId: string;
  readonly description: string | undefined;
  readonly keyUsage: string | undefined;
  readonly origin: OriginType;
  readonly keySpec: string | undefined;
}

class LocalKmsSeedReader {
  readonly keys: SeedKey[] = [];
  readonly aliases: SeedAlias[] = [];

  constructor(
    private readonly doc: SeedDocument,
    private readonly defaults: SeedDefaults,
  ) {}

  read(): void {
    const { doc } = this;
    const root = doc.mapping(doc.root, "", topFields, true);
    if (!root) return;
    const keys = doc.field(root, "Keys");
    if (isSeq(keys)) {
      doc.warn(
        keys,
        "Keys",
        "a list of AES keys under Keys is local-kms's legacy format; it still works",
      );
      this.list(keys, "Keys", (node, path) => this.aes(node, path));
    } else if (keys !== undefined) {
      const groups = doc.mapping(keys, "Keys", keyGroups, true);
      const symmetric = groups && doc.field(groups, "Symmetric");
      const asymmetric = groups && doc.field(groups, "Asymmetric");
      const symmetricMap =
        symmetric === undefined
          ? undefined
          : doc.mapping(symmetric, "Keys.Symmetric", symmetricGroups, true);
      const asymmetricMap =
        asymmetric === undefined
          ? undefined
          : doc.mapping(asymmetric, "Keys.Asymmetric", asymmetricGroups, true);
      this.list(doc.field(symmetricMap, "Aes"), "Keys.Symmetric.Aes", (n, p) => this.aes(n, p));
      this.list(doc.field(symmetricMap, "Hmac"), "Keys.Symmetric.Hmac", (n, p) => this.hmac(n, p));
      this.list(doc.field(asymmetricMap, "Rsa"), "Keys.Asymmetric.Rsa", (n, p) => this.rsa(n, p));
      this.list(doc.field(asymmetricMap, "Ecc"), "Keys.Asymmetric.Ecc", (n, p) => this.ecc(n, p));
    }
    this.list(doc.field(root, "Aliases"), "Aliases", (node, path) => this.alias(node, path));
  }

  private list(node: unknown, path: string, read: (node: unknown, path: string) => void): void {
    if (node === undefined || node === null) return;
    const items = this.doc.sequence(node, path);
    items?.forEach((item, i) => {
      read(item, `${path}[${i}]`);
    });
  }

  private metadata(key: YAMLMap, path: string): Metadata | undefined {
    const { doc } = this;
    const node = doc.field(key, "Metadata");
    const metadataPath = `${path}.Metadata`;
    if (node === undefined) return doc.problem(key, path, "is missing Metadata");
    const map = doc.mapping(node, metadataPath, metadataFields, true);
    if (!map) return undefined;
    const keyId = doc.requiredString(map, "KeyId", metadataPath);
    const description = doc.optionalString(map, "Description", metadataPath, { allowEmpty: true });
    const keyUsage = doc.optionalString(map, "KeyUsage", metadataPath);
    const keySpec = doc.optionalString(map, "KeySpec", metadataPath);
    const originNode = doc.field(map, "Origin");
    const origin =
      originNode === undefined
        ? "AWS_KMS"
        : doc.oneOf<OriginType>(originNode, `${metadataPath}.Origin`, ["AWS_KMS", "EXTERNAL"]);
    const enabled = doc.field(map, "Enabled");
    if (enabled !== undefined && doc.boolean(enabled, `${metadataPath}.Enabled`) === false)
      doc.warn(
        enabled,
        `${metadataPath}.Enabled`,
        "ignored, as local-kms ignores it: seeded keys are enabled (Trent's seed format has enabled: false)",
      );
    if (keyId === undefined || origin === undefined) return undefined;
    return { map, path: metadataPath, keyId, description, keyUsage, origin, keySpec };
  }

  private location(map: YAMLMap | undefined, name: string, path: string): SeedLocation {
    const node = map ? this.doc.field(map, name) : undefined;
    return this.doc.location(node ?? map, `${path}.${name}`);
  }

  /** Where the key and each of its fields are, in the domain's field names. */
  private place(key: YAMLMap, path: string, metadata: Metadata, materialField: string): SeedPlace {
    const at = (name: string) => this.location(metadata.map, name, metadata.path);
    return {
      ...this.doc.location(key, path),
      fields: {
        id: at("KeyId"),
        description: at("Description"),
        keyUsage: at("KeyUsage"),
        keySpec: at("KeySpec"),
        origin: at("Origin"),
        enabled: at("Enabled"),
        material: this.location(key, materialField, path),
        rotation: this.location(key, "NextKeyRotation", path),
        multiRegion: at("KeyId"),
      },
    };
  }

  private seedKey(
    place: SeedPlace,
    metadata: Metadata,
    keySpec: KeySpec,
    keyUsage: KeyUsageType,
    material: SeedKey["material"],
    nextRotation: Date | undefined,
  ): SeedKey {
    return {
      place,
      accountId: this.defaults.accountId,
      region: this.defaults.region,
      keyId: metadata.keyId,
      description: metadata.description,
      keySpec,
      keyUsage,
      origin: metadata.origin,
      enabled: true,
      tags: [],
      policy: undefined,
      rotation:
        nextRotation === undefined
          ? undefined
          : { enabled: true, periodInDays: localKmsRotationDays, nextRotation },
      multiRegion: metadata.keyId.startsWith("mrk-"),
      replicas: [],
      material,
    };
  }

  /** BackingKeys: hex material, oldest first; at most one for an EXTERNAL key. */
  private backingKeys(
    key: YAMLMap,
    path: string,
    metadata: Metadata,
    kind: string,
  ): SeedKey["material"] | undefined {
    const { doc } = this;
    const node = doc.field(key, "BackingKeys");
    const listPath = `${path}.BackingKeys`;
    const items = node === undefined || node === null ? [] : doc.sequence(node, listPath);
    if (items === undefined) return undefined;
    if (metadata.origin === "EXTERNAL") {
      if (items.length === 0) return { kind: "none" };
      if (items.length > 1)
        return doc.problem(node, listPath, "an EXTERNAL key has at most one backing key");
    } else if (items.length === 0)
      return doc.problem(
        node ?? key,
        listPath,
        `at least one backing key must be given for ${kind}`,
      );
    const materials = items.map((item, i) => {
      const itemPath = `${listPath}[${i}]`;
      const bytes = doc.hex(item, itemPath);
      return bytes && { place: doc.location(item, itemPath), bytes, id: undefined };
    });
    if (materials.some((m) => m === undefined)) return undefined;
    return {
      kind: "given",
      materials: materials as { place: SeedLocation; bytes: Uint8Array; id: undefined }[],
    };
  }

  private nextRotation(key: YAMLMap, path: string): Date | undefined | null {
    const node = this.doc.field(key, "NextKeyRotation");
    if (node === undefined) return undefined;
    return this.doc.date(node, `${path}.NextKeyRotation`) ?? null;
  }

  private aes(node: unknown, path: string): void {
    const { doc } = this;
    const key = doc.mapping(node, path, aesFields, true);
    const metadata = key && this.metadata(key, path);
    if (!key || !metadata) return;
    if (metadata.keyUsage !== undefined && metadata.keyUsage !== "ENCRYPT_DECRYPT")
      doc.warn(
        doc.field(metadata.map, "KeyUsage"),
        `${metadata.path}.KeyUsage`,
        "ignored, as local-kms ignores it: AES keys are ENCRYPT_DECRYPT",
      );
    const material = this.backingKeys(key, path, metadata, "an AES key");
    const nextRotation = this.nextRotation(key, path);
    if (material === undefined || nextRotation === null) return;
    this.keys.push(
      this.seedKey(
        this.place(key, path, metadata, "BackingKeys"),
        metadata,
        "SYMMETRIC_DEFAULT",
        "ENCRYPT_DECRYPT",
        material,
        nextRotation,
      ),
    );
  }

  private hmac(node: unknown, path: string): void {
    const { doc } = this;
    const key = doc.mapping(node, path, aesFields, true);
    const metadata = key && this.metadata(key, path);
    if (!key || !metadata) return;
    const spec = metadata.keySpec;
    if (spec === undefined || !(hmacSpecs as readonly string[]).includes(spec)) {
      doc.problem(
        doc.field(metadata.map, "KeySpec") ?? metadata.map,
        `${metadata.path}.KeySpec`,
        `an HMAC key needs KeySpec, one of ${hmacSpecs.join(", ")}`,
      );
      return;
    }
    const rotation = doc.field(key, "NextKeyRotation");
    if (rotation !== undefined)
      doc.warn(rotation, `${path}.NextKeyRotation`, "ignored: HMAC keys do not rotate in KMS");
    const material = this.backingKeys(key, path, metadata, "an HMAC key");
    if (material === undefined) return;
    this.keys.push(
      this.seedKey(
        this.place(key, path, metadata, "BackingKeys"),
        metadata,
        spec as KeySpec,
        "GENERATE_VERIFY_MAC",
        material,
        undefined,
      ),
    );
  }

  /** An asymmetric key: its spec comes from the private key, as in local-kms. */
  private asymmetric(
    node: unknown,
    path: string,
    kind: "RSA" | "ECC",
    fields: readonly string[],
  ): void {
    const { doc } = this;
    const key = doc.mapping(node, path, fields, true);
    const metadata = key && this.metadata(key, path);
    if (!key || !metadata) return;
    const usages = kind === "RSA" ? ["SIGN_VERIFY", "ENCRYPT_DECRYPT"] : ["SIGN_VERIFY"];
    const usageNode = doc.field(metadata.map, "KeyUsage");
    const keyUsage =
      usageNode === undefined
        ? doc.problem(
            metadata.map,
            metadata.path,
            `is missing KeyUsage, which local-kms requires for ${kind} keys (${usages.join(" or ")})`,
          )
        : doc.oneOf(usageNode, `${metadata.path}.KeyUsage`, usages);
    const pemNode = doc.field(key, "PrivateKeyPem");
    const hexNode = kind === "ECC" ? doc.field(key, "PrivateKeyHex") : undefined;
    if ((pemNode === undefined) === (hexNode === undefined)) {
      doc.problem(
        key,
        path,
        kind === "ECC"
          ? "needs exactly one of PrivateKeyPem and PrivateKeyHex"
          : "is missing PrivateKeyPem",
      );
      return;
    }
    const materialField = pemNode === undefined ? "PrivateKeyHex" : "PrivateKeyPem";
    const materialPath = `${path}.${materialField}`;
    const materialNode = pemNode ?? hexNode;
    let pkcs8: Uint8Array | undefined;
    try {
      if (pemNode !== undefined) {
        const pem = doc.string(pemNode, materialPath);
        pkcs8 = pem === undefined ? undefined : privateKeyFromPem(pem);
      } else {
        // As proposed for local-kms: the raw 32-byte secp256k1 key, as Ethereum tools print it.
        const raw = doc.hex(hexNode, materialPath);
        pkcs8 = raw === undefined ? undefined : privateKeyFromRaw("ECC_SECG_P256K1", raw);
      }
    } catch (error) {
      if (!(error instanceof KeyEncodingError)) throw error;
      doc.problem(materialNode, materialPath, error.message);
      return;
    }
    if (pkcs8 === undefined || keyUsage === undefined) return;
    const spec = keySpecOfPrivateKey(pkcs8);
    const allowed =
      kind === "RSA" ? ["RSA_2048", "RSA_3072", "RSA_4096"] : (eccSpecs as readonly string[]);
    if (spec === undefined || !allowed.includes(spec)) {
      doc.problem(
        materialNode,
        materialPath,
        kind === "RSA"
          ? "must be an RSA private key of 2048, 3072 or 4096 bits"
          : "must be an EC private key on P-256, P-384, P-521 or secp256k1 (Ed25519 and SM2 keys: use Trent's seed format)",
      );
      return;
    }
    this.keys.push(
      this.seedKey(
        this.place(key, path, metadata, materialField),
        metadata,
        spec,
        keyUsage as KeyUsageType,
        {
          kind: "given",
          materials: [
            { place: doc.location(materialNode, materialPath), bytes: pkcs8, id: undefined },
          ],
        },
        undefined,
      ),
    );
  }

  private rsa(node: unknown, path: string): void {
    this.asymmetric(node, path, "RSA", rsaFields);
  }

  private ecc(node: unknown, path: string): void {
    this.asymmetric(node, path, "ECC", eccFields);
  }

  private alias(node: unknown, path: string): void {
    const { doc } = this;
    const alias = doc.mapping(node, path, aliasFields, true);
    if (!alias) return;
    const aliasName = doc.requiredString(alias, "AliasName", path);
    const targetKeyId = doc.requiredString(alias, "TargetKeyId", path);
    if (aliasName === undefined || targetKeyId === undefined) return;
    this.aliases.push({
      place: {
        ...doc.location(alias, path),
        fields: {
          name: this.location(alias, "AliasName", path),
          target: this.location(alias, "TargetKeyId", path),
        },
      },
      accountId: this.defaults.accountId,
      region: this.defaults.region,
      aliasName,
      targetKeyId,
    });
  }
}

/** Whether a document is in local-kms's format: its top-level fields are Keys and Aliases. */
export function looksLikeLocalKms(root: unknown): boolean {
  const map = root as { items?: { key?: { value?: unknown } }[] } | undefined;
  const keys = map?.items?.map((pair) => pair.key?.value) ?? [];
  return keys.length > 0 && keys.every((key) => key === "Keys" || key === "Aliases");
}

/** Reads a document in local-kms's format; problems and warnings are left in `doc`. */
export function readLocalKmsSeed(doc: SeedDocument, defaults: SeedDefaults): SeedPlan {
  const reader = new LocalKmsSeedReader(doc, defaults);
  reader.read();
  return {
    source: doc.source,
    format: "local-kms",
    keys: reader.keys,
    aliases: reader.aliases,
    grants: [],
    warnings: doc.warnings,
  };
}
