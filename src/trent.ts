#!/usr/bin/env node
/** The `trent` command: the command line of front-doors/cli, given startTrent to serve with. */
import { openTrent, startTrent } from "./app.js";
import { runTrentCommand, trentProgram } from "./front-doors/cli/program.js";
import { trentVersion } from "./version.js";

await runTrentCommand(
  trentProgram({ startTrent, openTrent, version: trentVersion() }),
  process.argv.slice(2),
);
