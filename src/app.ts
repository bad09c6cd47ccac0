/**
 * The composition root: config → store → services → HTTP server. The only place that wires
 * things together; main.ts (the command line) and the tests both start Trent through here.
 */
import type { Server } from "node:http";
import { AuditTrail } from "./audit/audit-trail.js";
import { openAuditSink } from "./audit/sinks.js";
import { loadCredentialsFile } from "./auth/credentials-file.js";
import { checkServable, type TrentConfig } from "./config.js";
import { deriveGrantTokenKey } from "./crypto/grant-token.js";
import { deriveImportKey } from "./crypto/import-wrapping.js";
import { KeyPairPool } from "./crypto/key-pair-pool.js";
import { createSystemRandom, type Random } from "./crypto/random.js";
import { loadOrCreateRootKey } from "./crypto/root-key.js";
import { expireImportedKeyMaterial } from "./domain/import.js";
import { deleteDueKeys } from "./domain/key-deletion.js";
import { KeyMaterialVault } from "./domain/key-material.js";
import { rotateDueKeys } from "./domain/rotation.js";
import { checkRegistry } from "./operations/registry.js";
import { PolicyCache } from "./policy/evaluate.js";
import type { Logger } from "./protocol/pipeline.js";
import { createTrentServer, listeningUrl } from "./server/http-server.js";
import { type Clock, type Services, systemClock } from "./services.js";
import { openPostgresStore } from "./store/postgres.js";
import { openSqliteStore } from "./store/sqlite.js";
import type { Store } from "./store/store.js";
import type { XksTransport } from "./xks/transport.js";

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
  readonly services: Services;
  readonly server: Server;
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
  const rootKey = config.rootKey ?? loadOrCreateRootKey(config.dataDir);
  const store =
    options.store ??
    (config.databaseUrl === undefined
      ? await openSqliteStore(config.dataDir)
      : await openPostgresStore(config.databaseUrl, log));
  const vault = new KeyMaterialVault(rootKey);
  const audit = new AuditTrail({
    sink: await openAuditSink(config, log),
    store,
    defaults: config,
    log,
  });
  const services: Services = {
    config,
    credentials,
    store,
    clock: options.clock ?? systemClock,
    random: options.random ?? createSystemRandom(),
    vault,
    dataKeyPairs: new KeyPairPool({
      workers: config.keyPairWorkers,
      poolSize: config.keyPairPoolSize,
      log,
    }),
    grantTokenKey: deriveGrantTokenKey(rootKey),
    policies: new PolicyCache(),
    importKey: deriveImportKey(rootKey),
    audit,
    xksTransport: options.xksTransport,
  };

  const server = createTrentServer(
    services,
    {
      async reset() {
        await store.reset();
        vault.forget();
      },
    },
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
    services,
    server,
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
    },
  };
}
