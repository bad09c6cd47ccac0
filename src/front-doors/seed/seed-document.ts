/**
 * Reading a seed document node by node, with every problem named by its place: file:line:col
 * (from the `yaml` package's node ranges, as core/auth/credentials-file.ts does) and the path in
 * the document ("accounts.444455556666.eu-west-1.keys[2].keySpec"). Readers record a problem
 * and return undefined instead of throwing, so one pass reports everything wrong with a seed.
 *
 * A seed given as a JavaScript object (the embedding API) is read through the same functions:
 * its nodes have no positions, so its problems name the seed and the path only.
 */
import {
  Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type YAMLMap,
} from "yaml";
import type { SeedLocation, SeedPlace } from "../../domain/seed-plan.js";

export class SeedDocument {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];

  private constructor(
    readonly source: string,
    readonly root: unknown,
    private readonly lines: LineCounter | undefined,
  ) {}

  /** Parses YAML text; a syntax error is the one problem then, and `root` is undefined. */
  static parse(text: string, source: string): SeedDocument {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
    const syntax = doc.errors[0];
    if (syntax) {
      const document = new SeedDocument(source, undefined, lines);
      const pos = syntax.linePos?.[0];
      document.problems.push(
        `${source}${pos ? `:${pos.line}:${pos.col}` : ""}: not valid YAML: ${syntax.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "")}`,
      );
      return document;
    }
    return new SeedDocument(source, doc.contents, lines);
  }

  /** A seed given as a plain object: read like a document without positions. */
  static of(value: unknown, source: string): SeedDocument {
    return new SeedDocument(source, new Document(value).contents, undefined);
  }

  position(node: unknown): string {
    const offset = (node as Node | undefined)?.range?.[0];
    if (offset === undefined || this.lines === undefined) return this.source;
    const { line, col } = this.lines.linePos(offset);
    return `${this.source}:${line}:${col}`;
  }

  location(node: unknown, path: string): SeedLocation {
    return { position: this.position(node), path };
  }

  problem(node: unknown, path: string, message: string): undefined {
    this.problems.push(`${this.position(node)}: ${path || "(document)"}: ${message}`);
    return undefined;
  }

  warn(node: unknown, path: string, message: string): void {
    this.warnings.push(`${this.position(node)}: ${path || "(document)"}: ${message}`);
  }

  /**
   * A mapping. With `fields`, every key must be one of them (a misspelt field is an error in
   * Trent's format); with `lenient`, unknown keys are only warned about (local-kms ignores them).
   */
  mapping(
    node: unknown,
    path: string,
    fields?: readonly string[],
    lenient = false,
  ): YAMLMap | undefined {
    if (!isMap(node)) return this.problem(node, path, "must be a mapping of fields");
    if (fields === undefined) return node;
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "?";
      if (fields.includes(key)) continue;
      const message = `unknown field '${key}' (expected ${fields.join(", ")})`;
      if (lenient) this.warn(pair.key, path, `${message}; ignored`);
      else this.problem(pair.key, joinPath(path, key), message);
    }
    return node;
  }

  /** The entries of a mapping whose keys are data (account ids, Regions, tag keys). */
  entries(map: YAMLMap): { key: string; keyNode: unknown; value: unknown }[] {
    return map.items.map((pair) => ({
      key: isScalar(pair.key) ? scalarText(pair.key) : "?",
      keyNode: pair.key,
      value: pair.value,
    }));
  }

  field(map: YAMLMap | undefined, name: string): unknown {
    return map?.get(name, true);
  }

  /** The node of a field, and its place for messages (the map's own place when absent). */
  at(map: YAMLMap, name: string, path: string): SeedLocation {
    const node = map.get(name, true);
    return this.location(node ?? map, `${path}.${name}`);
  }

  sequence(node: unknown, path: string): unknown[] | undefined {
    if (!isSeq(node)) return this.problem(node, path, "must be a list");
    return node.items;
  }

  /**
   * A string. Plain scalars are read as written, so an all-digit hex string or account id is
   * not turned into a number (which would lose leading zeros and digits).
   */
  string(node: unknown, path: string, options: { allowEmpty?: boolean } = {}): string | undefined {
    if (!isScalar(node) || node.value === null || typeof node.value === "object")
      return this.problem(node, path, "must be a string");
    const text = scalarText(node);
    if (text === "" && !options.allowEmpty) return this.problem(node, path, "must not be empty");
    return text;
  }

  optionalString(
    map: YAMLMap,
    name: string,
    path: string,
    options: { allowEmpty?: boolean } = {},
  ): string | undefined {
    const node = map.get(name, true);
    return node === undefined ? undefined : this.string(node, `${path}.${name}`, options);
  }

  requiredString(map: YAMLMap, name: string, path: string): string | undefined {
    const node = map.get(name, true);
    if (node === undefined) return this.problem(map, path, `is missing ${name}`);
    return this.string(node, joinPath(path, name));
  }

  boolean(node: unknown, path: string): boolean | undefined {
    if (!isScalar(node) || typeof node.value !== "boolean")
      return this.problem(node, path, "must be true or false");
    return node.value;
  }

  integer(node: unknown, path: string): number | undefined {
    if (!isScalar(node) || typeof node.value !== "number" || !Number.isInteger(node.value))
      return this.problem(node, path, "must be a whole number");
    return node.value;
  }

  /** An ISO 8601 date and time, such as 2026-01-31T00:00:00Z. */
  date(node: unknown, path: string): Date | undefined {
    const text = isScalar(node) ? scalarText(node) : undefined;
    const date = text === undefined ? undefined : new Date(text);
    if (
      text === undefined ||
      date === undefined ||
      !/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ||
      Number.isNaN(date.getTime())
    )
      return this.problem(node, path, "must be an ISO 8601 date, such as 2026-01-31T00:00:00Z");
    return date;
  }

  oneOf<T extends string>(node: unknown, path: string, values: readonly T[]): T | undefined {
    const text = this.string(node, path);
    if (text === undefined) return undefined;
    if (!values.includes(text as T))
      return this.problem(node, path, `'${text}' is not one of ${values.join(", ")}`);
    return text as T;
  }

  /** Hex digits (whitespace and an 0x prefix allowed) as bytes. */
  hex(node: unknown, path: string): Uint8Array | undefined {
    const text = this.string(node, path);
    if (text === undefined) return undefined;
    const digits = text.replace(/\s+/g, "").replace(/^0x/i, "");
    if (!/^([0-9a-fA-F]{2})+$/.test(digits))
      return this.problem(node, path, "must be hex digits, two per byte");
    return new Uint8Array(Buffer.from(digits, "hex"));
  }

  /** Standard or URL-safe base64 (whitespace allowed) as bytes. */
  base64(node: unknown, path: string): Uint8Array | undefined {
    const text = this.string(node, path);
    if (text === undefined) return undefined;
    const compact = text.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact) || compact.replace(/=+$/, "").length % 4 === 1)
      return this.problem(node, path, "must be base64");
    return new Uint8Array(
      Buffer.from(compact, compact.includes("-") || compact.includes("_") ? "base64url" : "base64"),
    );
  }

  /** A JSON value of a subtree (a policy written as YAML, a constraint's context). */
  json(node: unknown): unknown {
    return (node as Node).toJSON();
  }

  /** The place of an item whose fields (domain name → field name as written) are in `map`. */
  place(map: YAMLMap, path: string, fields: Readonly<Record<string, string>>): SeedPlace {
    const located: Record<string, SeedLocation> = {};
    for (const [domainName, written] of Object.entries(fields)) {
      const node = map.get(written, true);
      located[domainName] = this.location(node ?? map, `${path}.${written}`);
    }
    return { ...this.location(map, path), fields: located };
  }
}

/** "keys[0]" and "keySpec" → "keys[0].keySpec"; at the top, the name alone. */
export function joinPath(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

/** A scalar's text as written (plain scalars), or its value as a string. */
function scalarText(node: { readonly value: unknown; readonly source?: string }): string {
  if (typeof node.value === "string") return node.value;
  return node.source ?? String(node.value);
}
