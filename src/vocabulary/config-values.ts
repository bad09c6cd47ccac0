/**
 * How the text of one setting becomes its value: the parsers the settings table in config.ts
 * names. Each takes the text and the name the user gave it by (a variable, a flag or an
 * embedding option) and throws a ConfigError naming exactly that, so `--port x` is reported as
 * `--port` and `TRENT_PORT=x` as `TRENT_PORT`. Pure: no environment, no files.
 */

export class ConfigError extends Error {}

/** The data key pair specs slow enough to pre-generate (see platform/crypto/key-pair-pool.ts). */
export const pooledKeyPairSpecs = ["RSA_2048", "RSA_3072", "RSA_4096"] as const;
export type PooledKeyPairSpec = (typeof pooledKeyPairSpecs)[number];

export type Parser<T> = (text: string, name: string) => T;

export const text: Parser<string> = (value) => value;

export function integer(min: number): Parser<number> {
  return (value, name) => {
    const parsed = Number(value);
    if (value.trim() === "" || !Number.isInteger(parsed) || parsed < min)
      throw new ConfigError(`${name} must be an integer >= ${min}, got '${value}'`);
    return parsed;
  };
}

export const boolean: Parser<boolean> = (value, name) => {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new ConfigError(`${name} must be 'true' or 'false', got '${value}'`);
};

/** A switch: on or off (true and false too, as embedding options and bare flags give them). */
export const onOff: Parser<boolean> = (value, name) => {
  if (value === "on" || value === "true") return true;
  if (value === "off" || value === "false") return false;
  throw new ConfigError(`${name} must be 'on' or 'off', got '${value}'`);
};

export function oneOf<const T extends string>(...values: readonly T[]): Parser<T> {
  return (value, name) => {
    if ((values as readonly string[]).includes(value)) return value as T;
    throw new ConfigError(
      `${name} must be ${values.map((v) => `'${v}'`).join(" or ")}, got '${value}'`,
    );
  };
}

export function matching(pattern: RegExp, what: string): Parser<string> {
  return (value, name) => {
    if (!pattern.test(value)) throw new ConfigError(`${name} must be ${what}, got '${value}'`);
    return value;
  };
}

/** A comma-separated list; empty entries are refused so a stray comma is not a silent no-op. */
export const list: Parser<readonly string[]> = (value, name) => {
  const entries = value.split(",").map((entry) => entry.trim());
  if (entries.some((entry) => entry === ""))
    throw new ConfigError(`${name} must be a comma-separated list without empty entries`);
  return Object.freeze(entries);
};

export const rootKey: Parser<Uint8Array> = (value, name) => {
  const bytes = Buffer.from(value.trim(), "base64");
  if (bytes.length !== 32 || bytes.toString("base64") !== value.trim())
    throw new ConfigError(`${name} must be the base64 encoding of exactly 32 bytes`);
  return new Uint8Array(bytes);
};

/** Several root keys, comma-separated: each error names the entry, never its text. */
export const rootKeys: Parser<readonly Uint8Array[]> = (value, name) =>
  Object.freeze(list(value, name).map((entry, i) => rootKey(entry, `${name} entry ${i + 1}`)));

/** A postgres:// URL, checked without ever echoing it: it may hold a password. */
export const databaseUrl: Parser<string> = (value, name) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      `${name} is not a URL: expected postgres://user:password@host:5432/database`,
    );
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:")
    throw new ConfigError(
      `${name} must be a postgres:// or postgresql:// URL, like postgres://user:password@host:5432/database`,
    );
  return value;
};

function isPooledKeyPairSpec(name: string | undefined): name is PooledKeyPairSpec {
  return (pooledKeyPairSpecs as readonly (string | undefined)[]).includes(name);
}

export const defaultKeyPairPoolSize: Readonly<Record<PooledKeyPairSpec, number>> = Object.freeze({
  RSA_2048: 4,
  RSA_3072: 2,
  RSA_4096: 2,
});

/**
 * Requests that may wait for an RSA pair per spec once its ready pairs are gone: with the two
 * default workers, a waiting request is at most about two generations from its pair (RSA_2048
 * ≈ 0.1 s, RSA_4096 ≈ 1 s each on an idle core); the next request is answered
 * ThrottlingException at once.
 */
export const defaultKeyPairQueueLimit: Readonly<Record<PooledKeyPairSpec, number>> = Object.freeze({
  RSA_2048: 4,
  RSA_3072: 2,
  RSA_4096: 2,
});

/** What TRENT_QUOTAS applies: AWS's documented request quotas, or none. */
export const quotaModes = ["none", "aws"] as const;
export type QuotaMode = (typeof quotaModes)[number];

/**
 * A count per RSA spec (pairs to keep ready, requests that may wait): one integer for every RSA
 * spec, or per spec, e.g. "RSA_2048=8,RSA_4096=1" (specs not named keep `fallback`).
 */
export function keyPairPoolSize(
  value: string,
  name: string,
  fallback: Readonly<Record<PooledKeyPairSpec, number>> = defaultKeyPairPoolSize,
): Readonly<Record<PooledKeyPairSpec, number>> {
  const count = integer(0);
  if (/^\s*\d+\s*$/.test(value)) {
    const size = count(value.trim(), name);
    return Object.freeze(
      Object.fromEntries(pooledKeyPairSpecs.map((spec) => [spec, size])) as Record<
        PooledKeyPairSpec,
        number
      >,
    );
  }
  const sizes = { ...fallback };
  for (const entry of value.split(",")) {
    const [spec, size] = entry.split("=").map((part) => part.trim());
    if (!isPooledKeyPairSpec(spec) || size === undefined || size === "")
      throw new ConfigError(
        `${name} must be an integer or a list like RSA_2048=4,RSA_4096=2, got '${value}'`,
      );
    sizes[spec] = count(size, name);
  }
  return Object.freeze(sizes);
}

/**
 * A secret given as text (a PKCS#11 PIN, the metrics token). Kept in a private field so that
 * logging or serialising the config shows nothing of it; read it only to use it.
 */
export class SecretText {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return "(redacted)";
  }

  toString(): string {
    return "(redacted)";
  }
}

/** The PKCS#11 PIN is one such secret. */
export const Pkcs11Pin = SecretText;
export type Pkcs11Pin = SecretText;

export const secret: Parser<SecretText> = (value) => new SecretText(value);

/** pino's levels from most to least verbose, and `silent` for no log at all. */
export const logLevels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof logLevels)[number];

/** One of a list of words, named as a list when refused. */
export function choice<const T extends string>(values: readonly T[]): Parser<T> {
  return (value, name) => {
    if (!(values as readonly string[]).includes(value))
      throw new ConfigError(`${name} must be one of ${values.join(", ")}, got '${value}'`);
    return value as T;
  };
}

export const logLevel: Parser<LogLevel> = choice(logLevels);

/** When the audit file is rotated by time (TRENT_AUDIT_ROTATE), whatever its size. */
export const auditRotations = ["hourly", "daily", "none"] as const;
export type AuditRotation = (typeof auditRotations)[number];

/**
 * Where the audit index lives (TRENT_AUDIT_INDEX): "auto" is PostgreSQL when the key store is,
 * else a SQLite file beside the audit file; "none" keeps no index.
 */
export const auditIndexChoices = ["auto", "sqlite", "postgres", "none"] as const;
export type AuditIndexChoice = (typeof auditIndexChoices)[number];

/** A file smaller than one record would rotate on every write. */
export const auditMaxBytes: Parser<number> = (value, name) => {
  const bytes = integer(0)(value, name);
  if (bytes > 0 && bytes < 4096)
    throw new ConfigError(`${name} must be 0 (no size limit) or at least 4096, got '${value}'`);
  return bytes;
};
