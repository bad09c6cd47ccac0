/**
 * Health and readiness, for load balancers and orchestrators (docs/operations.md).
 *
 * - GET /health: the process is alive and its event loop answers. Nothing else is checked, so
 *   a liveness probe never restarts Trent because its database is down.
 * - GET /ready: this node can serve KMS requests now: the store answers a real query, its
 *   schema is the one this Trent expects (no migration pending, none unknown), and the root key
 *   opened the stored data at start-up (Trent does not start otherwise). 503 while any check
 *   fails, with the checks in the body, so a load balancer sends traffic elsewhere.
 *
 * A store that does not answer within the probe's time counts as unreachable. The reason a
 * check fails (a driver's message may name internal hosts) goes to the log when the state
 * changes, not into the body, which names only the check.
 */
import type { StoreHealth } from "../../platform/store/store.js";
import type { Logger } from "../../vocabulary/ports.js";

export interface Readiness {
  readonly ready: boolean;
  readonly checks: {
    readonly store: "reachable" | "unreachable";
    readonly migrations: "current" | "pending" | "newer" | "unknown";
    readonly rootKey: "verified";
  };
  /** One line saying what failed, for the 503's message. */
  readonly problem?: string;
}

export type ReadinessCheck = () => Promise<Readiness>;

export interface ReadinessSources {
  readonly store: { health(): Promise<StoreHealth> };
  readonly log: Logger;
  /** How long the store has to answer; 2 s unless given. */
  readonly timeoutMs?: number;
}

class Timeout extends Error {}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/**
 * The readiness check of a started Trent. The root key is verified before anything listens
 * (domain/root-keys.ts), so a Trent that answers has passed that check.
 */
export function readinessCheck(sources: ReadinessSources): ReadinessCheck {
  const timeoutMs = sources.timeoutMs ?? 2000;
  let lastProblem: string | undefined;
  const report = (readiness: Readiness, reason?: string) => {
    if (readiness.problem !== lastProblem) {
      if (readiness.problem === undefined) sources.log.info("ready again");
      else sources.log.warn(`not ready: ${readiness.problem}`, { reason });
      lastProblem = readiness.problem;
    }
    return readiness;
  };
  return async () => {
    let health: StoreHealth;
    try {
      health = await within(sources.store.health(), timeoutMs);
    } catch (error) {
      return report(
        {
          ready: false,
          checks: { store: "unreachable", migrations: "unknown", rootKey: "verified" },
          problem: "the store did not answer",
        },
        error instanceof Error ? error.message : String(error),
      );
    }
    if (health.unknownMigrations.length > 0)
      return report({
        ready: false,
        checks: { store: "reachable", migrations: "newer", rootKey: "verified" },
        problem: `the database has migrations this Trent does not know (${health.unknownMigrations.join(", ")}): a newer Trent upgraded it`,
      });
    if (health.pendingMigrations.length > 0)
      return report({
        ready: false,
        checks: { store: "reachable", migrations: "pending", rootKey: "verified" },
        problem: `the database lacks migrations (${health.pendingMigrations.join(", ")})`,
      });
    return report({
      ready: true,
      checks: { store: "reachable", migrations: "current", rootKey: "verified" },
    });
  };
}
