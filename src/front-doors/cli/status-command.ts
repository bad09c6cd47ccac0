/**
 * `trent status`: asks a running Trent (GET /_trent/status) whether it is up and how it runs:
 * version, store, auth mode, key count, account and Region. In sigv4 mode the server tells no
 * more than that it is up and wants signatures (see front-doors/http/server.ts). Exits 1 when
 * nothing answers, or something that is not Trent does.
 */
import type { Command } from "commander";
import { configFromInputs, settingInputsFromEnv } from "../../vocabulary/config.js";
import type { StatusReport } from "../http/server.js";

/** Where `trent serve` with the same variables would listen; a wildcard address means here. */
function defaultEndpoint(): string {
  const config = configFromInputs(settingInputsFromEnv(), "env");
  const host = ["0.0.0.0", "::", "[::]", ""].includes(config.host)
    ? "127.0.0.1"
    : config.host.includes(":") && !config.host.startsWith("[")
      ? `[${config.host}]`
      : config.host;
  return `http://${host}:${config.port}`;
}

type StatusAnswer = { readonly status: "ok" } & Partial<StatusReport>;

function isStatusAnswer(body: unknown): body is StatusAnswer {
  return typeof body === "object" && body !== null && (body as StatusAnswer).status === "ok";
}

function describe(endpoint: string, answer: StatusAnswer): string[] {
  if (answer.version === undefined)
    return [
      `Trent is up at ${endpoint}`,
      `  auth      ${answer.authMode ?? "unknown"}: version, store and key count are shown only in open mode`,
    ];
  return [
    `Trent ${answer.version} is up at ${endpoint}`,
    `  store     ${answer.store?.engine} ${answer.store?.location}`,
    `  auth      ${answer.authMode}`,
    `  keys      ${answer.keys}`,
    `  account   ${answer.accountId}, region ${answer.region}`,
  ];
}

function reason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code !== undefined) return cause.code;
  if (error instanceof Error && error.name === "TimeoutError") return "no answer within 5 s";
  return error instanceof Error ? error.message : String(error);
}

export function addStatusCommand(program: Command): void {
  program
    .command("status")
    .description(
      "ask a running Trent whether it is up and how it runs: version, store, auth mode, key count",
    )
    .option(
      "--endpoint <url>",
      "Trent's URL (default: http://TRENT_HOST:TRENT_PORT, i.e. http://127.0.0.1:8080)",
    )
    .option("--json", "print the server's answer as it came, as JSON")
    .action(async (flags: { endpoint?: string; json?: boolean }) => {
      const endpoint = (flags.endpoint ?? defaultEndpoint()).replace(/\/+$/, "");
      let url: URL;
      try {
        url = new URL("/_trent/status", endpoint);
      } catch {
        throw new Error(`--endpoint is not a URL: '${endpoint}'`);
      }
      let response: Response;
      try {
        response = await fetch(url, { signal: AbortSignal.timeout(5000) });
      } catch (error) {
        process.stderr.write(`trent: no Trent answers at ${endpoint} (${reason(error)})\n`);
        process.exitCode = 1;
        return;
      }
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (response.status !== 200 || !isStatusAnswer(body)) {
        process.stderr.write(
          `trent: something answers at ${endpoint}, but not as Trent does (HTTP ${response.status} to GET /_trent/status)\n`,
        );
        process.exitCode = 1;
        return;
      }
      process.stdout.write(
        flags.json === true ? `${text}\n` : `${describe(endpoint, body).join("\n")}\n`,
      );
    });
}
