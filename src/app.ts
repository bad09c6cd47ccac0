/**
 * The composition root: config → log and metrics → store → services → HTTP server. The only
 * place that wires things together; main.ts (the command line) and the tests both start Trent
 * through here.
 */
import { existsSync } from "node:fs";
import type { Server } from "node:http";
import type { Server as HttpsServer } from "node:https";
import { createAuthenticator } from "./core/auth/authenticate.js";
import { createConsoleSignIn } from "./core/auth/console-sign-in.js";
import { loadCredentialsFile } from "./core/auth/credentials-file.js";
import { createKmsCore, type KmsCore } from "./core/kms.js";
import { expireImportedKeyMaterial } from "./domain/import.js";
import { deleteDueKeys } from "./domain/key-deletion.js";
import { KeyMaterialVault } from "./domain/key-material.js";
import { PolicyCache } from "./domain/policy/evaluate.js";
import { RequestQuotas } from "./domain/request-quotas.js";
import { openRootKeys } from "./domain/root-key-sources.js";
import { proveRootKeys } from "./domain/root-keys.js";
import { rotateDueKeys } from "./domain/rotation.js";
import type { Services } from "./domain/services.js";
import type { WorkerDuties } from "./front-doors/cluster/primary-link.js";
import { createConsoleRoute } from "./front-doors/console/console-route.js";
import type { ExchangeObserver } from "./front-doors/http/exchange.js";
import { createTrentMetrics, type TrentMetrics } from "./front-doors/http/metrics.js";
import { readinessCheck } from "./front-doors/http/probes.js";
import { requestLog } from "./front-doors/http/request-log.js";
import { createTrentServer, listeningUrl, type StatusReport } from "./front-doors/http/server.js";
import { readTlsCredentials, reloadTlsCredentials, type TlsFiles } from "./front-doors/http/tls.js";
import { applySeed, type SeedInput, seedReportLines } from "./front-doors/seed/apply-seed.js";
import { checkRegistry } from "./operations/registry.js";
import {
  type AuditOutputs,
  forwardedAuditOutputs,
  openAuditOutputs,
} from "./platform/audit/audit-outputs.js";
import {
  type AuditFilter,
  type AuditPage,
  type AuditPageRequest,
  AuditQueryError,
} from "./platform/audit/audit-query.js";
import { AuditTrail } from "./platform/audit/audit-trail.js";
import { ForwardingSink } from "./platform/audit/forwarding-sink.js";
import { KeyPairPool } from "./platform/crypto/key-pair-pool.js";
import { NitroRoots } from "./platform/crypto/nitro-roots.js";
import { createSystemRandom } from "./platform/crypto/random.js";
import { createStructuredLogger, type StructuredLogger } from "./platform/log/pino-logger.js";
import {
  openConfiguredStore,
  storeDescription,
  storeFacts,
} from "./platform/store/configured-store.js";
import type { Store } from "./platform/store/store.js";
import { httpsXksTransport, type XksTransport } from "./platform/xks/transport.js";
import { trentVersion } from "./version.js";
import { checkRootKeyConfig, checkServable, type TrentConfig } from "./vocabulary/config.js";
import {
  type Clock,
  type Logger,
  type LogTarget,
  type Random,
  systemClock,
  toLogger,
} from "./vocabulary/ports.js";

export interface TrentOptions {
  readonly clock?: Clock;
  readonly random?: Random;
  /**
   * Where Trent logs. Unless given, JSON lines on standard error at config.logLevel
   * (platform/log/). A Logger gets everything, one line per request included; a function
   * (LineLogger) gets the operator's messages only (warnings, errors, events such as a key
   * generated in an HSM), not the per-request lines, so tests can read or silence them.
   */
  readonly log?: LogTarget;
  /** Use this store instead of opening PostgreSQL (config.databaseUrl) or SQLite (config.dataDir). */
  readonly store?: Store;
  /** How to reach external key store proxies (tests: a local proxy and its CA); node:https else. */
  readonly xksTransport?: XksTransport;
  /**
   * Seeds applied after the configured seed files, at start and after every reset: paths, YAML
   * text or seed documents as objects (docs/seeding.md). For embedders.
   */
  readonly seeds?: readonly SeedInput[];
  /**
   * This process is one worker of several serving the port (TRENT_WORKERS > 1, src/cluster.ts):
   * its audit records, resets and /metrics go through the primary, which also seeds and runs
   * the clock-driven sweeps for all of them.
   */
  readonly worker?: WorkerDuties;
}

export interface Trent {
  readonly url: string;
  /** Which configured root key is which registry version, for the start-up lines. */
  readonly rootKeys: string;
  readonly services: Services;
  /** The core's in-process entry, which the HTTP front door uses too (core/kms.ts). */
  readonly kms: KmsCore;
  readonly server: Server;
  /** Where Trent logs (for the start-up lines of main.ts and the trent command). */
  readonly log: Logger;
  /** The Prometheus registry behind GET /metrics, and the observers that feed it. */
  readonly metrics: TrentMetrics;
  /**
   * Reads TRENT_TLS_CERT_FILE and TRENT_TLS_KEY_FILE again for new connections (SIGHUP);
   * false when Trent serves plain HTTP or the files do not make a certificate (logged, the
   * one in use stays).
   */
  reloadTls(): boolean;
  /** Wipes all state, as POST /_trent/reset does (which only open mode serves). */
  reset(): Promise<void>;
  /** What GET /_trent/status reports in open mode: version, store, key count, callers. */
  status(): Promise<StatusReport>;
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

function tlsFilesOf(config: TrentConfig): TlsFiles | undefined {
  return config.tlsCertFile !== undefined && config.tlsKeyFile !== undefined
    ? { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile }
    : undefined;
}

/** Trent opened on its store without listening: what `trent seed apply` and `trent export` use. */
export interface OpenedTrent {
  /** Which configured root key is which registry version. */
  readonly rootKeys: string;
  readonly services: Services;
  /** The audit files, archive, index and CloudTrail export (tests wait on `settled`). */
  readonly auditOutputs: AuditOutputs;
  close(): Promise<void>;
}

/** What the core feeds besides the log: absent for the commands that open a store and leave. */
export interface CoreObservers {
  readonly metrics?: TrentMetrics;
}

/**
 * Root keys → store → proof that the keys open it → services: everything but the front doors.
 * `close` releases it all.
 */
export async function openCore(
  config: TrentConfig,
  options: TrentOptions,
  log: Logger,
  { metrics }: CoreObservers = {},
): Promise<OpenedTrent> {
  // Read and checked before anything is opened: a bad file refuses the start.
  const nitroRoots = NitroRoots.load(config.nitroRootCertFile);
  const random = options.random ?? createSystemRandom();
  const clock = options.clock ?? systemClock;
  const rootKeys = await openRootKeys(config, log);
  let store: Store;
  let custody: Awaited<ReturnType<typeof proveRootKeys>>;
  try {
    store = await openConfiguredStore(config, log, options.store, metrics?.storeQueries);
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
  for (const warning of rootKeys.warnings) log.warn(warning);
  // Whoever holds the key of a configured root can mint attestation documents: say so.
  if (config.nitroRootCertFile !== undefined)
    log.warn(
      `Nitro Enclaves attestation documents chain to the root(s) in TRENT_NITRO_ROOT_CERT_FILE (SHA-256 ${nitroRoots.fingerprints().join(", ")}), not AWS's`,
    );
  const vault = new KeyMaterialVault(custody.keyring);
  let auditOutputs: AuditOutputs;
  try {
    // The files rotate and expire by the wall clock: the injected clock is the requests' time.
    auditOutputs = options.worker
      ? forwardedAuditOutputs(config, new ForwardingSink(options.worker.forwardAudit, log), log)
      : await openAuditOutputs(config, {
          log,
          digestKey: custody.auditDigestKey,
          writes: metrics?.auditWrites,
        });
  } catch (error) {
    if (!options.store) await store.close();
    rootKeys.close();
    throw error;
  }
  const auditSink = auditOutputs.sink;
  const audit = new AuditTrail({
    sink: auditSink,
    store,
    defaults: config,
    log,
    ...(options.worker ? { flushOthers: options.worker.flushKeyUses } : {}),
  });
  const dataKeyPairs = new KeyPairPool({
    workers: config.keyPairWorkers,
    poolSize: config.keyPairPoolSize,
    queueLimit: config.keyPairQueueLimit,
    log,
    ...(metrics ? { onServed: metrics.keyPairServed } : {}),
  });
  metrics?.watch({
    keyPairPool: () => dataKeyPairs.stats(),
    auditPending: () => auditSink.pending?.() ?? 0,
  });
  const services: Services = {
    config,
    store,
    clock,
    random,
    vault,
    dataKeyPairs,
    grantTokenKey: custody.grantTokenKey,
    policies: new PolicyCache(),
    importKey: custody.importKey,
    audit,
    xksTransport: options.xksTransport ?? httpsXksTransport(),
    nitroRoots,
    ...(config.quotas === "aws" ? { requestQuotas: new RequestQuotas() } : {}),
  };
  return {
    rootKeys: custody.summary,
    services,
    auditOutputs,
    async close() {
      await services.dataKeyPairs.close();
      await audit.close();
      await auditOutputs.close();
      await store.close();
      rootKeys.close();
    },
  };
}

/** The log of a Trent: JSON lines on standard error unless the options name one. */
export function openLog(config: TrentConfig, options: TrentOptions) {
  const structured: StructuredLogger | undefined =
    options.log === undefined ? createStructuredLogger({ level: config.logLevel }) : undefined;
  return { structured, log: structured ?? toLogger(options.log ?? (() => {})) };
}

/**
 * Opens Trent's store as `trent serve` would, without listening: for the commands that work on
 * a store (seed apply, export), beside a running server or not.
 */
export async function openTrent(
  config: TrentConfig,
  options: TrentOptions = {},
): Promise<OpenedTrent> {
  checkRootKeyConfig(config);
  const { structured, log } = openLog(config, options);
  const opened = await openCore(config, options, log);
  return {
    ...opened,
    async close() {
      await opened.close();
      await structured?.flush();
    },
  };
}

/**
 * The seeds applied at every start (and again after a test-suite reset): TRENT_SEED_FILE, then
 * KMS_SEED_PATH, local-kms's, whose default /init/seed.yaml applies only when it exists.
 */
export function startupSeeds(config: TrentConfig, log: Logger): SeedInput[] {
  const seeds: SeedInput[] = [];
  if (config.seedFile !== undefined) seeds.push(config.seedFile);
  const localKms = config.localKmsSeedFile;
  if (localKms !== undefined) {
    if (existsSync(localKms)) seeds.push(localKms);
    else if (!config.localKmsSeedFileIsDefault)
      log.warn(`KMS_SEED_PATH names ${localKms}, which does not exist: no local-kms seed applied`);
  }
  return seeds;
}

export async function applyStartupSeeds(
  services: Services,
  seeds: readonly SeedInput[],
  log: Logger,
): Promise<void> {
  for (const seed of seeds)
    for (const line of seedReportLines(await applySeed({ services }, seed))) log.info(line);
}

/** The clock-driven work (deletions, rotations, expired material), also on a timer. */
export function sweeps(services: Services, log: Logger) {
  const sweepDeletions = () => deleteDueKeys(services);
  const sweepKeyMaterial = async () =>
    (await rotateDueKeys(services)) + (await expireImportedKeyMaterial(services));
  const sweeper = setInterval(() => {
    sweepDeletions().catch((error: unknown) =>
      log.error(`deletion sweep failed: ${String(error)}`, { err: error }),
    );
    sweepKeyMaterial().catch((error: unknown) =>
      log.error(`key material sweep failed: ${String(error)}`, { err: error }),
    );
  }, services.config.deletionSweepMs);
  sweeper.unref();
  return { sweepDeletions, sweepKeyMaterial, sweeper };
}

export async function startTrent(config: TrentConfig, options: TrentOptions = {}): Promise<Trent> {
  checkRegistry();
  checkServable(config);
  // Read and checked before anything is opened or listens: a bad file refuses the start.
  const credentials =
    config.authMode === "sigv4" && config.credentialsFile !== undefined
      ? loadCredentialsFile(config.credentialsFile)
      : undefined;
  const tlsFiles = tlsFilesOf(config);
  // Read before anything is opened: a certificate that cannot serve refuses the start.
  const tls = tlsFiles && readTlsCredentials(tlsFiles);
  const { structured, log } = openLog(config, options);
  const requestLines = typeof options.log !== "function";
  const metrics = createTrentMetrics();
  let opened: OpenedTrent;
  try {
    opened = await openCore(config, options, log, { metrics });
  } catch (error) {
    await structured?.flush();
    throw error;
  }
  const { services } = opened;
  const { store, vault, clock, random } = services;
  // A worker's primary seeded the store before forking it.
  const seeds = options.worker ? [] : [...startupSeeds(config, log), ...(options.seeds ?? [])];
  try {
    // After the root key proof, before listening: clients never see the store unseeded.
    await applyStartupSeeds(services, seeds, log);
  } catch (error) {
    await opened.close();
    await structured?.flush();
    throw error;
  }

  const kms = createKmsCore(services, { log, observers: [metrics.calls] });
  const exchangeObservers: ExchangeObserver[] = [metrics.exchanges];
  if (requestLines) exchangeObservers.push(requestLog(log));
  const reset =
    options.worker?.reset ??
    (async () => {
      await store.reset();
      vault.forget();
      // Back to the state the server started in: a suite's seeded keys survive its resets.
      await applyStartupSeeds(services, seeds, log);
    });
  const version = trentVersion();
  const { engine, location } = storeFacts(config, options.store !== undefined);
  const status = async (): Promise<StatusReport> => ({
    version,
    authMode: config.authMode,
    store: { engine, location },
    keys: await store.keys.count(),
    accountId: config.accountId,
    region: config.region,
    ...(options.worker ? { worker: options.worker.identity } : {}),
  });
  const server = createTrentServer(
    {
      config,
      kms,
      authenticate: createAuthenticator(config, credentials, clock),
      clock,
      random,
      observers: exchangeObservers,
      readiness: readinessCheck({ store, log }),
      metrics: options.worker?.metrics(metrics.registry) ?? metrics.registry,
      tls,
      console: config.console
        ? createConsoleRoute({
            config,
            kms,
            signIn: createConsoleSignIn(config, credentials),
            clock,
            random,
            // Session ids and CSRF tokens come from the system's entropy, whatever tests inject.
            secrets: createSystemRandom(),
            sessions: store.consoleSessions,
            searchKeys: (accountId, region, search, page) =>
              store.keys.search(accountId, region, search, page),
            aliasesOf: (accountId, region, keyIds) =>
              store.aliases.listForKeys(accountId, region, keyIds),
            auditReader: () => opened.auditOutputs.reader(),
          })
        : undefined,
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

  const { sweepDeletions, sweepKeyMaterial, sweeper } = sweeps(services, log);
  // A worker's primary sweeps for all: N sweepers would race over the same due keys.
  if (options.worker) clearInterval(sweeper);

  return {
    url: listeningUrl(server),
    rootKeys: opened.rootKeys,
    services,
    kms,
    server,
    log,
    metrics,
    reloadTls: () =>
      tlsFiles !== undefined &&
      reloadTlsCredentials(server as unknown as HttpsServer, tlsFiles, log),
    reset,
    status,
    sweepDeletions,
    sweepKeyMaterial,
    auditOutputs: opened.auditOutputs,
    async queryAudit(filter, page) {
      const reader = await opened.auditOutputs.reader();
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
      await opened.close();
      await structured?.flush();
    },
  };
}
