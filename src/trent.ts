#!/usr/bin/env node
/** The `trent` command: the command line of front-doors/cli, given startTrent to serve with. */
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
  process.argv.slice(2),
);
