/**
 * Trent for test suites: `await startTrent(options)` from the package's entry (index.ts). Takes
 * every setting of the configuration table as an option named by the table's key (`port`,
 * `dataDir`, `auditFile`, ...), parsed exactly as the variables are, with what a test wants as
 * defaults: an in-memory store, a free port on 127.0.0.1, no audit file. Returns
 * what a test needs to point an AWS client at it, and to reset and stop it. Composed here, at
 * the root, from app.ts's startTrent, which it leaves as it is.
 */
import { startTrent as startTrentServer, type Trent } from "./app.js";
import { loadCredentialsFile } from "./core/auth/credentials-file.js";
import type { SeedInput } from "./front-doors/seed/apply-seed.js";
import {
  ConfigError,
  configFromInputs,
  nameOf,
  type SettingInputs,
  type SettingOptions,
  settingInputsFromEnv,
  settingInputsFromOptions,
  settingKeys,
} from "./vocabulary/config.js";

/**
 * A seed: the path of a seed file, `{ yaml, name? }` with its text, or the document as an object
 * (docs/seeding.md).
 */
export type SeedSource = SeedInput;

export interface StartTrentOptions extends SettingOptions {
  /**
   * Keys, aliases and grants to create before the first request, and again after every
   * `reset()`: Trent's seed format or local-kms's (docs/seeding.md).
   */
  readonly seed?: SeedSource;
  /**
   * An environment whose TRENT_* variables (and local-kms's names) apply beneath the options,
   * e.g. `process.env`. None by default, so a machine's settings do not leak into a test.
   */
  readonly env?: NodeJS.ProcessEnv;
  /** Where Trent's log lines go (warnings, internal errors); standard error by default. */
  readonly log?: (line: string) => void;
}

/** What `new KMSClient(...)` (AWS SDK for JavaScript v3) needs to call this Trent. */
export interface KmsClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
}

export interface EmbeddedTrent {
  /** The URL Trent listens on, e.g. http://127.0.0.1:41234. */
  readonly endpoint: string;
  /** The region of unsigned requests, and the one clientConfig signs for. */
  readonly region: string;
  /** The account open mode's callers act in. */
  readonly accountId: string;
  /**
   * Endpoint, region and credentials for `new KMSClient(kms.clientConfig)`. In open mode any
   * credentials do; in sigv4 mode they are the first identity of the credentials file.
   */
  readonly clientConfig: KmsClientConfig;
  /** Deletes every key, alias and grant: a clean slate between tests. */
  reset(): Promise<void>;
  /** Stops listening and releases the store; the endpoint refuses connections afterwards. */
  close(): Promise<void>;
}

/** What a test wants unless it says otherwise. */
const embeddedDefaults: SettingInputs = {
  host: { text: "127.0.0.1", name: "host" },
  port: { text: "0", name: "port" },
  dataDir: { text: ":memory:", name: "dataDir" },
};

/** Credentials any open-mode Trent accepts; they only need to look like credentials. */
const openModeCredentials = { accessKeyId: "TRENTLOCALTEST", secretAccessKey: "trent-local" };

function credentialsFor(trent: Trent): KmsClientConfig["credentials"] {
  const { config } = trent.services;
  if (config.authMode === "open" || config.credentialsFile === undefined)
    return openModeCredentials;
  const [identity] = loadCredentialsFile(config.credentialsFile).values();
  if (identity === undefined)
    throw new ConfigError(`${config.credentialsFile} names no identity to call Trent with`);
  return identity.sessionToken === undefined
    ? { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey }
    : {
        accessKeyId: identity.accessKeyId,
        secretAccessKey: identity.secretAccessKey,
        sessionToken: identity.sessionToken,
      };
}

const stderrLog = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** A misspelt option must not be ignored: the test would run against settings it did not ask for. */
function refuseUnknownOptions(options: object): void {
  const known = new Set<string>([...settingKeys, "seed", "env", "log"]);
  const unknown = Object.keys(options).filter((name) => !known.has(name));
  if (unknown.length > 0)
    throw new ConfigError(
      `startTrent does not know the option${unknown.length > 1 ? "s" : ""} ${unknown.map((name) => `'${name}'`).join(", ")}; its options are the settings ${settingKeys.join(", ")}, and seed, env and log`,
    );
}

export async function startTrent(options: StartTrentOptions = {}): Promise<EmbeddedTrent> {
  refuseUnknownOptions(options);
  const { seed, env, log, ...settingOptions } = options;
  const config = configFromInputs(
    {
      ...embeddedDefaults,
      ...(env === undefined ? {} : settingInputsFromEnv(env)),
      ...settingInputsFromOptions(settingOptions),
    },
    "option",
  );
  if (config.workers !== undefined && config.workers > 1)
    throw new ConfigError(
      `${nameOf(config, "workers")} is ${config.workers}, but startTrent serves from the process that calls it: run \`trent serve\` for several worker processes`,
    );
  const trent = await startTrentServer(config, {
    log: log ?? stderrLog,
    seeds: seed === undefined ? [] : [seed],
  });
  let credentials: KmsClientConfig["credentials"];
  try {
    credentials = credentialsFor(trent);
  } catch (error) {
    await trent.close();
    throw error;
  }
  return {
    endpoint: trent.url,
    region: config.region,
    accountId: config.accountId,
    clientConfig: { endpoint: trent.url, region: config.region, credentials },
    reset: () => trent.reset(),
    close: () => trent.close(),
  };
}
