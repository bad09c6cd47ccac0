/**
 * The composition root: config → store → services → HTTP server. The only place that wires
 * things together; main.ts (the command line) and the tests both start Trent through here.
 */
import type { Server } from "node:http";
import { createAuthenticator } from "./core/auth/authenticate.js";
import { loadCredentialsFile } from "./core/auth/credentials-file.js";
import { createKmsCore, type KmsCore } from "./core/kms.js";
import { expireImportedKeyMaterial } from "./domain/import.js";
import { deleteDueKeys } from "./domain/key-deletion.js";
import { KeyMaterialVault } from "./domain/key-material.js";
import { PolicyCache } from "./domain/policy/evaluate.js";
import { openRootKeys } from "./domain/root-key-sources.js";
import { proveRootKeys } from "./domain/root-keys.js";
import { rotateDueKeys } from "./domain/rotation.js";
import type { Services } from "./domain/services.js";
import { createTrentServer, listeningUrl, type StatusReport } from "./front-doors/http/server.js";
import { checkRegistry } from "./operations/registry.js";
import { AuditTrail } from "./platform/audit/audit-trail.js";
import { openAuditSink } from "./platform/audit/sinks.js";
import { KeyPairPool } from "./platform/crypto/key-pair-pool.js";
import { createSystemRandom } from "./platform/crypto/random.js";
import {
  openConfiguredStore,
  storeDescription,
  storeFacts,
} from "./platform/store/configured-store.js";
import type { Store } from "./platform/store/store.js";
import { httpsXksTransport, type XksTransport } from "./platform/xks/transport.js";
import { trentVersion } from "./version.js";
import { checkServable, type TrentConfig } from "./vocabulary/config.js";
import { type Clock, type Logger, type Random, systemClock } from "./vocabulary/ports.js";

export interface TrentOptions {
  readonly clock?: Clock;
  readonly random?: Random;
  readonly log?: Logger;
  /** Use this store instead of opening PostgreSQL (config.databaseUrl) or SQLite (config.dataDir). */
  readonly store?: Store;
  /** How to reach external key store proxies (tests: a local proxy and its CA); node:https else. */
  readonly xksTransport?: XksTransport;
}

export interface Trent {
  readonly url: string;
  /** Which configured root key is which registry version, for the start-up lines. */
  readonly rootKeys: string;
  readonly services: Services;
  /** The core's in-process entry, which the HTTP front door uses too (core/kms.ts). */
  readonly kms: KmsCore;
  readonly server: Server;
  /** Wipes all state, as POST /_trent/reset does (which only open mode serves). */
  reset(): Promise<void>;
  /** What GET /_trent/status reports in open mode: version, store, key count, callers. */
  status(): Promise<StatusReport>;
  /** Deletes keys whose deletion date has passed; also runs on a timer. */
  sweepDeletions(): Promise<number>;
  /**
   * Rotates keys whose NextRotationDate has passed and deletes imported key material whose
   * ValidTo has passed; also runs on the deletion timer. Resolves to the number of keys rotated
   * and materials expired.
   */
  sweepKeyMaterial(): Promise<number>;
  close(): Promise<void>;
}

const stderrLog: Logger = (message) => process.stderr.write(`${message}\n`);

export async function startTrent(config: TrentConfig, options: TrentOptions = {}): Promise<Trent> {
  checkRegistry();
  checkServable(config);
  // Read and checked before anything is opened or listens: a bad file refuses the start.
  const credentials =
    config.authMode === "sigv4" && config.credentialsFile !== undefined
      ? loadCredentialsFile(config.credentialsFile)
      : undefined;
  const log = options.log ?? stderrLog;
  const random = options.random ?? createSystemRandom();
  const clock = options.clock ?? systemClock;
  const rootKeys = await openRootKeys(config, log);
  let store: Store;
  let custody: Awaited<ReturnType<typeof proveRootKeys>>;
  try {
    store = await openConfiguredStore(config, log, options.store);
  } catch (error) {
    rootKeys.close();
    throw error;
  }
  try {
    // Before anything listens: the keys must open what the store holds.
    custody = await proveRootKeys(store, rootKeys.configured, {
      now: () => clock.now(),
      // Long-lived secrets come from the system's entropy, whatever randomness tests inject.
      randomBytes: (length) => createSystemRandom().bytes(length),
      location: storeDescription(config, options.store !== undefined),
    });
  } catch (error) {
    if (!options.store) await store.close();
    rootKeys.close();
    throw error;
  }
  for (const warning of rootKeys.warnings) log(warning);
  const vault = new KeyMaterialVault(custody.keyring);
  const audit = new AuditTrail({
    sink: await openAuditSink(config, log),
    store,
    defaults: config,
    log,
  });
  const services: Services = {
    config,
    store,
    clock,
    random,
    vault,
    dataKeyPairs: new KeyPairPool({
      workers: config.keyPairWorkers,
      poolSize: config.keyPairPoolSize,
      log,
    }),
    grantTokenKey: custody.grantTokenKey,
    policies: new PolicyCache(),
    importKey: custody.importKey,
    audit,
    xksTransport: options.xksTransport ?? httpsXksTransport(),
  };

  const kms = createKmsCore(services, { log });
  const reset = async () => {
    await store.reset();
    vault.forget();
  };
  const version = trentVersion();
  const { engine, location } = storeFacts(config, options.store !== undefined);
  const status = async (): Promise<StatusReport> => ({
    version,
    authMode: config.authMode,
    store: { engine, location },
    keys: await store.keys.count(),
    accountId: config.accountId,
    region: config.region,
  });
  const server = createTrentServer(
    {
      config,
      kms,
      authenticate: createAuthenticator(config, credentials, clock),
      clock,
      random,
    },
    { reset, status },
    log,
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });

  const sweepDeletions = () => deleteDueKeys(services);
  const sweepKeyMaterial = async () =>
    (await rotateDueKeys(services)) + (await expireImportedKeyMaterial(services));
  const sweeper = setInterval(() => {
    sweepDeletions().catch((error: unknown) => log(`deletion sweep failed: ${String(error)}`));
    sweepKeyMaterial().catch((error: unknown) =>
      log(`key material sweep failed: ${String(error)}`),
    );
  }, config.deletionSweepMs);
  sweeper.unref();

  return {
    url: listeningUrl(server),
    rootKeys: custody.summary,
    services,
    kms,
    server,
    reset,
    status,
    sweepDeletions,
    sweepKeyMaterial,
    async close() {
      clearInterval(sweeper);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await services.dataKeyPairs.close();
      await audit.close();
      await store.close();
      rootKeys.close();
    },
  };
}
