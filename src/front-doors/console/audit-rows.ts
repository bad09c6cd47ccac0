/**
 * One audit record as a table row (with its whole JSON behind a disclosure), shared by the audit
 * view, the live tail's fragments and a key's recent activity. Records are read loosely: service
 * events and API calls differ in shape, and the row shows what a record has.
 */
import type { AuditRecord } from "../../platform/audit/cloudtrail-record.js";
import { type Html, html } from "./html.js";
import { formatDate } from "./layout.js";

type Loose = Readonly<Record<string, unknown>>;

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** Who acted: the caller's ARN, or who invoked a service event. */
export function actorOf(record: Loose): string {
  const identity = record.userIdentity as Loose | undefined;
  return text(identity?.arn) || text(identity?.invokedBy) || text(identity?.type);
}

function resourcesOf(record: Loose): string[] {
  const resources = record.resources;
  if (!Array.isArray(resources)) return [];
  return resources.map((resource: Loose) => text(resource?.ARN)).filter((arn) => arn !== "");
}

export const auditHeader = html`<tr><th scope="col">Time</th><th scope="col">Operation</th><th scope="col">Caller</th><th scope="col">Resources</th><th scope="col">Error</th><th scope="col">Source</th></tr>`;

/** Two rows: the record's facts, then its whole JSON behind a disclosure, full width. */
export function auditRow(record: AuditRecord): Html {
  const loose = record as unknown as Loose;
  const error = text(loose.errorCode);
  return html`<tr class="record">
  <td class="time">${formatDate(text(loose.eventTime))}</td>
  <td>${text(loose.eventName)}</td>
  <td class="mono">${actorOf(loose)}</td>
  <td class="mono">${resourcesOf(loose).map((arn, i) => html`${i > 0 && html`<br>`}${arn}`)}</td>
  <td>${error !== "" && html`<strong>${error}</strong><br><span class="muted">${text(loose.errorMessage)}</span>`}</td>
  <td class="mono">${text(loose.sourceIPAddress)}</td>
</tr>
<tr class="record-json"><td colspan="6"><details><summary>Record JSON<span class="visually-hidden"> of ${text(loose.eventName)} request ${text(loose.requestID) || text(loose.eventID)}</span></summary><pre>${JSON.stringify(record, null, 2)}</pre></details></td></tr>`;
}
