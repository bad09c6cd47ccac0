/**
 * The audit view: filters (key, operation, caller, error, time range), newest first, one keyset
 * page at a time, each record's JSON, and a live tail that adds new records on top while on.
 * Times are typed and shown in UTC, as the trail records them.
 */
import type { AuditRecord } from "../../platform/audit/cloudtrail-record.js";
import type { Caller } from "../../vocabulary/request.js";
import { auditHeader, auditRow } from "./audit-rows.js";
import { html } from "./html.js";
import { consoleBase, errorBox, page } from "./layout.js";

export const auditFilterNames = ["key", "operation", "caller", "error", "since", "until"] as const;
export type AuditFilterName = (typeof auditFilterNames)[number];
export type AuditFilterText = Readonly<Record<AuditFilterName, string>>;

export interface AuditView {
  readonly caller: Caller;
  readonly csrfToken: string;
  readonly filters: AuditFilterText;
  readonly records: readonly AuditRecord[];
  readonly nextToken?: string;
  readonly paged: boolean;
  /** Where the live tail starts; absent when there is no index to follow. */
  readonly position?: number;
  readonly error?: string;
}

export function auditQueryString(
  filters: AuditFilterText,
  extra: Record<string, string> = {},
): string {
  const query = new URLSearchParams();
  for (const name of auditFilterNames) if (filters[name] !== "") query.set(name, filters[name]);
  for (const [name, value] of Object.entries(extra)) query.set(name, value);
  return query.toString();
}

function field(name: AuditFilterName, label: string, value: string, type = "text") {
  const id = `audit-${name}`;
  return html`<label for="${id}">${label}<input id="${id}" name="${name}" type="${type}" value="${value}" spellcheck="false"${type === "datetime-local" ? html` step="1"` : ""}></label>`;
}

export function auditPage(view: AuditView): string {
  const { filters } = view;
  const query = auditQueryString(filters);
  return page({
    title: "Audit trail",
    section: "audit",
    script: true,
    signedIn: { caller: view.caller, csrfToken: view.csrfToken },
    body: html`<h1>Audit trail</h1>
<section class="panel" aria-labelledby="audit-filters-title">
  <h2 id="audit-filters-title">Filter</h2>
  <form class="row" method="get" action="${consoleBase}/audit" role="search">
    ${field("key", "Key (id, ARN or alias)", filters.key)}
    ${field("operation", "Operation", filters.operation)}
    ${field("caller", "Caller ARN", filters.caller)}
    ${field("error", "Error code (or any)", filters.error)}
    ${field("since", "From (UTC)", filters.since, "datetime-local")}
    ${field("until", "To (UTC)", filters.until, "datetime-local")}
    <button type="submit">Apply</button>
    <a class="button secondary" href="${consoleBase}/audit">Clear</a>
  </form>
</section>
${errorBox(view.error)}
${
  view.position !== undefined &&
  !view.paged &&
  html`<p><label><input type="checkbox" id="live-tail" data-tail-url="${consoleBase}/audit/tail?${query}"> Follow new records live</label>
  <span id="tail-status" class="muted" role="status" aria-live="polite"></span></p>`
}
<table>
  <caption>Records, newest first${view.paged ? " (an older page)" : ""}</caption>
  <thead>${auditHeader}</thead>
  <tbody id="audit-rows" data-position="${view.position ?? 0}" aria-live="polite">
  ${view.records.map(auditRow)}
  </tbody>
</table>
${view.records.length === 0 && html`<p id="audit-empty" class="muted">No records match.</p>`}
<nav class="pager" aria-label="Pages">
  ${view.paged && html`<a href="${consoleBase}/audit${query === "" ? "" : `?${query}`}">Newest</a>`}
  ${view.nextToken !== undefined && html`<a rel="next" href="${consoleBase}/audit?${auditQueryString(filters, { page: view.nextToken })}">Older records</a>`}
</nav>`,
  });
}

/** The live tail's fragment: rows newest first, to go on top of the table. */
export function auditTailRows(records: readonly AuditRecord[]): string {
  return html`${[...records].reverse().map(auditRow)}`.text;
}
