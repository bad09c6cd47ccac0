/**
 * Trent's configuration: typed, validated once at start-up, frozen. Read from the environment
 * (TRENT_*), with local-kms's names (PORT, KMS_ACCOUNT_ID, KMS_REGION, KMS_DATA_PATH) honoured
 * so it can stand in for local-kms unchanged. Nothing else reads process.env.
 */
import { isRegionName } from "./arns.js";

export type AuthMode = "open" | "sigv4";

/** The data key pair specs slow enough to pre-generate (see crypto/key-pair-pool.ts). */
export const pooledKeyPairSpecs = ["RSA_2048", "RSA_3072", "RSA_4096"] as const;
export type PooledKeyPairSpec = (typeof pooledKeyPairSpecs)[number];

/** The same size for every pooled spec. */
function poolSizes(size: number): Readonly<Record<PooledKeyPairSpec, number>> {
  return Object.freeze(
    Object.fromEntries(pooledKeyPairSpecs.map((spec) => [spec, size])) as Record<
      PooledKeyPairSpec,
      number
    >,
  );
}

function isPooledKeyPairSpec(name: string | undefined): name is PooledKeyPairSpec {
  return (pooledKeyPairSpecs as readonly (string | undefined)[]).includes(name);
}

export interface TrentConfig extends ObservabilityConfig {
  readonly host: string;
  readonly port: number;
  /** Directory holding the SQLite file and the generated root key, or ":memory:". */
  readonly dataDir: string;
  /**
   * A postgres:// URL: keep all state in this PostgreSQL database instead of SQLite, so that
   * several nodes can share it (docs/postgres.md). Holds a password: never log it as is.
   */
  readonly databaseUrl: string | undefined;
  readonly accountId: string;
  readonly region: string;
  /**
   * The current root key from TRENT_ROOT_KEY: 32 bytes sealing every stored secret. With no
   * root key source at all, the embedded default generates one into dataDir.
   */
  readonly rootKey: Uint8Array | undefined;
  /** TRENT_ROOT_KEY_FILE: a file (outside the data directory) holding the base64 root key. */
  readonly rootKeyFile: string | undefined;
  /** A root key inside a PKCS#11 token (TRENT_PKCS11_*). */
  readonly pkcs11: Pkcs11Config | undefined;
  /**
   * Root keys of a rotation in progress (TRENT_ROOT_KEY_PREVIOUS, TRENT_ROOT_KEY_PREVIOUS_FILE):
   * they open what they sealed, and seal nothing new.
   */
  readonly previousRootKeys: readonly Uint8Array[];
  readonly previousRootKeyFiles: readonly string[];
  readonly authMode: AuthMode;
  /** The sigv4 mode's YAML credentials file: access keys, secrets, accounts, principal ARNs. */
  readonly credentialsFile: string | undefined;
  /**
   * Lets open mode listen on a non-loopback address, where everyone who can reach the port
   * acts as the account root. Off unless explicitly set.
   */
  readonly allowOpenOnNetwork: boolean;
  /** Largest request body accepted; KMS requests are small (a policy is at most 128 KiB). */
  readonly maxBodyBytes: number;
  /**
   * Milliseconds a client has to send a whole request, headers and body; a slower one is cut
   * with RequestTimeoutException (408), so trickling bytes cannot hold a connection forever.
   */
  readonly requestTimeoutMs: number;
  /** Milliseconds a client has to send a request's headers; at most requestTimeoutMs. */
  readonly headersTimeoutMs: number;
  /** Open connections served at once; connections beyond it are closed as they arrive. */
  readonly maxConnections: number;
  /** How often keys whose deletion date has passed are deleted. */
  readonly deletionSweepMs: number;
  /** Worker threads that generate RSA data key pairs off the event loop. */
  readonly keyPairWorkers: number;
  /**
   * RSA data key pairs kept ready per spec, refilled in the background once a spec is first
   * used; 0 generates that spec only on demand.
   */
  readonly keyPairPoolSize: Readonly<Record<PooledKeyPairSpec, number>>;
  /**
   * Milliseconds before a new grant authorizes requests that do not present its grant token,
   * mimicking AWS's grant eventual consistency; 0 (the default) makes grants effective at once.
   */
  readonly grantPropagationDelayMs: number;
  /**
   * Whether callers may use AWS managed keys (alias/aws/s3, ...) directly, for what the key's
   * AWS service may do with it: their requests count as made through that service (the key
   * policy's kms:ViaService condition holds), since Trent has no services to go through. False
   * answers as AWS does a direct call: the key policy only lets the account read the key
   * (docs/aws-managed-keys.md).
   */
  readonly awsManagedKeysDirectUse: boolean;
  /**
   * Where audit records are appended as JSON lines: a path, "none" to write no file, or
   * undefined for audit.jsonl in dataDir (no file when dataDir is ":memory:").
   */
  readonly auditFile: string | undefined;
  /** Also write every audit record to standard output, one JSON line each. */
  readonly auditStdout: boolean;
  /**
   * fdatasync the audit file after each write, before the answers waiting for it leave: their
   * records then survive power loss, not only a crash of Trent, at the cost of one disk flush
   * per group of records.
   */
  readonly auditFsync: boolean;
  /**
   * TRENT_NITRO_ROOT_CERT_FILE: PEM file of the root certificate(s) that Nitro Enclaves
   * attestation documents (the Recipient parameter) must chain to; undefined trusts AWS's Nitro
   * Enclaves root G1, built in (platform/crypto/nitro-roots.ts).
   */
  readonly nitroRootCertFile: string | undefined;
  /**
   * TRENT_NITRO_MAX_AGE_SECONDS: how far an attestation document's timestamp may be from the
   * request's time, either way; 0 checks only the certificates' validity.
   */
  readonly nitroMaxAgeSeconds: number;

  // Seeding (docs/seeding.md): seed files applied at start, before Trent listens.
  /** TRENT_SEED_FILE: a seed file (Trent's format or local-kms's) applied at every start. */
  readonly seedFile: string | undefined;
  /**
   * KMS_SEED_PATH: local-kms's seed file, applied at every start. Unset, it is /init/seed.yaml
   * (local-kms's Docker default), applied only if that file exists.
   */
  readonly localKmsSeedFile: string | undefined;
  /** Whether localKmsSeedFile is that default rather than a path someone set. */
  readonly localKmsSeedFileIsDefault: boolean;
}

/**
 * The PKCS#11 PIN. Kept in a private field so that logging or serialising the config shows
 * nothing of it; read it only to log in.
 */
export class Pkcs11Pin {
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

export interface Pkcs11Config {
  /** TRENT_PKCS11_MODULE: path of the PKCS#11 module (.so) of the HSM. */
  readonly module: string;
  /** TRENT_PKCS11_TOKEN_LABEL: the token that holds the root key. */
  readonly tokenLabel: string;
  /** TRENT_PKCS11_PIN, or undefined when the PIN is in pinFile. */
  readonly pin: Pkcs11Pin | undefined;
  /** TRENT_PKCS11_PIN_FILE: a file holding the PIN. */
  readonly pinFile: string | undefined;
  /**
   * TRENT_PKCS11_KEY_LABEL: label of the current root key in the token, generated there on
   * first start. Undefined when the token only holds previous keys (moving off the HSM).
   */
  readonly keyLabel: string | undefined;
  /** TRENT_PKCS11_PREVIOUS_KEY_LABELS: root keys in the same token of a rotation in progress. */
  readonly previousKeyLabels: readonly string[];
}

export const defaultPkcs11KeyLabel = "trent-root-key";

/*
 * Observability and transport: logs, metrics, TLS (TRENT_LOG_LEVEL, TRENT_METRICS_TOKEN,
 * TRENT_TLS_CERT_FILE, TRENT_TLS_KEY_FILE). Kept together so the block can move as one.
 */

/** pino's levels from most to least verbose, and `silent` for no log at all. */
export const logLevels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof logLevels)[number];

/** A secret from the configuration; logging or serialising the config shows nothing of it. */
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

export interface ObservabilityConfig {
  /** TRENT_LOG_LEVEL: the least severe level written; one line per request at `info`. */
  readonly logLevel: LogLevel;
  /**
   * TRENT_METRICS_TOKEN: when set, GET /metrics answers only requests with
   * `Authorization: Bearer <token>`; open to anyone who can reach the port otherwise.
   */
  readonly metricsToken: SecretText | undefined;
  /**
   * TRENT_TLS_CERT_FILE and TRENT_TLS_KEY_FILE: PEM certificate (chain) and private key; when
   * set, the listener speaks HTTPS only, and both files are read again on SIGHUP.
   */
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
}

export const defaultObservabilityConfig: ObservabilityConfig = Object.freeze({
  logLevel: "info",
  metricsToken: undefined,
  tlsCertFile: undefined,
  tlsKeyFile: undefined,
});

export function observabilityFromEnv(env: NodeJS.ProcessEnv): ObservabilityConfig {
  const level = first(env, "TRENT_LOG_LEVEL") ?? defaultObservabilityConfig.logLevel;
  if (!(logLevels as readonly string[]).includes(level))
    throw new ConfigError(`TRENT_LOG_LEVEL must be one of ${logLevels.join(", ")}, got '${level}'`);
  const token = first(env, "TRENT_METRICS_TOKEN");
  const tlsCertFile = first(env, "TRENT_TLS_CERT_FILE");
  const tlsKeyFile = first(env, "TRENT_TLS_KEY_FILE");
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined))
    throw new ConfigError(
      `${tlsCertFile === undefined ? "TRENT_TLS_KEY_FILE" : "TRENT_TLS_CERT_FILE"} is set without ${tlsCertFile === undefined ? "TRENT_TLS_CERT_FILE" : "TRENT_TLS_KEY_FILE"}: HTTPS needs both the certificate and its private key`,
    );
  return Object.freeze({
    logLevel: level as LogLevel,
    metricsToken: token === undefined ? undefined : new SecretText(token),
    tlsCertFile,
    tlsKeyFile,
  });
}

export const defaultConfig: TrentConfig = Object.freeze({
  ...defaultObservabilityConfig,
  host: "127.0.0.1",
  port: 8080,
  dataDir: "data",
  databaseUrl: undefined,
  accountId: "111122223333",
  region: "us-east-1",
  rootKey: undefined,
  rootKeyFile: undefined,
  pkcs11: undefined,
  previousRootKeys: Object.freeze([]),
  previousRootKeyFiles: Object.freeze([]),
  authMode: "open",
  credentialsFile: undefined,
  allowOpenOnNetwork: false,
  maxBodyBytes: 1024 * 1024,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  maxConnections: 1024,
  deletionSweepMs: 60_000,
  keyPairWorkers: 2,
  keyPairPoolSize: Object.freeze({ RSA_2048: 4, RSA_3072: 2, RSA_4096: 2 }),
  grantPropagationDelayMs: 0,
  awsManagedKeysDirectUse: true,
  auditFile: undefined,
  auditStdout: false,
  auditFsync: false,
  nitroRootCertFile: undefined,
  nitroMaxAgeSeconds: 300,
  // Seeding: none unless asked for (configFromEnv adds local-kms's /init/seed.yaml default).
  seedFile: undefined,
  localKmsSeedFile: undefined,
  localKmsSeedFileIsDefault: false,
});

export class ConfigError extends Error {}

function first(env: NodeJS.ProcessEnv, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== "") return value;
  }
  return undefined;
}

function integer(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new ConfigError(`${name} must be an integer >= ${min}, got '${text}'`);
  return value;
}

function boolean(name: string, text: string | undefined, fallback: boolean): boolean {
  if (text === undefined) return fallback;
  if (text === "true") return true;
  if (text === "false") return false;
  throw new ConfigError(`${name} must be 'true' or 'false', got '${text}'`);
}

/**
 * TRENT_KEY_PAIR_POOL_SIZE: one integer for every RSA spec ("0" disables pre-generation), or
 * per spec, e.g. "RSA_2048=8,RSA_4096=1" (specs not named keep their default).
 */
export function parseKeyPairPoolSize(
  text: string | undefined,
  fallback: Readonly<Record<PooledKeyPairSpec, number>>,
): Readonly<Record<PooledKeyPairSpec, number>> {
  if (text === undefined) return fallback;
  const name = "TRENT_KEY_PAIR_POOL_SIZE";
  if (/^\s*\d+\s*$/.test(text)) {
    const size = integer(name, text.trim(), 0, 0);
    return poolSizes(size);
  }
  const sizes = { ...fallback };
  for (const entry of text.split(",")) {
    const [spec, value] = entry.split("=").map((part) => part.trim());
    if (!isPooledKeyPairSpec(spec) || value === undefined || value === "")
      throw new ConfigError(
        `${name} must be an integer or a list like RSA_2048=4,RSA_4096=2, got '${text}'`,
      );
    sizes[spec] = integer(name, value, 0, 0);
  }
  return Object.freeze(sizes);
}

export function parseRootKey(text: string, name = "TRENT_ROOT_KEY"): Uint8Array {
  const bytes = Buffer.from(text.trim(), "base64");
  if (bytes.length !== 32 || bytes.toString("base64") !== text.trim())
    throw new ConfigError(`${name} must be the base64 encoding of exactly 32 bytes`);
  return new Uint8Array(bytes);
}

/** A comma-separated list; empty entries are refused so a stray comma is not a silent no-op. */
function list(name: string, text: string | undefined): string[] {
  if (text === undefined) return [];
  const entries = text.split(",").map((entry) => entry.trim());
  if (entries.some((entry) => entry === ""))
    throw new ConfigError(`${name} must be a comma-separated list without empty entries`);
  return entries;
}

const pkcs11Names = [
  "TRENT_PKCS11_TOKEN_LABEL",
  "TRENT_PKCS11_PIN",
  "TRENT_PKCS11_PIN_FILE",
  "TRENT_PKCS11_KEY_LABEL",
  "TRENT_PKCS11_PREVIOUS_KEY_LABELS",
] as const;

/** TRENT_PKCS11_*: all or nothing, and never an echo of the PIN. */
export function parsePkcs11(
  env: NodeJS.ProcessEnv,
  rawSourceGiven: boolean,
): Pkcs11Config | undefined {
  const module = first(env, "TRENT_PKCS11_MODULE");
  if (module === undefined) {
    const stray = pkcs11Names.find((name) => first(env, name) !== undefined);
    if (stray !== undefined)
      throw new ConfigError(
        `${stray} is set but TRENT_PKCS11_MODULE, the HSM's PKCS#11 module, is not`,
      );
    return undefined;
  }
  const tokenLabel = first(env, "TRENT_PKCS11_TOKEN_LABEL");
  if (tokenLabel === undefined)
    throw new ConfigError(
      "TRENT_PKCS11_MODULE needs TRENT_PKCS11_TOKEN_LABEL, the label of the token holding the root key",
    );
  const pin = first(env, "TRENT_PKCS11_PIN");
  const pinFile = first(env, "TRENT_PKCS11_PIN_FILE");
  if (pin !== undefined && pinFile !== undefined)
    throw new ConfigError("set one of TRENT_PKCS11_PIN and TRENT_PKCS11_PIN_FILE, not both");
  if (pin === undefined && pinFile === undefined)
    throw new ConfigError(
      "TRENT_PKCS11_MODULE needs the token's user PIN in TRENT_PKCS11_PIN or TRENT_PKCS11_PIN_FILE",
    );
  const previousKeyLabels = list(
    "TRENT_PKCS11_PREVIOUS_KEY_LABELS",
    first(env, "TRENT_PKCS11_PREVIOUS_KEY_LABELS"),
  );
  let keyLabel = first(env, "TRENT_PKCS11_KEY_LABEL");
  if (rawSourceGiven) {
    // Moving off the HSM: the token only opens what its old keys sealed.
    if (keyLabel !== undefined || previousKeyLabels.length === 0)
      throw new ConfigError(
        `${first(env, "TRENT_ROOT_KEY") !== undefined ? "TRENT_ROOT_KEY" : "TRENT_ROOT_KEY_FILE"} and TRENT_PKCS11_MODULE both name the current root key: set exactly one of TRENT_ROOT_KEY, TRENT_ROOT_KEY_FILE and TRENT_PKCS11_MODULE (to move from the HSM to a raw key, name the HSM's keys in TRENT_PKCS11_PREVIOUS_KEY_LABELS and leave TRENT_PKCS11_KEY_LABEL unset)`,
      );
  } else {
    keyLabel ??= defaultPkcs11KeyLabel;
  }
  if (keyLabel !== undefined && previousKeyLabels.includes(keyLabel))
    throw new ConfigError(
      `TRENT_PKCS11_PREVIOUS_KEY_LABELS names '${keyLabel}', the current key (TRENT_PKCS11_KEY_LABEL)`,
    );
  return Object.freeze({
    module,
    tokenLabel,
    pin: pin === undefined ? undefined : new Pkcs11Pin(pin),
    pinFile,
    keyLabel,
    previousKeyLabels: Object.freeze(previousKeyLabels),
  });
}

/** The variables naming the current root key: at most one may be set. */
export function currentRootKeySources(config: TrentConfig): string[] {
  const sources: string[] = [];
  if (config.rootKey !== undefined) sources.push("TRENT_ROOT_KEY");
  if (config.rootKeyFile !== undefined) sources.push("TRENT_ROOT_KEY_FILE");
  if (config.pkcs11?.keyLabel !== undefined) sources.push("TRENT_PKCS11_MODULE");
  return sources;
}

/** TRENT_DATABASE_URL, checked without ever echoing it: it may hold a password. */
export function parseDatabaseUrl(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(
      "TRENT_DATABASE_URL is not a URL: expected postgres://user:password@host:5432/database",
    );
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:")
    throw new ConfigError(
      "TRENT_DATABASE_URL must be a postgres:// or postgresql:// URL, like postgres://user:password@host:5432/database",
    );
  return text;
}

/** A database URL fit for logs: its password (in the authority or the query) replaced. */
export function redactDatabaseUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password !== "") url.password = "redacted";
    for (const name of ["password", "sslpassword"])
      if (url.searchParams.has(name)) url.searchParams.set(name, "redacted");
    return url.toString();
  } catch {
    return "(unparsable database URL)";
  }
}

/** Where this node keeps its state, for the start-up line. */
export function storeLocation(config: TrentConfig): string {
  return config.databaseUrl === undefined
    ? `data ${config.dataDir}`
    : `database ${redactDatabaseUrl(config.databaseUrl)}`;
}

/**
 * Node's HTTP server refuses a headers timeout longer than the request timeout: the headers are
 * part of the request, so the longer limit could never apply.
 */
export function checkHttpTimeouts(
  config: Pick<TrentConfig, "requestTimeoutMs" | "headersTimeoutMs">,
): void {
  if (config.headersTimeoutMs > config.requestTimeoutMs)
    throw new ConfigError(
      `TRENT_HEADERS_TIMEOUT_MS (${config.headersTimeoutMs}) must not exceed TRENT_REQUEST_TIMEOUT_MS (${config.requestTimeoutMs}): the headers are part of the request`,
    );
}

function httpLimitsFromEnv(
  env: NodeJS.ProcessEnv,
): Pick<TrentConfig, "requestTimeoutMs" | "headersTimeoutMs" | "maxConnections"> {
  const limits = {
    requestTimeoutMs: integer(
      "TRENT_REQUEST_TIMEOUT_MS",
      first(env, "TRENT_REQUEST_TIMEOUT_MS"),
      defaultConfig.requestTimeoutMs,
      100,
    ),
    headersTimeoutMs: integer(
      "TRENT_HEADERS_TIMEOUT_MS",
      first(env, "TRENT_HEADERS_TIMEOUT_MS"),
      defaultConfig.headersTimeoutMs,
      100,
    ),
    maxConnections: integer(
      "TRENT_MAX_CONNECTIONS",
      first(env, "TRENT_MAX_CONNECTIONS"),
      defaultConfig.maxConnections,
      1,
    ),
  };
  checkHttpTimeouts(limits);
  return limits;
}

/** local-kms reads its seed file from here in its Docker image unless KMS_SEED_PATH says otherwise. */
export const localKmsDefaultSeedFile = "/init/seed.yaml";

/** TRENT_SEED_FILE and KMS_SEED_PATH (docs/seeding.md). */
export function seedConfigFromEnv(
  env: NodeJS.ProcessEnv,
): Pick<TrentConfig, "seedFile" | "localKmsSeedFile" | "localKmsSeedFileIsDefault"> {
  const localKmsSeedFile = first(env, "KMS_SEED_PATH");
  return {
    seedFile: first(env, "TRENT_SEED_FILE"),
    localKmsSeedFile: localKmsSeedFile ?? localKmsDefaultSeedFile,
    localKmsSeedFileIsDefault: localKmsSeedFile === undefined,
  };
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): TrentConfig {
  const accountId = first(env, "TRENT_ACCOUNT_ID", "KMS_ACCOUNT_ID") ?? defaultConfig.accountId;
  if (!/^\d{12}$/.test(accountId))
    throw new ConfigError(`TRENT_ACCOUNT_ID must be 12 digits, got '${accountId}'`);
  const region = first(env, "TRENT_REGION", "KMS_REGION") ?? defaultConfig.region;
  if (!isRegionName(region))
    throw new ConfigError(`TRENT_REGION is not a region name: '${region}'`);
  const credentialsFile = first(env, "TRENT_CREDENTIALS_FILE");
  // A credentials file alone means sigv4: nobody should believe they are protected by it while
  // open mode accepts anything.
  const authMode =
    first(env, "TRENT_AUTH_MODE") ??
    (credentialsFile === undefined ? defaultConfig.authMode : "sigv4");
  if (authMode !== "open" && authMode !== "sigv4")
    throw new ConfigError(`TRENT_AUTH_MODE must be 'open' or 'sigv4', got '${authMode}'`);
  const rootKeyText = first(env, "TRENT_ROOT_KEY");
  const rootKeyFile = first(env, "TRENT_ROOT_KEY_FILE");
  if (rootKeyText !== undefined && rootKeyFile !== undefined)
    throw new ConfigError(
      "TRENT_ROOT_KEY and TRENT_ROOT_KEY_FILE both name the current root key: set exactly one of TRENT_ROOT_KEY, TRENT_ROOT_KEY_FILE and TRENT_PKCS11_MODULE",
    );
  const pkcs11 = parsePkcs11(env, rootKeyText !== undefined || rootKeyFile !== undefined);
  return Object.freeze({
    ...observabilityFromEnv(env),
    host: first(env, "TRENT_HOST") ?? defaultConfig.host,
    port: integer("TRENT_PORT", first(env, "TRENT_PORT", "PORT"), defaultConfig.port, 0),
    dataDir: first(env, "TRENT_DATA_DIR", "KMS_DATA_PATH") ?? defaultConfig.dataDir,
    databaseUrl: parseDatabaseUrl(first(env, "TRENT_DATABASE_URL")),
    accountId,
    region,
    rootKey: rootKeyText === undefined ? undefined : parseRootKey(rootKeyText),
    rootKeyFile,
    pkcs11,
    previousRootKeys: Object.freeze(
      list("TRENT_ROOT_KEY_PREVIOUS", first(env, "TRENT_ROOT_KEY_PREVIOUS")).map((text, i) =>
        parseRootKey(text, `TRENT_ROOT_KEY_PREVIOUS entry ${i + 1}`),
      ),
    ),
    previousRootKeyFiles: Object.freeze(
      list("TRENT_ROOT_KEY_PREVIOUS_FILE", first(env, "TRENT_ROOT_KEY_PREVIOUS_FILE")),
    ),
    authMode,
    credentialsFile,
    allowOpenOnNetwork: boolean(
      "TRENT_ALLOW_OPEN_NETWORK",
      first(env, "TRENT_ALLOW_OPEN_NETWORK"),
      defaultConfig.allowOpenOnNetwork,
    ),
    maxBodyBytes: integer(
      "TRENT_MAX_BODY_BYTES",
      first(env, "TRENT_MAX_BODY_BYTES"),
      defaultConfig.maxBodyBytes,
      1024,
    ),
    ...httpLimitsFromEnv(env),
    deletionSweepMs: integer(
      "TRENT_DELETION_SWEEP_MS",
      first(env, "TRENT_DELETION_SWEEP_MS"),
      defaultConfig.deletionSweepMs,
      10,
    ),
    keyPairWorkers: integer(
      "TRENT_KEY_PAIR_WORKERS",
      first(env, "TRENT_KEY_PAIR_WORKERS"),
      defaultConfig.keyPairWorkers,
      1,
    ),
    keyPairPoolSize: parseKeyPairPoolSize(
      first(env, "TRENT_KEY_PAIR_POOL_SIZE"),
      defaultConfig.keyPairPoolSize,
    ),
    grantPropagationDelayMs: integer(
      "TRENT_GRANT_PROPAGATION_DELAY_MS",
      first(env, "TRENT_GRANT_PROPAGATION_DELAY_MS"),
      defaultConfig.grantPropagationDelayMs,
      0,
    ),
    awsManagedKeysDirectUse: boolean(
      "TRENT_AWS_MANAGED_KEYS_DIRECT_USE",
      first(env, "TRENT_AWS_MANAGED_KEYS_DIRECT_USE"),
      defaultConfig.awsManagedKeysDirectUse,
    ),
    auditFile: first(env, "TRENT_AUDIT_FILE") ?? defaultConfig.auditFile,
    auditStdout: boolean(
      "TRENT_AUDIT_STDOUT",
      first(env, "TRENT_AUDIT_STDOUT"),
      defaultConfig.auditStdout,
    ),
    auditFsync: boolean(
      "TRENT_AUDIT_FSYNC",
      first(env, "TRENT_AUDIT_FSYNC"),
      defaultConfig.auditFsync,
    ),
    nitroRootCertFile: first(env, "TRENT_NITRO_ROOT_CERT_FILE"),
    nitroMaxAgeSeconds: integer(
      "TRENT_NITRO_MAX_AGE_SECONDS",
      first(env, "TRENT_NITRO_MAX_AGE_SECONDS"),
      defaultConfig.nitroMaxAgeSeconds,
      0,
    ),
    ...seedConfigFromEnv(env),
  });
}

/** True for addresses only this machine can reach; 0.0.0.0, ::, LAN addresses and other names may not be. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return (
    h === "localhost" ||
    h === "::1" ||
    /^127(\.\d{1,3}){3}$/.test(h) ||
    /^::ffff:127(\.\d{1,3}){3}$/.test(h)
  );
}

/**
 * Refuses a root key configuration that names more than one current key, or none where one is
 * needed (a database shared by several nodes). `trent serve` and `trent root-key` both check it.
 */
export function checkRootKeyConfig(config: TrentConfig): void {
  const sources = currentRootKeySources(config);
  if (sources.length > 1)
    throw new ConfigError(
      `${sources.join(" and ")} both name the current root key: set exactly one of TRENT_ROOT_KEY, TRENT_ROOT_KEY_FILE and TRENT_PKCS11_MODULE`,
    );
  // Nodes sharing a database must seal key material under one root key: a key generated into
  // each node's data directory would leave every node unable to open the others' keys.
  if (config.databaseUrl !== undefined && sources.length === 0)
    throw new ConfigError(
      "TRENT_DATABASE_URL needs a root key from TRENT_ROOT_KEY, TRENT_ROOT_KEY_FILE or TRENT_PKCS11_MODULE: every node sharing the database must use the same root key (see docs/postgres.md)",
    );
}

/**
 * Refuses configurations that are unsafe to serve, before anything listens: HTTP timeouts that
 * contradict each other, a shared database
 * without a configured root key, sigv4 without a credentials file, a credentials file that
 * open mode would silently ignore, and open mode reachable from the network without
 * TRENT_ALLOW_OPEN_NETWORK=true.
 */
export function checkServable(config: TrentConfig): void {
  checkHttpTimeouts(config);
  checkRootKeyConfig(config);
  if (config.authMode === "sigv4") {
    if (config.credentialsFile === undefined)
      throw new ConfigError(
        "TRENT_AUTH_MODE=sigv4 needs TRENT_CREDENTIALS_FILE, the YAML file of identities allowed to call (see docs/security.md)",
      );
    return;
  }
  if (config.credentialsFile !== undefined)
    throw new ConfigError(
      "TRENT_CREDENTIALS_FILE is set but TRENT_AUTH_MODE is 'open', which ignores it and accepts unsigned requests: use TRENT_AUTH_MODE=sigv4",
    );
  if (!isLoopbackHost(config.host) && !config.allowOpenOnNetwork)
    throw new ConfigError(
      `refusing to listen on ${config.host} in open mode: anyone who can reach it would act as the root of account ${config.accountId}. ` +
        "Listen on 127.0.0.1, use TRENT_AUTH_MODE=sigv4 with TRENT_CREDENTIALS_FILE, or set TRENT_ALLOW_OPEN_NETWORK=true to accept the risk (see docs/security.md)",
    );
}

export function withDefaults(partial: Partial<TrentConfig>): TrentConfig {
  return Object.freeze({ ...defaultConfig, ...partial });
}
