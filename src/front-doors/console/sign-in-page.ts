/** The sign-in page: access key id and secret in sigv4 mode, one button in open mode. */
import type { AuthMode } from "../../vocabulary/config.js";
import { html } from "./html.js";
import { consoleBase, errorBox, page } from "./layout.js";

export interface SignInView {
  readonly authMode: AuthMode;
  readonly region: string;
  readonly accessKeyId?: string;
  readonly error?: string;
  /** Why the visitor is here again (signed out, session expired). */
  readonly reason?: string;
}

export function signInPage(view: SignInView): string {
  const sigv4 = view.authMode === "sigv4";
  return page({
    title: "Sign in",
    section: "sign-in",
    body: html`<div class="sign-in">
  <section class="panel" aria-labelledby="sign-in-title">
    <h1 id="sign-in-title">Sign in to Trent</h1>
    ${view.reason && html`<p role="status">${view.reason}</p>`}
    ${errorBox(view.error)}
    <form method="post" action="${consoleBase}/sign-in">
      ${
        sigv4
          ? html`<p class="muted">Use an access key from the server's credentials file. Every action is a KMS request made as that identity, authorized and audited as the API's are.</p>
      <div class="field"><label for="access-key-id">Access key ID</label>
        <input id="access-key-id" name="accessKeyId" autocomplete="username" required spellcheck="false" value="${view.accessKeyId ?? ""}"></div>
      <div class="field"><label for="secret-access-key">Secret access key</label>
        <input id="secret-access-key" name="secretAccessKey" type="password" autocomplete="current-password" required></div>`
          : html`<p class="muted">This server runs in open mode: the console acts as the account root, and only from this machine (a loopback address).</p>`
      }
      <div class="field"><label for="region">Region</label>
        <input id="region" name="region" value="${view.region}" required spellcheck="false"></div>
      <button type="submit">${sigv4 ? "Sign in" : "Sign in as the account root"}</button>
    </form>
  </section>
</div>`,
  });
}
