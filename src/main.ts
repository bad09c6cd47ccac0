/** `npm start`: Trent on its embedded default (SQLite in ./data, 127.0.0.1:8080) or as configured. */
import { startTrent } from "./app.js";
import { serveUntilStopped } from "./front-doors/cli/serving.js";
import { ConfigError, configFromEnv, storeLocation } from "./vocabulary/config.js";

try {
  const config = configFromEnv();
  const trent = await startTrent(config);
  serveUntilStopped(
    trent,
    `account ${config.accountId}, region ${config.region}, auth ${config.authMode}, ${storeLocation(config)}`,
    config.tlsCertFile !== undefined,
  );
} catch (error) {
  process.stderr.write(
    `trent: ${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
