/**
 * The package's entry (`import ... from "trent-kms"`). `startTrent` is the embedding API for
 * test suites (embed.ts); `startTrentServer` is the composition root's own start (app.ts), for
 * embedders who build a full TrentConfig and inject a clock, randomness or a store.
 */

export { startTrent as startTrentServer, type Trent, type TrentOptions } from "./app.js";
export {
  type EmbeddedTrent,
  type KmsClientConfig,
  type SeedSource,
  type StartTrentOptions,
  startTrent,
} from "./embed.js";
export {
  ConfigError,
  configFromEnv,
  type SettingOptions,
  settings,
  type TrentConfig,
  withDefaults,
} from "./vocabulary/config.js";
