/**
 * Trent's configuration: typed, validated once at start-up, frozen. Read from the environment
 * (TRENT_*), with local-kms's names (PORT, KMS_ACCOUNT_ID, KMS_REGION, KMS_DATA_PATH) honoured
 * so it can stand in for local-kms unchanged. Nothing else reads process.env.
 */
export type AuthMode = "open" | "sigv4";

/** The data key pair specs slow enough to pre-generate (see crypto/key-pair-pool.ts). */
export type PooledKeyPairSpec = "RSA_2048" | "RSA_3072" | "RSA_4096";

export interface TrentConfig extends AuditTrailConfig {
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
 * The audit trail at scale (issue 13): rotation, retention, the index and shipping. One block,
 * so that it can be moved as a whole; TrentConfig extends it and configFromEnv spreads it in.
 * docs/audit.md describes each variable for operators.
 */

/** When the audit file is rotated by time (TRENT_AUDIT_ROTATE), whatever its size. */
export type AuditRotation = "hourly" | "daily" | "none";

/**
 * Where the audit index lives (TRENT_AUDIT_INDEX): "auto" is PostgreSQL when the key store is,
 * else a SQLite file beside the audit file; "none" keeps no index.
 */
export type AuditIndexChoice = "auto" | "sqlite" | "postgres" | "none";

export interface AuditTrailConfig {
  /** Rotate the audit file before it grows past this many bytes; 0: no size limit. */
  readonly auditMaxBytes: number;
  readonly auditRotate: AuditRotation;
  /** Delete rotated audit files (and index rows) older than this many days; 0 keeps them all. */
  readonly auditRetentionDays: number;
  readonly auditIndex: AuditIndexChoice;
  /** Also write CloudTrail log files ({"Records": [...]}, gzip) under this directory. */
  readonly auditCloudTrailDir: string | undefined;
}

export const defaultAuditTrailConfig: AuditTrailConfig = Object.freeze({
  auditMaxBytes: 100 * 1024 * 1024,
  auditRotate: "daily",
  auditRetentionDays: 0,
  auditIndex: "auto",
  auditCloudTrailDir: undefined,
});

function oneOf<T extends string>(
  name: string,
  text: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (text === undefined) return fallback;
  if ((allowed as readonly string[]).includes(text)) return text as T;
  throw new ConfigError(`${name} must be one of ${allowed.join(", ")}, got '${text}'`);
}

export function auditTrailConfigFromEnv(env: NodeJS.ProcessEnv): AuditTrailConfig {
  const defaults = defaultAuditTrailConfig;
  const config: AuditTrailConfig = {
    auditMaxBytes: integer(
      "TRENT_AUDIT_MAX_BYTES",
      first(env, "TRENT_AUDIT_MAX_BYTES"),
      defaults.auditMaxBytes,
      0,
    ),
    auditRotate: oneOf(
      "TRENT_AUDIT_ROTATE",
      first(env, "TRENT_AUDIT_ROTATE"),
      ["hourly", "daily", "none"],
      defaults.auditRotate,
    ),
    auditRetentionDays: integer(
      "TRENT_AUDIT_RETENTION_DAYS",
      first(env, "TRENT_AUDIT_RETENTION_DAYS"),
      defaults.auditRetentionDays,
      0,
    ),
    auditIndex: oneOf(
      "TRENT_AUDIT_INDEX",
      first(env, "TRENT_AUDIT_INDEX"),
      ["auto", "sqlite", "postgres", "none"],
      defaults.auditIndex,
    ),
    auditCloudTrailDir: first(env, "TRENT_AUDIT_CLOUDTRAIL_DIR") ?? defaults.auditCloudTrailDir,
  };
  // A file smaller than one record would rotate on every write.
  if (config.auditMaxBytes > 0 && config.auditMaxBytes < 4096)
    throw new ConfigError(
      `TRENT_AUDIT_MAX_BYTES must be 0 (no size limit) or at least 4096, got '${config.auditMaxBytes}'`,
    );
  const hasFile =
    (first(env, "TRENT_AUDIT_FILE") ?? "") !== "none" &&
    (first(env, "TRENT_AUDIT_FILE") !== undefined ||
      (first(env, "TRENT_DATA_DIR", "KMS_DATA_PATH") ?? defaultConfig.dataDir) !== ":memory:");
  checkAuditTrailConfig({
    ...config,
    hasAuditFile: hasFile,
    hasDatabaseUrl: first(env, "TRENT_DATABASE_URL") !== undefined,
  });
  return Object.freeze(config);
}

/**
 * The index and the CloudTrail files are made from the audit files, so they need one; a
 * PostgreSQL index needs the key store's PostgreSQL database.
 */
export function checkAuditTrailConfig(
  config: AuditTrailConfig & { readonly hasAuditFile: boolean; readonly hasDatabaseUrl: boolean },
): void {
  if (!config.hasAuditFile) {
    if (config.auditCloudTrailDir !== undefined)
      throw new ConfigError(
        "TRENT_AUDIT_CLOUDTRAIL_DIR needs an audit file: the CloudTrail files are made from it (set TRENT_AUDIT_FILE, or a data directory other than :memory:)",
      );
    if (config.auditIndex === "sqlite" || config.auditIndex === "postgres")
      throw new ConfigError(
        `TRENT_AUDIT_INDEX=${config.auditIndex} needs an audit file: the index is made from it (set TRENT_AUDIT_FILE, or a data directory other than :memory:)`,
      );
  }
  if (config.auditIndex === "postgres" && !config.hasDatabaseUrl)
    throw new ConfigError(
      "TRENT_AUDIT_INDEX=postgres keeps the index in the key store's PostgreSQL database, but TRENT_DATABASE_URL is not set",
    );
}

export const defaultConfig: TrentConfig = Object.freeze({
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
  auditFile: undefined,
  auditStdout: false,
  auditFsync: false,
  ...defaultAuditTrailConfig,
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
    return Object.freeze({ RSA_2048: size, RSA_3072: size, RSA_4096: size });
  }
  const sizes = { ...fallback };
  for (const entry of text.split(",")) {
    const [spec, value] = entry.split("=").map((part) => part.trim());
    if (
      (spec !== "RSA_2048" && spec !== "RSA_3072" && spec !== "RSA_4096") ||
      value === undefined ||
      value === ""
    )
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

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): TrentConfig {
  const accountId = first(env, "TRENT_ACCOUNT_ID", "KMS_ACCOUNT_ID") ?? defaultConfig.accountId;
  if (!/^\d{12}$/.test(accountId))
    throw new ConfigError(`TRENT_ACCOUNT_ID must be 12 digits, got '${accountId}'`);
  const region = first(env, "TRENT_REGION", "KMS_REGION") ?? defaultConfig.region;
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region))
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
    ...auditTrailConfigFromEnv(env),
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
