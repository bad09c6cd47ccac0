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
import { createTrentServer, listeningUrl } from "./front-doors/http/server.js";
import { checkRegistry } from "./operations/registry.js";
import { type AuditOutputs, openAuditOutputs } from "./platform/audit/audit-outputs.js";
import {
  type AuditFilter,
  type AuditPage,
  type AuditPageRequest,
  AuditQueryError,
} from "./platform/audit/audit-query.js";
import { AuditTrail } from "./platform/audit/audit-trail.js";
import { KeyPairPool } from "./platform/crypto/key-pair-pool.js";
import { createSystemRandom } from "./platform/crypto/random.js";
import { openConfiguredStore, storeDescription } from "./platform/store/configured-store.js";
import type { Store } from "./platform/store/store.js";
import { httpsXksTransport, type XksTransport } from "./platform/xks/transport.js";
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
  /**
   * The audit trail's records, newest first, a page at a time, from the audit index
   * (docs/audit.md); rejects with AuditQueryError when no index is configured or the filter or
   * page token is not valid. What a console or an embedder lists the trail with.
   */
  queryAudit(filter: AuditFilter, page?: AuditPageRequest): Promise<AuditPage>;
  /** The audit files, archive, index and CloudTrail export (tests wait on `settled`). */
  readonly auditOutputs: AuditOutputs;
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
  let auditOutputs: AuditOutputs;
  try {
    // The files rotate and expire by the wall clock: the injected clock is the requests' time.
    auditOutputs = await openAuditOutputs(config, { log, digestKey: custody.auditDigestKey });
  } catch (error) {
    if (!options.store) await store.close();
    rootKeys.close();
    throw error;
  }
  const audit = new AuditTrail({
    sink: auditOutputs.sink,
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
  const server = createTrentServer(
    {
      config,
      kms,
      authenticate: createAuthenticator(config, credentials, clock),
      clock,
      random,
    },
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
    rootKeys: custody.summary,
    services,
    kms,
    server,
    sweepDeletions,
    sweepKeyMaterial,
    auditOutputs,
    async queryAudit(filter, page) {
      const reader = await auditOutputs.reader();
      if (!reader)
        throw new AuditQueryError(
          "no audit index: it needs an audit file and TRENT_AUDIT_INDEX other than none",
        );
      return reader.query(filter, page);
    },
    async close() {
      clearInterval(sweeper);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await services.dataKeyPairs.close();
      await audit.close();
      await auditOutputs.close();
      await store.close();
      rootKeys.close();
    },
  };
}
