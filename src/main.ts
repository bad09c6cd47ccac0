/** `npm start`: Trent on its embedded default (SQLite in ./data, 127.0.0.1:8080) or as configured. */
import { startTrent } from "./app.js";
import { ConfigError, configFromEnv, storeLocation } from "./vocabulary/config.js";

try {
  const config = configFromEnv();
  const trent = await startTrent(config);
  process.stderr.write(`${trent.rootKeys}\n`);
  process.stdout.write(
    `Trent listening on ${trent.url} (account ${config.accountId}, region ${config.region}, auth ${config.authMode}, ${storeLocation(config)})\n`,
  );
  const stop = () => {
    trent.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
} catch (error) {
  process.stderr.write(
    `trent: ${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
