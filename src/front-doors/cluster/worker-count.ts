/**
 * How many processes `trent serve` runs (TRENT_WORKERS): the number given, else one per core
 * the process may use (os.availableParallelism()). An in-memory store lives in one process's
 * memory, so it cannot be shared: there the default is 1, and asking for more is refused.
 */
import { availableParallelism } from "node:os";
import { ConfigError, nameOf, type TrentConfig } from "../../vocabulary/config.js";

export function workerCount(
  config: Pick<TrentConfig, "workers" | "dataDir" | "databaseUrl" | "settingNames">,
  cores: number = availableParallelism(),
): number {
  const inMemory = config.databaseUrl === undefined && config.dataDir === ":memory:";
  if (config.workers === undefined) return inMemory ? 1 : Math.max(1, cores);
  if (inMemory && config.workers > 1)
    throw new ConfigError(
      `${nameOf(config, "workers")} is ${config.workers}, but ${nameOf(config, "dataDir")} is :memory:, which one process holds alone: name a data directory (or a PostgreSQL database) for several workers, or use 1`,
    );
  return config.workers;
}
