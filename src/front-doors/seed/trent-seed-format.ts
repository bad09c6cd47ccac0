/**
 * Trent's own seed format (docs/seeding.md has the whole of it, with an example):
 *
 *   version: 1
 *   keys: [...]                 # in the default account and Region (TRENT_ACCOUNT_ID, TRENT_REGION)
 *   aliases: [...]
 *   grants: [...]
 *   accounts:
 *     "444455556666":
 *       eu-west-1: { keys: [...], aliases: [...], grants: [...] }
 *
 * This module reads the document's shape and decodes values (enums, dates, hex, base64, PEM);
 * KMS's rules (which spec takes which usage, alias names, grant operations) are checked by
 * domain/seed-keys.ts and its siblings, for this format and local-kms's alike. Field names are
 * camelCase, as in Trent's credentials file; a misspelt field is an error, not silently ignored.
 */
import { isMap, isScalar, isSeq, type YAMLMap } from "yaml";
import type {
  SeedAlias,
  SeedGrant,
  SeedKey,
  SeedMaterial,
  SeedMaterialSource,
  SeedPlan,
  SeedReplica,
  SeedRotation,
} from "../../domain/seed-plan.js";
import {
  KeyEncodingError,
  privateKeyFromDer,
  privateKeyFromPem,
  privateKeyFromRaw,
} from "../../platform/crypto/seed-material.js";
import { enumValues } from "../../vocabulary/model.js";
import type {
  GrantConstraints,
  GrantOperation,
  KeySpec,
  KeyUsageType,
  OriginType,
  Tag,
} from "../../vocabulary/types.generated.js";
import type { SeedDocument } from "./seed-document.js";

export const trentSeedVersion = 1;

export interface SeedDefaults {
  readonly accountId: string;
  readonly region: string;
}

const topFields = ["version", "keys", "aliases", "grants", "accounts"];
const regionFields = ["keys", "aliases", "grants"];
const keyFields = [
  "id",
  "description",
  "keySpec",
  "keyUsage",
  "origin",
  "enabled",
  "multiRegion",
  "tags",
  "policy",
  "rotation",
  "material",
  "replicas",
];
const replicaFields = ["region", "description", "policy", "tags", "enabled"];
const rotationFields = ["enabled", "periodDays", "nextRotation"];
const materialFields = ["hex", "base64", "pem", "id"];
const aliasFields = ["name", "target"];
const grantFields = [
  "id",
  "key",
  "name",
  "grantee",
  "retiringPrincipal",
  "operations",
  "constraints",
];
const constraintFields = ["encryptionContextEquals", "encryptionContextSubset"];

const accountPattern = /^\d{12}$/;
const regionPattern = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Asymmetric specs: their material is a private key. */
function isPrivateKeySpec(spec: KeySpec): boolean {
  return !(spec === "SYMMETRIC_DEFAULT" || spec.startsWith("HMAC_") || spec.startsWith("ML_DSA_"));
}

class TrentSeedReader {
  readonly keys: SeedKey[] = [];
  readonly aliases: SeedAlias[] = [];
  readonly grants: SeedGrant[] = [];

  constructor(private readonly doc: SeedDocument) {}

  read(defaults: SeedDefaults): void {
    const { doc } = this;
    const root = doc.mapping(doc.root, "", topFields);
    if (!root) return;
    const version = doc.field(root, "version");
    if (version !== undefined) {
      const number = doc.integer(version, "version");
      if (number !== undefined && number !== trentSeedVersion)
        doc.problem(
          version,
          "version",
          `this Trent reads seed format version ${trentSeedVersion}, not ${number}`,
        );
    }
    this.region(root, "", defaults.accountId, defaults.region);
    const accounts = doc.field(root, "accounts");
    if (accounts === undefined) return;
    const accountMap = doc.mapping(accounts, "accounts");
    if (!accountMap) return;
    for (const account of doc.entries(accountMap)) {
      const accountPath = `accounts.${account.key}`;
      if (!accountPattern.test(account.key)) {
        doc.problem(
          account.keyNode,
          accountPath,
          `an account id is 12 digits, not '${account.key}'`,
        );
        continue;
      }
      const regions = doc.mapping(account.value, accountPath);
      if (!regions) continue;
      for (const region of doc.entries(regions)) {
        const regionPath = `${accountPath}.${region.key}`;
        if (!regionPattern.test(region.key)) {
          doc.problem(region.keyNode, regionPath, `'${region.key}' is not a Region name`);
          continue;
        }
        const content = doc.mapping(region.value, regionPath, regionFields);
        if (content) this.region(content, `${regionPath}.`, account.key, region.key);
      }
    }
  }

  /** The keys, aliases and grants of one account and Region. */
  private region(map: YAMLMap, prefix: string, accountId: string, region: string): void {
    const { doc } = this;
    const list = (name: string) => {
      const node = doc.field(map, name);
      return node === undefined ? [] : (doc.sequence(node, `${prefix}${name}`) ?? []);
    };
    list("keys").forEach((node, i) => {
      const key = this.key(node, `${prefix}keys[${i}]`, accountId, region);
      if (key) this.keys.push(key);
    });
    list("aliases").forEach((node, i) => {
      const path = `${prefix}aliases[${i}]`;
      const alias = doc.mapping(node, path, aliasFields);
      if (!alias) return;
      const aliasName = doc.requiredString(alias, "name", path);
      const targetKeyId = doc.requiredString(alias, "target", path);
      if (aliasName === undefined || targetKeyId === undefined) return;
      this.aliases.push({
        place: doc.place(alias, path, { name: "name", target: "target" }),
        accountId,
        region,
        aliasName,
        targetKeyId,
      });
    });
    list("grants").forEach((node, i) => {
      const grant = this.grant(node, `${prefix}grants[${i}]`, accountId, region);
      if (grant) this.grants.push(grant);
    });
  }

  private key(node: unknown, path: string, accountId: string, region: string): SeedKey | undefined {
    const { doc } = this;
    const key = doc.mapping(node, path, keyFields);
    if (!key) return undefined;
    const before = doc.problems.length;
    const keyId = doc.requiredString(key, "id", path);
    const keySpec = this.optionalEnum<KeySpec>(key, "keySpec", path, "KeySpec");
    const keyUsage = this.optionalEnum<KeyUsageType>(key, "keyUsage", path, "KeyUsageType");
    const origin = this.optionalEnum<OriginType>(key, "origin", path, "OriginType");
    const multiRegionNode = doc.field(key, "multiRegion");
    const multiRegion =
      multiRegionNode === undefined
        ? (keyId?.startsWith("mrk-") ?? false)
        : doc.boolean(multiRegionNode, `${path}.multiRegion`);
    const replicas = this.replicas(key, path);
    const material = this.material(key, path, keySpec ?? "SYMMETRIC_DEFAULT");
    const rotation = this.rotation(key, path);
    const common = this.common(key, path);
    if (
      doc.problems.length > before ||
      keyId === undefined ||
      multiRegion === undefined ||
      material === undefined ||
      common === undefined
    )
      return undefined;
    return {
      place: doc.place(key, path, Object.fromEntries(keyFields.map((f) => [f, f]))),
      accountId,
      region,
      keyId,
      keySpec,
      keyUsage,
      origin,
      multiRegion,
      replicas,
      material,
      rotation,
      ...common,
    };
  }

  /** What a key and a replica each have of their own. */
  private common(
    map: YAMLMap,
    path: string,
  ): Pick<SeedKey, "description" | "enabled" | "tags" | "policy"> | undefined {
    const { doc } = this;
    const enabledNode = doc.field(map, "enabled");
    const enabled = enabledNode === undefined ? true : doc.boolean(enabledNode, `${path}.enabled`);
    const tags = this.tags(map, path);
    const policy = this.policy(map, path);
    const description = doc.optionalString(map, "description", path, { allowEmpty: true });
    if (enabled === undefined || tags === undefined || policy === null) return undefined;
    return { description, enabled, tags, policy };
  }

  private optionalEnum<T extends string>(
    map: YAMLMap,
    name: string,
    path: string,
    shape: string,
  ): T | undefined {
    const node = this.doc.field(map, name);
    if (node === undefined) return undefined;
    return this.doc.oneOf(node, `${path}.${name}`, enumValues(shape) as readonly T[]);
  }

  /** Tags as a mapping of tag key to tag value. */
  private tags(map: YAMLMap, path: string): Tag[] | undefined {
    const { doc } = this;
    const node = doc.field(map, "tags");
    if (node === undefined) return [];
    const tags = doc.mapping(node, `${path}.tags`);
    if (!tags) return undefined;
    const out: Tag[] = [];
    for (const entry of doc.entries(tags)) {
      const value = doc.string(entry.value, `${path}.tags.${entry.key}`, { allowEmpty: true });
      if (value === undefined) return undefined;
      out.push({ TagKey: entry.key, TagValue: value });
    }
    return out;
  }

  /** A key policy: JSON text, or the document written as YAML. Null when it is malformed. */
  private policy(map: YAMLMap, path: string): string | undefined | null {
    const { doc } = this;
    const node = doc.field(map, "policy");
    if (node === undefined) return undefined;
    if (isMap(node)) return JSON.stringify(doc.json(node), null, 2);
    return doc.string(node, `${path}.policy`) ?? null;
  }

  private rotation(map: YAMLMap, path: string): SeedRotation | undefined {
    const { doc } = this;
    const node = doc.field(map, "rotation");
    if (node === undefined) return undefined;
    const rotationPath = `${path}.rotation`;
    const rotation = doc.mapping(node, rotationPath, rotationFields);
    if (!rotation) return undefined;
    const enabledNode = doc.field(rotation, "enabled");
    const periodNode = doc.field(rotation, "periodDays");
    const nextNode = doc.field(rotation, "nextRotation");
    const enabled =
      enabledNode === undefined ? true : doc.boolean(enabledNode, `${rotationPath}.enabled`);
    if (enabled === undefined) return undefined;
    return {
      enabled,
      periodInDays:
        periodNode === undefined
          ? undefined
          : doc.integer(periodNode, `${rotationPath}.periodDays`),
      nextRotation:
        nextNode === undefined ? undefined : doc.date(nextNode, `${rotationPath}.nextRotation`),
    };
  }

  private replicas(map: YAMLMap, path: string): SeedReplica[] {
    const { doc } = this;
    const node = doc.field(map, "replicas");
    if (node === undefined) return [];
    const items = doc.sequence(node, `${path}.replicas`) ?? [];
    return items.flatMap((item, i): SeedReplica[] => {
      const replicaPath = `${path}.replicas[${i}]`;
      const replica = doc.mapping(item, replicaPath, replicaFields);
      if (!replica) return [];
      const region = doc.requiredString(replica, "region", replicaPath);
      const common = this.common(replica, replicaPath);
      if (region === undefined || common === undefined) return [];
      return [
        {
          place: doc.place(
            replica,
            replicaPath,
            Object.fromEntries(replicaFields.map((f) => [f, f])),
          ),
          region,
          ...common,
        },
      ];
    });
  }

  /** `generate`, one material mapping, or a list of them (oldest first). */
  private material(map: YAMLMap, path: string, spec: KeySpec): SeedMaterialSource | undefined {
    const { doc } = this;
    const node = doc.field(map, "material");
    const materialPath = `${path}.material`;
    if (node === undefined) return { kind: "none" };
    if (isSeq(node)) {
      if (node.items.length === 0) return doc.problem(node, materialPath, "lists no key material");
      const materials = node.items.map((item, i) =>
        this.oneMaterial(item, `${materialPath}[${i}]`, spec),
      );
      if (materials.some((m) => m === undefined)) return undefined;
      return { kind: "given", materials: materials as SeedMaterial[] };
    }
    if (!isMap(node)) {
      if (isScalar(node) && node.value === "generate") return { kind: "generate" };
      return doc.problem(
        node,
        materialPath,
        "must be 'generate', a mapping with hex, base64 or pem (and optionally id), or a list of such mappings",
      );
    }
    const one = this.oneMaterial(node, materialPath, spec);
    return one === undefined ? undefined : { kind: "given", materials: [one] };
  }

  private oneMaterial(node: unknown, path: string, spec: KeySpec): SeedMaterial | undefined {
    const { doc } = this;
    const material = doc.mapping(node, path, materialFields);
    if (!material) return undefined;
    const given = ["hex", "base64", "pem"].filter((f) => doc.field(material, f) !== undefined);
    if (given.length !== 1)
      return doc.problem(
        material,
        path,
        given.length === 0
          ? "needs one of hex, base64 or pem"
          : `gives ${given.join(" and ")}: give exactly one`,
      );
    const form = given[0] as "hex" | "base64" | "pem";
    const valueNode = doc.field(material, form);
    const valuePath = `${path}.${form}`;
    const idNode = doc.field(material, "id");
    const id = idNode === undefined ? undefined : doc.string(idNode, `${path}.id`);
    let bytes: Uint8Array | undefined;
    if (form === "pem") {
      if (!isPrivateKeySpec(spec))
        return doc.problem(
          valueNode,
          valuePath,
          `a ${spec} key's material is bytes: give hex or base64`,
        );
      const pem = doc.string(valueNode, valuePath);
      if (pem === undefined) return undefined;
      bytes = decoded(doc, valueNode, valuePath, () => privateKeyFromPem(pem));
    } else {
      const raw = form === "hex" ? doc.hex(valueNode, valuePath) : doc.base64(valueNode, valuePath);
      if (raw === undefined) return undefined;
      bytes = isPrivateKeySpec(spec)
        ? decoded(doc, valueNode, valuePath, () =>
            spec.startsWith("RSA_") ? privateKeyFromDer(raw) : privateKeyFromRaw(spec, raw),
          )
        : raw;
    }
    if (bytes === undefined || (idNode !== undefined && id === undefined)) return undefined;
    return { place: doc.location(valueNode, valuePath), bytes, id };
  }

  private grant(
    node: unknown,
    path: string,
    accountId: string,
    region: string,
  ): SeedGrant | undefined {
    const { doc } = this;
    const grant = doc.mapping(node, path, grantFields);
    if (!grant) return undefined;
    const before = doc.problems.length;
    const grantId = doc.requiredString(grant, "id", path);
    const keyId = doc.requiredString(grant, "key", path);
    const granteePrincipal = doc.requiredString(grant, "grantee", path);
    const name = doc.optionalString(grant, "name", path);
    const retiringPrincipal = doc.optionalString(grant, "retiringPrincipal", path);
    const operationsNode = doc.field(grant, "operations");
    const operations =
      operationsNode === undefined
        ? doc.problem(grant, path, "is missing operations")
        : (doc.sequence(operationsNode, `${path}.operations`) ?? []).map((op, i) =>
            doc.oneOf<GrantOperation>(
              op,
              `${path}.operations[${i}]`,
              enumValues("GrantOperation") as readonly GrantOperation[],
            ),
          );
    const constraints = this.constraints(grant, path);
    if (
      doc.problems.length > before ||
      grantId === undefined ||
      keyId === undefined ||
      granteePrincipal === undefined ||
      operations === undefined
    )
      return undefined;
    return {
      place: doc.place(grant, path, Object.fromEntries(grantFields.map((f) => [f, f]))),
      accountId,
      region,
      grantId,
      keyId,
      name,
      granteePrincipal,
      retiringPrincipal,
      operations: operations as GrantOperation[],
      constraints,
    };
  }

  private constraints(grant: YAMLMap, path: string): GrantConstraints | undefined {
    const { doc } = this;
    const node = doc.field(grant, "constraints");
    if (node === undefined) return undefined;
    const constraintsPath = `${path}.constraints`;
    const map = doc.mapping(node, constraintsPath, constraintFields);
    if (!map) return undefined;
    const context = (name: string): Record<string, string> | undefined => {
      const contextNode = doc.field(map, name);
      if (contextNode === undefined) return undefined;
      const contextMap = doc.mapping(contextNode, `${constraintsPath}.${name}`);
      if (!contextMap) return undefined;
      const out: Record<string, string> = {};
      for (const entry of doc.entries(contextMap)) {
        const value = doc.string(entry.value, `${constraintsPath}.${name}.${entry.key}`, {
          allowEmpty: true,
        });
        if (value !== undefined) out[entry.key] = value;
      }
      return out;
    };
    return {
      EncryptionContextEquals: context("encryptionContextEquals"),
      EncryptionContextSubset: context("encryptionContextSubset"),
    };
  }
}

function decoded(
  doc: SeedDocument,
  node: unknown,
  path: string,
  decode: () => Uint8Array,
): Uint8Array | undefined {
  try {
    return decode();
  } catch (error) {
    if (error instanceof KeyEncodingError) return doc.problem(node, path, error.message);
    throw error;
  }
}

/** Reads a document in Trent's format; problems and warnings are left in `doc`. */
export function readTrentSeed(doc: SeedDocument, defaults: SeedDefaults): SeedPlan {
  const reader = new TrentSeedReader(doc);
  reader.read(defaults);
  return {
    source: doc.source,
    format: "trent",
    keys: reader.keys,
    aliases: reader.aliases,
    grants: reader.grants,
    warnings: doc.warnings,
  };
}
