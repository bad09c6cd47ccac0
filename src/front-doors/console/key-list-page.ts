/**
 * The key list: filters (state, spec, usage, origin, alias text, tag), one keyset page of keys
 * in key id order, and a link to the next page. A filter's choices are the model's enums, so
 * every value KMS knows is offered and nothing else.
 */
import type { KeyRecord } from "../../vocabulary/key-records.js";
import { enumValues } from "../../vocabulary/model.js";
import type { Caller } from "../../vocabulary/request.js";
import { type Html, html } from "./html.js";
import { consoleBase, errorBox, formatDate, page } from "./layout.js";

/** The list's query string, as typed; empty strings mean no filter. */
export interface KeyListFilters {
  readonly state: string;
  readonly spec: string;
  readonly usage: string;
  readonly origin: string;
  readonly alias: string;
  /** "key" or "key=value". */
  readonly tag: string;
}

export const filterNames = ["state", "spec", "usage", "origin", "alias", "tag"] as const;

export interface KeyListView {
  readonly caller: Caller;
  readonly csrfToken: string;
  readonly filters: KeyListFilters;
  readonly rows: readonly { readonly key: KeyRecord; readonly aliases: readonly string[] }[];
  /** The key id the next page starts after; absent on the last page. */
  readonly nextAfter?: string;
  /** Whether this is a later page (a link back to the first is shown). */
  readonly paged: boolean;
  readonly error?: string;
}

function select(name: string, label: string, values: readonly string[], chosen: string): Html {
  const id = `filter-${name}`;
  return html`<label for="${id}">${label}
    <select id="${id}" name="${name}">
      <option value="">Any</option>
      ${values.map((value) => html`<option${value === chosen ? html` selected` : ""}>${value}</option>`)}
    </select></label>`;
}

export function listQuery(filters: KeyListFilters, after?: string): string {
  const query = new URLSearchParams();
  for (const name of filterNames) if (filters[name] !== "") query.set(name, filters[name]);
  if (after !== undefined) query.set("after", after);
  const text = query.toString();
  return `${consoleBase}/keys${text === "" ? "" : `?${text}`}`;
}

export function keyListPage(view: KeyListView): string {
  const { filters } = view;
  return page({
    title: "Keys",
    section: "keys",
    signedIn: { caller: view.caller, csrfToken: view.csrfToken },
    body: html`<h1>Keys in ${view.caller.region}</h1>
<p><a class="button" href="${consoleBase}/keys/new">Create key</a></p>
<section class="panel" aria-labelledby="filters-title">
  <h2 id="filters-title">Filter</h2>
  <form class="row" method="get" action="${consoleBase}/keys" role="search">
    ${select("state", "State", enumValues("KeyState"), filters.state)}
    ${select("spec", "Key spec", enumValues("KeySpec"), filters.spec)}
    ${select("usage", "Key usage", enumValues("KeyUsageType"), filters.usage)}
    ${select("origin", "Origin", enumValues("OriginType"), filters.origin)}
    <label for="filter-alias">Alias contains<input id="filter-alias" name="alias" value="${filters.alias}" spellcheck="false"></label>
    <label for="filter-tag">Tag (key or key=value)<input id="filter-tag" name="tag" value="${filters.tag}" spellcheck="false"></label>
    <button type="submit">Apply</button>
    <a class="button secondary" href="${consoleBase}/keys">Clear</a>
  </form>
</section>
${errorBox(view.error)}
<table>
  <caption>${view.rows.length === 0 ? "No keys match." : `Keys ${view.paged ? "(a later page)" : ""}`}</caption>
  <thead><tr><th scope="col">Key ID</th><th scope="col">Aliases</th><th scope="col">Description</th><th scope="col">State</th><th scope="col">Key spec</th><th scope="col">Usage</th><th scope="col">Origin</th><th scope="col">Created</th></tr></thead>
  <tbody>
  ${view.rows.map(
    ({ key, aliases }) => html`<tr>
    <td class="mono"><a href="${consoleBase}/keys/${encodeURIComponent(key.keyId)}">${key.keyId}</a></td>
    <td class="mono">${aliases.map((alias, i) => html`${i > 0 && html`<br>`}${alias}`)}</td>
    <td>${key.description}</td>
    <td><span class="state state-${key.keyState}">${key.keyState}</span></td>
    <td>${key.keySpec}</td><td>${key.keyUsage}</td><td>${key.origin}</td>
    <td>${formatDate(key.creationDate)}</td>
  </tr>`,
  )}
  </tbody>
</table>
<nav class="pager" aria-label="Pages">
  ${view.paged && html`<a href="${listQuery(filters)}">First page</a>`}
  ${view.nextAfter !== undefined && html`<a href="${listQuery(filters, view.nextAfter)}" rel="next">Next page</a>`}
</nav>`,
  });
}
