/**
 * The console's key list at scale: a compiled Trent (as `npm start` runs it) whose SQLite store
 * holds 100,000 keys of one account and Region (written straight into its store file beside the
 * running server: rows only, no key material, which the list never reads), and the key list page
 * fetched as a signed-in browser would: the first page, a deep page (after the 99,000th key),
 * and first pages of a rare state, an alias text, a tag and two filters together. Each page is
 * fetched sequentially (after one pass over all of them to warm up), the median and p90 of the
 * measured requests are reported, and each
 * against the unfiltered first page of the same run: a keyset page should cost about what the
 * first page does however deep or narrow it is.
 */
import { openSqliteStore } from "../src/platform/store/sqlite.js";
import type { KeyRecord } from "../src/vocabulary/key-records.js";
import type { ChildProcesses } from "./servers.js";
import { startTrent } from "./servers.js";

export interface ConsolePageRow {
  readonly page: string;
  readonly path: string;
  /** Keys on the page. */
  readonly rows: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly requests: number;
}

export interface ConsoleRun {
  readonly keys: number;
  readonly rows: readonly ConsolePageRow[];
}

const account = "111122223333";
const region = "us-east-1";

function keyIdOf(n: number): string {
  const hex = n.toString(16).padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4000-8000-${hex.padStart(12, "0")}`;
}

function keyOf(n: number): KeyRecord {
  const keyId = keyIdOf(n);
  return {
    arn: `arn:aws:kms:${region}:${account}:key/${keyId}`,
    keyId,
    accountId: account,
    region,
    creationDate: new Date(1_700_000_000_000 + n * 1000),
    description: `bench key ${n}`,
    keyUsage: n % 10 === 0 ? "SIGN_VERIFY" : "ENCRYPT_DECRYPT",
    keySpec: n % 10 === 0 ? "ECC_NIST_P256" : "SYMMETRIC_DEFAULT",
    origin: "AWS_KMS",
    keyManager: "CUSTOMER",
    // One key in a thousand disabled: a rare state, where a filter must not walk every key.
    keyState: n % 1000 === 7 ? "Disabled" : "Enabled",
    deletionDate: undefined,
    pendingDeletionWindowInDays: undefined,
    multiRegion: false,
    multiRegionKeyType: undefined,
    customKeyStoreId: undefined,
    policy: '{"Version":"2012-10-17","Statement":[]}',
    currentKeyMaterialId: undefined,
  };
}

async function fill(dataDir: string, keys: number): Promise<void> {
  const store = await openSqliteStore(dataDir);
  try {
    const batch = 5000;
    for (let start = 0; start < keys; start += batch)
      await store.transaction(async (tx) => {
        for (let n = start; n < Math.min(keys, start + batch); n++) {
          const key = keyOf(n);
          await tx.keys.insert(key);
          // One alias in a hundred keys, one tag in fifty.
          if (n % 100 === 3)
            await tx.aliases.insert({
              accountId: account,
              region,
              aliasName: `alias/service-${n}`,
              targetKeyId: key.keyId,
              creationDate: key.creationDate,
              lastUpdatedDate: key.creationDate,
            });
          if (n % 50 === 1)
            await tx.tags.put(key.arn, [
              { key: "team", value: n % 100 === 1 ? "payments" : "search" },
            ]);
        }
      });
  } finally {
    await store.close();
  }
}

async function signIn(url: string): Promise<string> {
  const res = await fetch(`${url}/console/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: url },
    body: "region=us-east-1",
  });
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0];
  if (res.status !== 303 || !cookie) throw new Error(`console sign-in answered ${res.status}`);
  return cookie;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

async function measure(url: string, cookie: string, page: string, path: string, requests: number) {
  const timings: number[] = [];
  let rows = 0;
  for (let i = 0; i < requests + 3; i++) {
    const started = performance.now();
    const res = await fetch(`${url}${path}`, { headers: { cookie } });
    const body = await res.text();
    const elapsed = performance.now() - started;
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    rows = (body.match(/<tr>\s*<td class="mono"><a href="\/console\/keys\//g) ?? []).length;
    // The first three warm the caches and compiled statements.
    if (i >= 3) timings.push(elapsed);
  }
  timings.sort((a, b) => a - b);
  return {
    page,
    path,
    rows,
    medianMs: quantile(timings, 0.5),
    p90Ms: quantile(timings, 0.9),
    requests,
  };
}

export async function benchConsole(
  children: ChildProcesses,
  repoRoot: string,
  options: {
    readonly keys: number;
    readonly requests: number;
    readonly progress: (m: string) => void;
  },
): Promise<ConsoleRun> {
  const trent = await startTrent(children, repoRoot, {}, "Trent (console)");
  try {
    options.progress(`console: writing ${options.keys} keys into ${trent.dataDir}`);
    await fill(trent.dataDir as string, options.keys);
    const cookie = await signIn(trent.url);
    const deep = keyIdOf(Math.floor(options.keys * 0.99) - 1);
    const pages: [string, string][] = [
      ["first page", "/console/keys"],
      [`deep page (after key ${Math.floor(options.keys * 0.99)})`, `/console/keys?after=${deep}`],
      ["state Disabled (1 in 1000)", "/console/keys?state=Disabled"],
      ["spec ECC_NIST_P256 (1 in 10)", "/console/keys?spec=ECC_NIST_P256"],
      ["alias contains service-9", "/console/keys?alias=service-9"],
      ["tag team=payments (1 in 100)", "/console/keys?tag=team%3Dpayments"],
      [
        "tag team=payments, usage SIGN_VERIFY (none)",
        "/console/keys?tag=team%3Dpayments&usage=SIGN_VERIFY",
      ],
    ];
    // One pass over every page first: the server settles after the bulk write (its WAL
    // checkpoint, SQLite's page cache) before any row is measured, so the first row is not
    // measured on a colder server than the others.
    for (const [page, path] of pages) await measure(trent.url, cookie, page, path, 1);
    const rows: ConsolePageRow[] = [];
    for (const [page, path] of pages) {
      options.progress(`console: ${page}`);
      rows.push(await measure(trent.url, cookie, page, path, options.requests));
    }
    return { keys: options.keys, rows };
  } finally {
    await trent.stop();
  }
}

export function consoleSection(run: ConsoleRun): string[] {
  const first = run.rows[0];
  const lines = [
    `## The console's key list at ${run.keys.toLocaleString("en-US")} keys`,
    "",
    "GET /console/keys as a signed-in browser would fetch it (one ListKeys call to authorize, one " +
      "keyset query, the page's aliases, the HTML), sequential requests after three to warm up; " +
      "ratio against the unfiltered first page of the same run.",
    "",
    "| page | keys shown | requests | median ms | p90 ms | ÷ first page |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const row of run.rows)
    lines.push(
      `| ${row.page} | ${row.rows} | ${row.requests} | ${row.medianMs.toFixed(2)} | ` +
        `${row.p90Ms.toFixed(2)} | ${first ? (row.medianMs / first.medianMs).toFixed(2) : "n/a"}× |`,
    );
  lines.push("");
  return lines;
}
