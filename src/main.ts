/** `npm start`: Trent on its embedded default (SQLite in ./data, 127.0.0.1:8080) or as configured. */
import { startTrent } from "./app.js";
import { ConfigError, configFromEnv, storeLocation } from "./vocabulary/config.js";

try {
  const config = configFromEnv();
  const trent = await startTrent(config);
  const stop = () => {
    trent.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // Before the listening line: whoever waits for it may signal at once.
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  process.stderr.write(`${trent.rootKeys}\n`);
  process.stdout.write(
    `Trent listening on ${trent.url} (account ${config.accountId}, region ${config.region}, auth ${config.authMode}, ${storeLocation(config)})\n`,
  );
} catch (error) {
  process.stderr.write(
    `trent: ${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
