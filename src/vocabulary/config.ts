/**
 * Trent's configuration: typed, validated once at start-up, frozen. Every setting is one row of
 * the `settings` table below: its environment variables (TRENT_*, and local-kms's names such as
 * PORT, KMS_ACCOUNT_ID, KMS_REGION, KMS_DATA_PATH, honoured so Trent stands in for local-kms
 * unchanged), its `trent serve` flag, its embedding option (the row's key), parser, default and
 * help text. The environment, the command line and the embedding API all become the same
 * SettingInputs, so they parse alike and every error names what the user typed: `--port` for a
 * flag, `TRENT_PORT` (or `PORT`) for a variable, `port` for an option. Nothing else reads
 * process.env.
 */
import { isRegionName } from "./arns.js";
import {
  type AuditIndexChoice,
  type AuditRotation,
  auditIndexChoices,
  auditMaxBytes,
  auditRotations,
  boolean,
  ConfigError,
  choice,
  databaseUrl,
  defaultKeyPairPoolSize,
  defaultKeyPairQueueLimit,
  integer,
  keyPairPoolSize,
  type LogLevel,
  list,
  logLevel,
  logLevels,
  matching,
  oneOf,
  onOff,
  type Pkcs11Pin,
  type PooledKeyPairSpec,
  type QuotaMode,
  quotaModes,
  rootKey,
  rootKeys,
  type SecretText,
  secret,
  text,
} from "./config-values.js";

export {
  type AuditIndexChoice,
  type AuditRotation,
  ConfigError,
  type LogLevel,
  logLevels,
  Pkcs11Pin,
  type PooledKeyPairSpec,
  pooledKeyPairSpecs,
  type QuotaMode,
  SecretText,
} from "./config-values.js";

export type AuthMode = "open" | "sigv4";

export interface TrentConfig {
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
  /**
   * TRENT_WORKERS: processes serving the port (node:cluster, docs/operations.md); undefined
   * lets `trent serve` choose one per core, and the embedded API serve from its own process.
   */
  readonly workers: number | undefined;
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
   * Requests that may wait for an RSA data key pair per spec once its ready pairs are gone; the
   * next is answered ThrottlingException at once (platform/crypto/key-pair-pool.ts).
   */
  readonly keyPairQueueLimit: Readonly<Record<PooledKeyPairSpec, number>>;
  /** TRENT_QUOTAS: "aws" applies AWS KMS's request quotas per account and Region (domain/request-quotas.ts). */
  readonly quotas: QuotaMode;
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
  /** Rotate the audit file before it grows past this many bytes; 0: no size limit. */
  readonly auditMaxBytes: number;
  readonly auditRotate: AuditRotation;
  /** Delete rotated audit files (and index rows) older than this many days; 0 keeps them all. */
  readonly auditRetentionDays: number;
  readonly auditIndex: AuditIndexChoice;
  /** Also write CloudTrail log files ({"Records": [...]}, gzip) under this directory. */
  readonly auditCloudTrailDir: string | undefined;
  /**
   * Whether callers may use AWS managed keys (alias/aws/s3, ...) directly, for what the key's
   * AWS service may do with it: their requests count as made through that service (the key
   * policy's kms:ViaService condition holds), since Trent has no services to go through. False
   * answers as AWS does a direct call: the key policy only lets the account read the key
   * (docs/aws-managed-keys.md).
   */
  readonly awsManagedKeysDirectUse: boolean;
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
  /** TRENT_SEED_FILE: a seed file (Trent's format or local-kms's) applied at every start. */
  readonly seedFile: string | undefined;
  /**
   * KMS_SEED_PATH: local-kms's seed file, applied at every start. Unset, it is /init/seed.yaml
   * (local-kms's Docker default), applied only if that file exists.
   */
  readonly localKmsSeedFile: string | undefined;
  /** Whether localKmsSeedFile is that default rather than a path someone set. */
  readonly localKmsSeedFileIsDefault: boolean;
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
  /** TRENT_CONSOLE: serve the web console at /console (docs/console.md). */
  readonly console: boolean;
  /** A console session ends after this many seconds without a request. */
  readonly consoleIdleTimeoutSeconds: number;
  /** A console session ends this many seconds after sign-in, however busy. */
  readonly consoleSessionLifetimeSeconds: number;
  /**
   * How the user named each setting they gave (a variable, a flag, an embedding option), so that
   * checks made after parsing name what the user typed. Configs built in code (withDefaults)
   * have none given, and are named by their variables.
   */
  readonly settingNames?: SettingNames;
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

/** What an embedder may pass for a setting of each kind (see SettingOptions). */
interface OptionKinds {
  text: string;
  integer: number;
  boolean: boolean;
  /** An array, or the same comma-separated text a variable holds. */
  list: string | readonly string[];
  /** One count for every RSA spec, or text like "RSA_2048=8,RSA_4096=1". */
  sizes: number | string;
}

/** Headings under which `trent serve --help` lists the flags. */
export type SettingGroup = "Server" | "Store" | "Root key" | "Callers" | "Audit" | "Limits";

/**
 * One setting. Its key is its embedding option and the camelCase of its flag; its first
 * variable is TRENT_ and the same words in capitals (a unit test holds all three together).
 */
export interface Setting<T> {
  /** Trent's variable first; any others are local-kms's names for the same setting. */
  readonly env: readonly [string, ...string[]];
  readonly flag: `--${string}`;
  /** The flag's value in help texts; booleans take an optional one (`--audit-fsync` = true). */
  readonly placeholder: string;
  /** What startTrent accepts for it. */
  readonly option: keyof OptionKinds;
  readonly group: SettingGroup;
  /** One line for `--help`; the README's configuration table says more. */
  readonly help: string;
  /** The default as help texts show it. */
  readonly shownDefault: string;
  /** The value when the setting is not given. */
  readonly fallback: T;
  readonly parse: (text: string, name: string) => T;
}

/** local-kms reads its seed file from here in its Docker image unless KMS_SEED_PATH says otherwise. */
export const localKmsDefaultSeedFile = "/init/seed.yaml";

function regionName(value: string, name: string): string {
  if (!isRegionName(value))
    throw new ConfigError(`${name} must be a region name like us-east-1, got '${value}'`);
  return value;
}

/**
 * Every setting, in the order help texts and the README list them. To add one: a row here
 * (parser from config-values.ts), the field it feeds in TrentConfig and configFromInputs, and a
 * row in the README's configuration table; a test holds the README and `--help` to this table.
 */
export const settings = {
  host: {
    env: ["TRENT_HOST"],
    flag: "--host",
    placeholder: "<address>",
    option: "text",
    group: "Server",
    help: "address to listen on",
    shownDefault: "127.0.0.1",
    fallback: "127.0.0.1",
    parse: text,
  },
  port: {
    env: ["TRENT_PORT", "PORT"],
    flag: "--port",
    placeholder: "<port>",
    option: "integer",
    group: "Server",
    help: "port to listen on; 0 picks a free one",
    shownDefault: "8080",
    fallback: 8080,
    parse: integer(0),
  },
  tlsCertFile: {
    env: ["TRENT_TLS_CERT_FILE"],
    flag: "--tls-cert-file",
    placeholder: "<file>",
    option: "text",
    group: "Server",
    help: "PEM certificate (and intermediates): with --tls-key-file the listener speaks HTTPS only; both are read again on SIGHUP",
    shownDefault: "none",
    fallback: undefined,
    parse: text,
  },
  tlsKeyFile: {
    env: ["TRENT_TLS_KEY_FILE"],
    flag: "--tls-key-file",
    placeholder: "<file>",
    option: "text",
    group: "Server",
    help: "the certificate's PEM private key",
    shownDefault: "none",
    fallback: undefined,
    parse: text,
  },
  logLevel: {
    env: ["TRENT_LOG_LEVEL"],
    flag: "--log-level",
    placeholder: "<level>",
    option: "text",
    group: "Server",
    help: `least severe level logged: ${logLevels.join(", ")}; one JSON line per request at info`,
    shownDefault: "info",
    fallback: "info" as LogLevel,
    parse: logLevel,
  },
  metricsToken: {
    env: ["TRENT_METRICS_TOKEN"],
    flag: "--metrics-token",
    placeholder: "<token>",
    option: "text",
    group: "Server",
    help: "GET /metrics requires Authorization: Bearer <token> (as a flag it shows in the process list)",
    shownDefault: "none: /metrics is open",
    fallback: undefined,
    parse: secret,
  },
  console: {
    env: ["TRENT_CONSOLE"],
    flag: "--console",
    placeholder: "[on|off]",
    option: "boolean",
    group: "Server",
    help: "serve the web console at /console (sign-in: the credentials file in sigv4 mode, loopback only in open mode)",
    shownDefault: "on",
    fallback: true,
    parse: onOff,
  },
  consoleIdleTimeoutSeconds: {
    env: ["TRENT_CONSOLE_IDLE_TIMEOUT_SECONDS"],
    flag: "--console-idle-timeout-seconds",
    placeholder: "<seconds>",
    option: "integer",
    group: "Server",
    help: "a console session ends after this long without a request",
    shownDefault: "900",
    fallback: 900,
    parse: integer(1),
  },
  consoleSessionLifetimeSeconds: {
    env: ["TRENT_CONSOLE_SESSION_LIFETIME_SECONDS"],
    flag: "--console-session-lifetime-seconds",
    placeholder: "<seconds>",
    option: "integer",
    group: "Server",
    help: "a console session ends this long after sign-in, however busy",
    shownDefault: "43200",
    fallback: 43_200,
    parse: integer(1),
  },
  workers: {
    env: ["TRENT_WORKERS"],
    flag: "--workers",
    placeholder: "<count>",
    option: "integer",
    group: "Server",
    help: "processes serving the port, sharing the store (trent serve); the embedded API serves from its own process",
    shownDefault: "one per core (1 with :memory:); 1 embedded",
    fallback: undefined,
    parse: integer(1),
  },
  dataDir: {
    env: ["TRENT_DATA_DIR", "KMS_DATA_PATH"],
    flag: "--data-dir",
    placeholder: "<dir>",
    option: "text",
    group: "Store",
    help: "directory of the SQLite database and the generated root key; :memory: keeps everything in memory",
    shownDefault: "data",
    fallback: "data",
    parse: text,
  },
  databaseUrl: {
    env: ["TRENT_DATABASE_URL"],
    flag: "--database-url",
    placeholder: "<url>",
    option: "text",
    group: "Store",
    help: "postgres:// URL: keep state in PostgreSQL instead, shared by several nodes",
    shownDefault: "none",
    fallback: undefined,
    parse: databaseUrl,
  },
  seedFile: {
    env: ["TRENT_SEED_FILE"],
    flag: "--seed-file",
    placeholder: "<file>",
    option: "text",
    group: "Store",
    help: "seed file (Trent's format or local-kms's) applied at every start and after every reset",
    shownDefault: "none",
    fallback: undefined,
    parse: text,
  },
  localKmsSeedFile: {
    env: ["TRENT_LOCAL_KMS_SEED_FILE", "KMS_SEED_PATH"],
    flag: "--local-kms-seed-file",
    placeholder: "<file>",
    option: "text",
    group: "Store",
    help: "local-kms's seed file, applied like --seed-file",
    shownDefault: `${localKmsDefaultSeedFile} if it exists`,
    fallback: undefined,
    parse: text,
  },
  rootKey: {
    env: ["TRENT_ROOT_KEY"],
    flag: "--root-key",
    placeholder: "<base64>",
    option: "text",
    group: "Root key",
    help: "base64 of the 32-byte root key sealing all key material (as a flag it shows in the process list: prefer --root-key-file)",
    shownDefault: "generated into the data directory",
    fallback: undefined,
    parse: rootKey,
  },
  rootKeyFile: {
    env: ["TRENT_ROOT_KEY_FILE"],
    flag: "--root-key-file",
    placeholder: "<file>",
    option: "text",
    group: "Root key",
    help: "file holding the base64 root key, kept outside the data directory",
    shownDefault: "none",
    fallback: undefined,
    parse: text,
  },
  pkcs11Module: {
    env: ["TRENT_PKCS11_MODULE"],
    flag: "--pkcs11-module",
    placeholder: "<path>",
    option: "text",
    group: "Root key",
    help: "PKCS#11 module of the HSM whose token holds the root key",
    shownDefault: "none",
    fallback: undefined,
    parse: text,
  },
  pkcs11TokenLabel: {
    env: ["TRENT_PKCS11_TOKEN_LABEL"],
    flag: "--pkcs11-token-label",
    placeholder: "<label>",
    option: "text",
    group: "Root key",
    help: "label of the token holding the root key",
    shownDefault: "none",
    fallback: undefined,
    parse: text,
  },
  pkcs11Pin: {
    env: ["TRENT_PKCS11_PIN"],
    flag: "--pkcs11-pin",
    placeholder: "<pin>",
    option: "text",
    group: "Root key",
    help: "the token's user PIN (as a flag it shows in the process list: prefer --pkcs11-pin-file)",
    shownDefault: "none",
    fallback: undefined,
    parse: secret,
  },
  pkcs11PinFile: {
    env: ["TRENT_PKCS11_PIN_FILE"],
    flag: "--pkcs11-pin-file",
    placeholder: "<file>",
    option: "text",
    group: "Root key",
    help: "file holding the token's user PIN",
    shownDefault: "none",
    fallback: undefined,
    parse: text,
  },
  pkcs11KeyLabel: {
    env: ["TRENT_PKCS11_KEY_LABEL"],
    flag: "--pkcs11-key-label",
    placeholder: "<label>",
    option: "text",
    group: "Root key",
    help: "label of the current root key in the token, generated there on first start",
    shownDefault: defaultPkcs11KeyLabel,
    fallback: undefined,
    parse: text,
  },
  rootKeyPrevious: {
    env: ["TRENT_ROOT_KEY_PREVIOUS"],
    flag: "--root-key-previous",
    placeholder: "<keys>",
    option: "list",
    group: "Root key",
    help: "during a root key rotation: comma-separated base64 root keys that open what they sealed and seal nothing new",
    shownDefault: "none",
    fallback: Object.freeze([]) as readonly Uint8Array[],
    parse: rootKeys,
  },
  rootKeyPreviousFile: {
    env: ["TRENT_ROOT_KEY_PREVIOUS_FILE"],
    flag: "--root-key-previous-file",
    placeholder: "<files>",
    option: "list",
    group: "Root key",
    help: "the same as comma-separated paths of key files",
    shownDefault: "none",
    fallback: Object.freeze([]) as readonly string[],
    parse: list,
  },
  pkcs11PreviousKeyLabels: {
    env: ["TRENT_PKCS11_PREVIOUS_KEY_LABELS"],
    flag: "--pkcs11-previous-key-labels",
    placeholder: "<labels>",
    option: "list",
    group: "Root key",
    help: "the same as comma-separated labels of keys in the token",
    shownDefault: "none",
    fallback: Object.freeze([]) as readonly string[],
    parse: list,
  },
  accountId: {
    env: ["TRENT_ACCOUNT_ID", "KMS_ACCOUNT_ID"],
    flag: "--account-id",
    placeholder: "<id>",
    option: "text",
    group: "Callers",
    help: "account of callers in open mode",
    shownDefault: "111122223333",
    fallback: "111122223333",
    parse: matching(/^\d{12}$/, "12 digits"),
  },
  region: {
    env: ["TRENT_REGION", "KMS_REGION"],
    flag: "--region",
    placeholder: "<region>",
    option: "text",
    group: "Callers",
    help: "region of unsigned requests (a signed request's comes from its credential scope)",
    shownDefault: "us-east-1",
    fallback: "us-east-1",
    parse: regionName,
  },
  authMode: {
    env: ["TRENT_AUTH_MODE"],
    flag: "--auth-mode",
    placeholder: "<mode>",
    option: "text",
    group: "Callers",
    help: "open (any or no signature; callers act as the account root) or sigv4 (signatures verified against the credentials file)",
    shownDefault: "open; sigv4 when a credentials file is given",
    fallback: undefined,
    parse: oneOf<AuthMode>("open", "sigv4"),
  },
  credentialsFile: {
    env: ["TRENT_CREDENTIALS_FILE"],
    flag: "--credentials-file",
    placeholder: "<file>",
    option: "text",
    group: "Callers",
    help: "YAML file of identities allowed to call in sigv4 mode",
    shownDefault: "none",
    fallback: undefined,
    parse: text,
  },
  allowOpenNetwork: {
    env: ["TRENT_ALLOW_OPEN_NETWORK"],
    flag: "--allow-open-network",
    placeholder: "[true|false]",
    option: "boolean",
    group: "Callers",
    help: "let open mode listen on a non-loopback address, where anyone who reaches it acts as the account root",
    shownDefault: "false",
    fallback: false,
    parse: boolean,
  },
  grantPropagationDelayMs: {
    env: ["TRENT_GRANT_PROPAGATION_DELAY_MS"],
    flag: "--grant-propagation-delay-ms",
    placeholder: "<ms>",
    option: "integer",
    group: "Callers",
    help: "new grants take effect only after this delay unless their grant token is presented",
    shownDefault: "0",
    fallback: 0,
    parse: integer(0),
  },
  awsManagedKeysDirectUse: {
    env: ["TRENT_AWS_MANAGED_KEYS_DIRECT_USE"],
    flag: "--aws-managed-keys-direct-use",
    placeholder: "[true|false]",
    option: "boolean",
    group: "Callers",
    help: "callers may use AWS managed keys (alias/aws/s3, ...) as the key's service would; false answers as AWS does a direct call",
    shownDefault: "true",
    fallback: true,
    parse: boolean,
  },
  nitroRootCertFile: {
    env: ["TRENT_NITRO_ROOT_CERT_FILE"],
    flag: "--nitro-root-cert-file",
    placeholder: "<file>",
    option: "text",
    group: "Callers",
    help: "PEM root certificate(s) that Nitro Enclaves attestation documents must chain to",
    shownDefault: "AWS's Nitro Enclaves root (built in)",
    fallback: undefined,
    parse: text,
  },
  nitroMaxAgeSeconds: {
    env: ["TRENT_NITRO_MAX_AGE_SECONDS"],
    flag: "--nitro-max-age-seconds",
    placeholder: "<seconds>",
    option: "integer",
    group: "Callers",
    help: "how far an attestation document's timestamp may be from the request's time; 0 checks only its certificates",
    shownDefault: "300",
    fallback: 300,
    parse: integer(0),
  },
  auditFile: {
    env: ["TRENT_AUDIT_FILE"],
    flag: "--audit-file",
    placeholder: "<file>",
    option: "text",
    group: "Audit",
    help: "CloudTrail-shaped audit records, one JSON line each; none disables",
    shownDefault: "<data dir>/audit.jsonl; none for :memory:",
    fallback: undefined,
    parse: text,
  },
  auditStdout: {
    env: ["TRENT_AUDIT_STDOUT"],
    flag: "--audit-stdout",
    placeholder: "[true|false]",
    option: "boolean",
    group: "Audit",
    help: "also write audit records to standard output",
    shownDefault: "false",
    fallback: false,
    parse: boolean,
  },
  auditFsync: {
    env: ["TRENT_AUDIT_FSYNC"],
    flag: "--audit-fsync",
    placeholder: "[true|false]",
    option: "boolean",
    group: "Audit",
    help: "flush audit records to disk before their answers leave, so they survive power loss",
    shownDefault: "false",
    fallback: false,
    parse: boolean,
  },
  auditMaxBytes: {
    env: ["TRENT_AUDIT_MAX_BYTES"],
    flag: "--audit-max-bytes",
    placeholder: "<bytes>",
    option: "integer",
    group: "Audit",
    help: "rotate the audit file before it grows past this; 0: no size limit",
    shownDefault: "104857600",
    fallback: 100 * 1024 * 1024,
    parse: auditMaxBytes,
  },
  auditRotate: {
    env: ["TRENT_AUDIT_ROTATE"],
    flag: "--audit-rotate",
    placeholder: "<period>",
    option: "text",
    group: "Audit",
    help: "also rotate the audit file every hour or day (UTC): hourly, daily, none",
    shownDefault: "daily",
    fallback: "daily" as AuditRotation,
    parse: choice(auditRotations),
  },
  auditRetentionDays: {
    env: ["TRENT_AUDIT_RETENTION_DAYS"],
    flag: "--audit-retention-days",
    placeholder: "<days>",
    option: "integer",
    group: "Audit",
    help: "delete rotated audit files (and their index rows) older than this; 0 keeps them all",
    shownDefault: "0",
    fallback: 0,
    parse: integer(0),
  },
  auditIndex: {
    env: ["TRENT_AUDIT_INDEX"],
    flag: "--audit-index",
    placeholder: "<where>",
    option: "text",
    group: "Audit",
    help: "the queryable audit index: auto (PostgreSQL when the store is, else SQLite beside the audit file), sqlite, postgres, none",
    shownDefault: "auto",
    fallback: "auto" as AuditIndexChoice,
    parse: choice(auditIndexChoices),
  },
  auditCloudtrailDir: {
    env: ["TRENT_AUDIT_CLOUDTRAIL_DIR"],
    flag: "--audit-cloudtrail-dir",
    placeholder: "<dir>",
    option: "text",
    group: "Audit",
    help: 'also write CloudTrail log files ({"Records": [...]}, gzip) under this directory',
    shownDefault: "none",
    fallback: undefined,
    parse: text,
  },
  maxBodyBytes: {
    env: ["TRENT_MAX_BODY_BYTES"],
    flag: "--max-body-bytes",
    placeholder: "<bytes>",
    option: "integer",
    group: "Limits",
    help: "largest request body; larger ones get RequestEntityTooLargeException",
    shownDefault: "1048576",
    fallback: 1024 * 1024,
    parse: integer(1024),
  },
  requestTimeoutMs: {
    env: ["TRENT_REQUEST_TIMEOUT_MS"],
    flag: "--request-timeout-ms",
    placeholder: "<ms>",
    option: "integer",
    group: "Limits",
    help: "time a client has to send a whole request",
    shownDefault: "30000",
    fallback: 30_000,
    parse: integer(100),
  },
  headersTimeoutMs: {
    env: ["TRENT_HEADERS_TIMEOUT_MS"],
    flag: "--headers-timeout-ms",
    placeholder: "<ms>",
    option: "integer",
    group: "Limits",
    help: "time a client has to send a request's headers (at most the request timeout)",
    shownDefault: "10000",
    fallback: 10_000,
    parse: integer(100),
  },
  maxConnections: {
    env: ["TRENT_MAX_CONNECTIONS"],
    flag: "--max-connections",
    placeholder: "<count>",
    option: "integer",
    group: "Limits",
    help: "open connections served at once; further ones are closed as they arrive",
    shownDefault: "1024",
    fallback: 1024,
    parse: integer(1),
  },
  deletionSweepMs: {
    env: ["TRENT_DELETION_SWEEP_MS"],
    flag: "--deletion-sweep-ms",
    placeholder: "<ms>",
    option: "integer",
    group: "Limits",
    help: "how often clock-driven work runs (deletions, rotations, expired material)",
    shownDefault: "60000",
    fallback: 60_000,
    parse: integer(10),
  },
  keyPairWorkers: {
    env: ["TRENT_KEY_PAIR_WORKERS"],
    flag: "--key-pair-workers",
    placeholder: "<count>",
    option: "integer",
    group: "Limits",
    help: "worker threads that generate RSA key pairs off the event loop",
    shownDefault: "2",
    fallback: 2,
    parse: integer(1),
  },
  keyPairPoolSize: {
    env: ["TRENT_KEY_PAIR_POOL_SIZE"],
    flag: "--key-pair-pool-size",
    placeholder: "<sizes>",
    option: "sizes",
    group: "Limits",
    help: "RSA data key pairs pre-generated per spec: one integer for all, or RSA_2048=4,RSA_4096=2; 0 disables",
    shownDefault: "RSA_2048=4,RSA_3072=2,RSA_4096=2",
    fallback: defaultKeyPairPoolSize,
    parse: (value: string, name: string) => keyPairPoolSize(value, name),
  },
  keyPairQueueLimit: {
    env: ["TRENT_KEY_PAIR_QUEUE_LIMIT"],
    flag: "--key-pair-queue-limit",
    placeholder: "<sizes>",
    option: "sizes",
    group: "Limits",
    help: "requests that may wait per RSA spec when no pair is ready; more get ThrottlingException at once: one integer for all, or RSA_2048=4,RSA_4096=2",
    shownDefault: "RSA_2048=4,RSA_3072=2,RSA_4096=2",
    fallback: defaultKeyPairQueueLimit,
    parse: (value: string, name: string) => keyPairPoolSize(value, name, defaultKeyPairQueueLimit),
  },
  quotas: {
    env: ["TRENT_QUOTAS"],
    flag: "--quotas",
    placeholder: "<mode>",
    option: "text",
    group: "Limits",
    help: "aws applies AWS KMS's request quotas per account and Region (ThrottlingException beyond them); none applies none",
    shownDefault: "none",
    fallback: "none" as QuotaMode,
    parse: choice(quotaModes),
  },
} as const satisfies Record<string, Setting<unknown>>;

export type SettingKey = keyof typeof settings;

/** The parsed value of each setting. */
export type SettingValue<K extends SettingKey> =
  | ReturnType<(typeof settings)[K]["parse"]>
  | (typeof settings)[K]["fallback"];

/** Every setting as startTrent's options, named by the table's keys. */
export type SettingOptions = {
  readonly [K in SettingKey]?: OptionKinds[(typeof settings)[K]["option"]];
};

export const settingKeys = Object.keys(settings) as SettingKey[];

/** One setting's text and the name the user gave it by. */
export interface SettingInput {
  readonly text: string;
  readonly name: string;
}

export type SettingInputs = { readonly [K in SettingKey]?: SettingInput };

/**
 * The vocabulary of the front door the configuration came through, for naming settings the
 * user did not give: `TRENT_X` for the environment, `--x` once the user uses flags, `x` for the
 * embedding API.
 */
export type NameStyle = "env" | "flag" | "option";

export interface SettingNames {
  readonly given: { readonly [K in SettingKey]?: string };
  readonly style: NameStyle;
}

/** The settings an environment gives; an empty variable counts as unset. */
export function settingInputsFromEnv(env: NodeJS.ProcessEnv = process.env): SettingInputs {
  const inputs: Partial<Record<SettingKey, SettingInput>> = {};
  for (const key of settingKeys)
    for (const name of settings[key].env) {
      const value = env[name];
      if (value !== undefined && value !== "") {
        inputs[key] = { text: value, name };
        break;
      }
    }
  return inputs;
}

/** The settings an embedder passes as options (undefined ones are not given). */
export function settingInputsFromOptions(options: SettingOptions): SettingInputs {
  const inputs: Partial<Record<SettingKey, SettingInput>> = {};
  for (const key of settingKeys) {
    const value: unknown = options[key];
    // An empty list is the default of every list setting, not an empty entry.
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    inputs[key] = { text: Array.isArray(value) ? value.join(",") : String(value), name: key };
  }
  return inputs;
}

function canonicalName(key: SettingKey, style: NameStyle): string {
  const row = settings[key];
  if (style === "flag") return row.flag;
  return style === "option" ? key : row.env[0];
}

/** The name the user gave a setting by, or the one they would use in this configuration's style. */
export function nameOf(config: Pick<TrentConfig, "settingNames">, key: SettingKey): string {
  return config.settingNames?.given[key] ?? canonicalName(key, config.settingNames?.style ?? "env");
}

/** How the user would set `key` to `value` in this configuration's style: TRENT_X=v, --x v, x: v. */
function assignment(config: Pick<TrentConfig, "settingNames">, key: SettingKey, value: string) {
  const row = settings[key];
  const name = config.settingNames?.given[key];
  const style =
    name === undefined
      ? (config.settingNames?.style ?? "env")
      : name.startsWith("--")
        ? "flag"
        : name === key
          ? "option"
          : "env";
  if (style === "flag") return `${row.flag} ${value}`;
  return style === "option" ? `${key}: "${value}"` : `${name ?? row.env[0]}=${value}`;
}

/** TRENT_PKCS11_*: all or nothing, and never an echo of the PIN. */
function pkcs11From(
  values: { readonly [K in SettingKey]: SettingValue<K> },
  config: Pick<TrentConfig, "settingNames">,
): Pkcs11Config | undefined {
  const name = (key: SettingKey) => nameOf(config, key);
  const module = values.pkcs11Module;
  if (module === undefined) {
    const stray = (
      [
        "pkcs11TokenLabel",
        "pkcs11Pin",
        "pkcs11PinFile",
        "pkcs11KeyLabel",
        "pkcs11PreviousKeyLabels",
      ] as const
    ).find((key) => config.settingNames?.given[key] !== undefined);
    if (stray !== undefined)
      throw new ConfigError(
        `${name(stray)} is set but ${name("pkcs11Module")}, the HSM's PKCS#11 module, is not`,
      );
    return undefined;
  }
  const tokenLabel = values.pkcs11TokenLabel;
  if (tokenLabel === undefined)
    throw new ConfigError(
      `${name("pkcs11Module")} needs ${name("pkcs11TokenLabel")}, the label of the token holding the root key`,
    );
  const pin = values.pkcs11Pin;
  const pinFile = values.pkcs11PinFile;
  if (pin !== undefined && pinFile !== undefined)
    throw new ConfigError(`set one of ${name("pkcs11Pin")} and ${name("pkcs11PinFile")}, not both`);
  if (pin === undefined && pinFile === undefined)
    throw new ConfigError(
      `${name("pkcs11Module")} needs the token's user PIN in ${name("pkcs11Pin")} or ${name("pkcs11PinFile")}`,
    );
  const previousKeyLabels = values.pkcs11PreviousKeyLabels;
  let keyLabel = values.pkcs11KeyLabel;
  if (values.rootKey !== undefined || values.rootKeyFile !== undefined) {
    // Moving off the HSM: the token only opens what its old keys sealed.
    if (keyLabel !== undefined || previousKeyLabels.length === 0)
      throw new ConfigError(
        `${name(values.rootKey !== undefined ? "rootKey" : "rootKeyFile")} and ${name("pkcs11Module")} both name the current root key: ${exactlyOneRootKey(config)} (to move from the HSM to a raw key, name the HSM's keys in ${name("pkcs11PreviousKeyLabels")} and leave ${name("pkcs11KeyLabel")} unset)`,
      );
  } else {
    keyLabel ??= defaultPkcs11KeyLabel;
  }
  if (keyLabel !== undefined && previousKeyLabels.includes(keyLabel))
    throw new ConfigError(
      `${name("pkcs11PreviousKeyLabels")} names '${keyLabel}', the current key (${name("pkcs11KeyLabel")})`,
    );
  return Object.freeze({
    module,
    tokenLabel,
    pin,
    pinFile,
    keyLabel,
    previousKeyLabels,
  });
}

function exactlyOneRootKey(config: Pick<TrentConfig, "settingNames">): string {
  return `set exactly one of ${nameOf(config, "rootKey")}, ${nameOf(config, "rootKeyFile")} and ${nameOf(config, "pkcs11Module")}`;
}

/**
 * The configuration the given settings make, the rest at their defaults: each setting parsed by
 * its row, then what only the settings together decide (the auth mode a credentials file
 * implies, the PKCS#11 token, one current root key, timeouts that agree).
 */
export function configFromInputs(inputs: SettingInputs, style: NameStyle = "env"): TrentConfig {
  const given: Partial<Record<SettingKey, string>> = {};
  for (const key of settingKeys) {
    const input = inputs[key];
    if (input !== undefined) given[key] = input.name;
  }
  const names: Pick<TrentConfig, "settingNames"> = {
    settingNames: Object.freeze({ given: Object.freeze(given), style }),
  };
  const parsed: Partial<Record<SettingKey, unknown>> = {};
  for (const key of settingKeys) {
    const input = inputs[key];
    parsed[key] =
      input === undefined ? settings[key].fallback : settings[key].parse(input.text, input.name);
  }
  const values = parsed as { readonly [K in SettingKey]: SettingValue<K> };
  if (values.rootKey !== undefined && values.rootKeyFile !== undefined)
    throw new ConfigError(
      `${nameOf(names, "rootKey")} and ${nameOf(names, "rootKeyFile")} both name the current root key: ${exactlyOneRootKey(names)}`,
    );
  const config: TrentConfig = Object.freeze({
    host: values.host,
    port: values.port,
    dataDir: values.dataDir,
    databaseUrl: values.databaseUrl,
    accountId: values.accountId,
    region: values.region,
    rootKey: values.rootKey,
    rootKeyFile: values.rootKeyFile,
    pkcs11: pkcs11From(values, names),
    previousRootKeys: values.rootKeyPrevious,
    previousRootKeyFiles: values.rootKeyPreviousFile,
    // A credentials file alone means sigv4: nobody should believe they are protected by it
    // while open mode accepts anything.
    authMode: values.authMode ?? (values.credentialsFile === undefined ? "open" : "sigv4"),
    credentialsFile: values.credentialsFile,
    allowOpenOnNetwork: values.allowOpenNetwork,
    maxBodyBytes: values.maxBodyBytes,
    requestTimeoutMs: values.requestTimeoutMs,
    headersTimeoutMs: values.headersTimeoutMs,
    maxConnections: values.maxConnections,
    workers: values.workers,
    deletionSweepMs: values.deletionSweepMs,
    keyPairWorkers: values.keyPairWorkers,
    keyPairPoolSize: values.keyPairPoolSize,
    keyPairQueueLimit: values.keyPairQueueLimit,
    quotas: values.quotas,
    grantPropagationDelayMs: values.grantPropagationDelayMs,
    auditFile: values.auditFile,
    auditStdout: values.auditStdout,
    auditFsync: values.auditFsync,
    auditMaxBytes: values.auditMaxBytes,
    auditRotate: values.auditRotate,
    auditRetentionDays: values.auditRetentionDays,
    auditIndex: values.auditIndex,
    auditCloudTrailDir: values.auditCloudtrailDir,
    awsManagedKeysDirectUse: values.awsManagedKeysDirectUse,
    nitroRootCertFile: values.nitroRootCertFile,
    nitroMaxAgeSeconds: values.nitroMaxAgeSeconds,
    seedFile: values.seedFile,
    // local-kms's Docker default applies to servers started from the environment or flags, as
    // local-kms's image does; an embedder's test sees only the seeds it names.
    localKmsSeedFile:
      values.localKmsSeedFile ?? (style === "option" ? undefined : localKmsDefaultSeedFile),
    localKmsSeedFileIsDefault: values.localKmsSeedFile === undefined && style !== "option",
    logLevel: values.logLevel,
    metricsToken: values.metricsToken,
    tlsCertFile: values.tlsCertFile,
    tlsKeyFile: values.tlsKeyFile,
    console: values.console,
    consoleIdleTimeoutSeconds: values.consoleIdleTimeoutSeconds,
    consoleSessionLifetimeSeconds: values.consoleSessionLifetimeSeconds,
    settingNames: names.settingNames,
  });
  checkHttpTimeouts(config);
  checkAuditTrailConfig(config);
  if ((config.tlsCertFile === undefined) !== (config.tlsKeyFile === undefined))
    throw new ConfigError(
      `${nameOf(names, config.tlsCertFile === undefined ? "tlsKeyFile" : "tlsCertFile")} is set without ${nameOf(names, config.tlsCertFile === undefined ? "tlsCertFile" : "tlsKeyFile")}: HTTPS needs both the certificate and its private key`,
    );
  return config;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): TrentConfig {
  return configFromInputs(settingInputsFromEnv(env), "env");
}

/**
 * The defaults as code uses them: no local-kms seed either (the /init/seed.yaml default is for
 * servers started from the environment or the command line, as local-kms's Docker image does).
 */
export const defaultConfig: TrentConfig = Object.freeze({
  ...configFromInputs({}),
  localKmsSeedFile: undefined,
  localKmsSeedFileIsDefault: false,
});

export function withDefaults(partial: Partial<TrentConfig>): TrentConfig {
  return Object.freeze({ ...defaultConfig, ...partial });
}

/**
 * TRENT_KEY_PAIR_POOL_SIZE alone, for callers holding its text (undefined keeps `fallback`).
 */
export function parseKeyPairPoolSize(
  value: string | undefined,
  fallback: Readonly<Record<PooledKeyPairSpec, number>>,
): Readonly<Record<PooledKeyPairSpec, number>> {
  return value === undefined
    ? fallback
    : keyPairPoolSize(value, settings.keyPairPoolSize.env[0], fallback);
}

/** The settings naming the current root key, as the user named them: at most one may be given. */
export function currentRootKeySources(config: TrentConfig): string[] {
  const sources: string[] = [];
  if (config.rootKey !== undefined) sources.push(nameOf(config, "rootKey"));
  if (config.rootKeyFile !== undefined) sources.push(nameOf(config, "rootKeyFile"));
  if (config.pkcs11?.keyLabel !== undefined) sources.push(nameOf(config, "pkcs11Module"));
  return sources;
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

/** Where this node keeps its state, in a few words. */
export function storeLocation(config: TrentConfig): string {
  return config.databaseUrl === undefined
    ? `data ${config.dataDir}`
    : `database ${redactDatabaseUrl(config.databaseUrl)}`;
}

/**
 * The index and the CloudTrail files are made from the audit files, so they need one; a
 * PostgreSQL index needs the key store's PostgreSQL database.
 */
export function checkAuditTrailConfig(config: TrentConfig): void {
  const hasAuditFile =
    config.auditFile !== "none" &&
    (config.auditFile !== undefined || config.dataDir !== ":memory:");
  const needsFile = (what: string) =>
    `${what} needs an audit file: ${what === nameOf(config, "auditCloudtrailDir") ? "the CloudTrail files are" : "the index is"} made from it (set ${nameOf(config, "auditFile")}, or a data directory other than :memory:)`;
  if (!hasAuditFile) {
    if (config.auditCloudTrailDir !== undefined)
      throw new ConfigError(needsFile(nameOf(config, "auditCloudtrailDir")));
    if (config.auditIndex === "sqlite" || config.auditIndex === "postgres")
      throw new ConfigError(needsFile(assignment(config, "auditIndex", config.auditIndex)));
  }
  if (config.auditIndex === "postgres" && config.databaseUrl === undefined)
    throw new ConfigError(
      `${assignment(config, "auditIndex", "postgres")} keeps the index in the key store's PostgreSQL database, but ${nameOf(config, "databaseUrl")} is not set`,
    );
}

/**
 * Node's HTTP server refuses a headers timeout longer than the request timeout: the headers are
 * part of the request, so the longer limit could never apply.
 */
export function checkHttpTimeouts(
  config: Pick<TrentConfig, "requestTimeoutMs" | "headersTimeoutMs" | "settingNames">,
): void {
  if (config.headersTimeoutMs > config.requestTimeoutMs)
    throw new ConfigError(
      `${nameOf(config, "headersTimeoutMs")} (${config.headersTimeoutMs}) must not exceed ${nameOf(config, "requestTimeoutMs")} (${config.requestTimeoutMs}): the headers are part of the request`,
    );
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
      `${sources.join(" and ")} both name the current root key: ${exactlyOneRootKey(config)}`,
    );
  // Nodes sharing a database must seal key material under one root key: a key generated into
  // each node's data directory would leave every node unable to open the others' keys.
  if (config.databaseUrl !== undefined && sources.length === 0)
    throw new ConfigError(
      `${nameOf(config, "databaseUrl")} needs a root key from ${nameOf(config, "rootKey")}, ${nameOf(config, "rootKeyFile")} or ${nameOf(config, "pkcs11Module")}: every node sharing the database must use the same root key (see docs/postgres.md)`,
    );
}

/**
 * Refuses configurations that are unsafe to serve, before anything listens: HTTP timeouts that
 * contradict each other, a shared database without a configured root key, sigv4 without a
 * credentials file, a credentials file that open mode would silently ignore, and open mode
 * reachable from the network without TRENT_ALLOW_OPEN_NETWORK=true.
 */
export function checkServable(config: TrentConfig): void {
  checkHttpTimeouts(config);
  checkRootKeyConfig(config);
  if (config.authMode === "sigv4") {
    if (config.credentialsFile === undefined)
      throw new ConfigError(
        `${assignment(config, "authMode", "sigv4")} needs ${nameOf(config, "credentialsFile")}, the YAML file of identities allowed to call (see docs/security.md)`,
      );
    return;
  }
  if (config.credentialsFile !== undefined)
    throw new ConfigError(
      `${nameOf(config, "credentialsFile")} is set but ${nameOf(config, "authMode")} is 'open', which ignores it and accepts unsigned requests: use ${assignment(config, "authMode", "sigv4")}`,
    );
  if (!isLoopbackHost(config.host) && !config.allowOpenOnNetwork)
    throw new ConfigError(
      `refusing to listen on ${config.host} in open mode: anyone who can reach it would act as the root of account ${config.accountId}. ` +
        `Listen on 127.0.0.1, use ${assignment(config, "authMode", "sigv4")} with ${nameOf(config, "credentialsFile")}, or set ${assignment(config, "allowOpenNetwork", "true")} to accept the risk (see docs/security.md)`,
    );
}
