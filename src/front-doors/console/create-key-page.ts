/**
 * The create-key form: every key spec and usage the model knows (KMS itself refuses pairs that
 * do not fit, and the page shows its message), origin, description, multi-Region, and an
 * optional alias and tags made right after the key.
 */
import { enumValues } from "../../vocabulary/model.js";
import type { Caller } from "../../vocabulary/request.js";
import { type Html, html } from "./html.js";
import { consoleBase, csrfField, errorBox, page } from "./layout.js";

export interface CreateKeyView {
  readonly caller: Caller;
  readonly csrfToken: string;
  readonly values: Readonly<Record<string, string>>;
  readonly error?: string;
}

function select(
  id: string,
  name: string,
  label: string,
  values: readonly string[],
  chosen: string,
): Html {
  return html`<div class="field"><label for="${id}">${label}</label>
    <select id="${id}" name="${name}">${values.map(
      (value) => html`<option${value === chosen ? html` selected` : ""}>${value}</option>`,
    )}</select></div>`;
}

export function createKeyPage(view: CreateKeyView): string {
  const values = view.values;
  const value = (name: string, fallback = "") => values[name] ?? fallback;
  return page({
    title: "Create key",
    section: "keys",
    signedIn: { caller: view.caller, csrfToken: view.csrfToken },
    body: html`<p><a href="${consoleBase}/keys">← Keys</a></p>
<h1>Create key</h1>
${errorBox(view.error)}
<section class="panel" aria-labelledby="create-title">
  <h2 id="create-title">Key configuration</h2>
  <form method="post" action="${consoleBase}/keys">
    ${csrfField(view.csrfToken)}
    ${select("key-spec", "keySpec", "Key spec", enumValues("KeySpec"), value("keySpec", "SYMMETRIC_DEFAULT"))}
    ${select("key-usage", "keyUsage", "Key usage", enumValues("KeyUsageType"), value("keyUsage", "ENCRYPT_DECRYPT"))}
    ${select("origin", "origin", "Key material origin", ["AWS_KMS", "EXTERNAL"], value("origin", "AWS_KMS"))}
    <div class="field"><label for="description">Description</label>
      <textarea id="description" name="description" rows="2">${value("description")}</textarea></div>
    <div class="field"><label><input type="checkbox" name="multiRegion" value="true"${values.multiRegion === "true" ? html` checked` : ""}> Multi-Region primary key</label></div>
    <div class="field"><label for="alias">Alias (optional)</label>
      <input id="alias" name="aliasName" placeholder="alias/my-key" spellcheck="false" value="${value("aliasName")}"></div>
    <div class="field"><label for="tags">Tags (optional, one key=value a line)</label>
      <textarea id="tags" name="tags" rows="3" spellcheck="false">${value("tags")}</textarea></div>
    <button type="submit">Create key</button>
  </form>
</section>`,
  });
}
