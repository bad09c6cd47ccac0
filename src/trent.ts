#!/usr/bin/env node
/** The `trent` command: the command line of front-doors/cli, given startTrent to serve with. */
import { openTrent, startTrent } from "./app.js";
import { trentProgram } from "./front-doors/cli/program.js";
import { ConfigError } from "./vocabulary/config.js";

trentProgram(startTrent, openTrent)
  .parseAsync()
  .catch((error: unknown) => {
    const message =
      error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`trent: ${message}\n`);
    process.exit(1);
  });
