/**
 * A real browser for the console's tests and screenshots: playwright-core driving Debian's
 * chromium (apt-get install chromium), never a browser build downloaded by Playwright. Also
 * the accessibility check: axe-core, injected from node_modules.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type Browser, chromium, type Page } from "playwright-core";

export const chromiumPath = process.env.TRENT_TEST_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Why the browser tests cannot run here, or undefined when they can. Under CI (`.ci/run`
 * installs chromium) a missing browser is an error, so the test cannot pass by being skipped.
 */
export function browserSkipReason(): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  const reason = `${chromiumPath} not found: install Debian's chromium (apt-get install chromium) or set TRENT_TEST_CHROMIUM`;
  if (process.env.CI) throw new Error(reason);
  return reason;
}

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

/**
 * The page's serious and critical accessibility violations (WCAG 2 A and AA rules). axe runs
 * through the DevTools protocol, which the console's Content-Security-Policy does not govern.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run(options: unknown): Promise<{ violations: unknown[] }> };
      }
    ).axe;
    const result = await axe.run({
      runOnly: {
        type: "tag",
        values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
      },
    });
    return result.violations as AxeViolation[];
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}
