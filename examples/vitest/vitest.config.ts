// One Trent for the whole run, started before any test file and stopped after the last.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["*.test.ts"],
    globalSetup: ["./trent-global-setup.ts"],
  },
});
