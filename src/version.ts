/**
 * Trent's version, from its package.json: `trent --version`, the start-up lines and
 * `GET /_trent/status` report it. Found by walking up from this module, which sits at src/ in a
 * checkout run through tsx and at dist/src/ in a build or an installed package.
 */
import { readFileSync } from "node:fs";

export function trentVersion(): string {
  let dir = new URL("./", import.meta.url);
  for (let depth = 0; depth < 4; depth += 1) {
    try {
      const manifest = JSON.parse(readFileSync(new URL("package.json", dir), "utf8")) as {
        name?: unknown;
        version?: unknown;
      };
      if (manifest.name === "trent-kms" && typeof manifest.version === "string")
        return manifest.version;
    } catch {
      // No package.json at this level: look one up.
    }
    dir = new URL("../", dir);
  }
  return "unknown";
}
