/**
 * `npm start`: exactly `trent serve`, so both print the same start-up lines and take the same
 * variables and flags (`npm start -- --port 9000`). Defaults: SQLite in ./data, 127.0.0.1:8080.
 */
import { openTrent, startTrent } from "./app.js";
import { isClusterWorker, startPrimary, startWorker } from "./cluster.js";
import { runTrentCommand, trentProgram } from "./front-doors/cli/program.js";
import { trentVersion } from "./version.js";

await runTrentCommand(
  trentProgram({
    startTrent,
    openTrent,
    cluster: { isWorker: isClusterWorker, startPrimary, startWorker },
    version: trentVersion(),
  }),
  ["serve", ...process.argv.slice(2)],
);
