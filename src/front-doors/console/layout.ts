/**
 * The frame of every console page: landmarks (header with navigation, main, a skip link),
 * who is signed in with a sign-out button, and the small pieces pages share (the CSRF field,
 * error and notice boxes, dates). Markup only; no KMS calls.
 */
import type { Caller } from "../../vocabulary/request.js";
import { type Html, type HtmlValue, html } from "./html.js";

export type Section = "keys" | "audit" | "sign-in";

export interface PageFrame {
  readonly title: string;
  readonly section: Section;
  /** Absent on the sign-in page. */
  readonly signedIn?: { readonly caller: Caller; readonly csrfToken: string };
  readonly body: HtmlValue;
  /** Pages with the live tail load the console's script. */
  readonly script?: boolean;
}

export const consoleBase = "/console";

export function csrfField(csrfToken: string): Html {
  return html`<input type="hidden" name="csrf" value="${csrfToken}">`;
}

/** A KMS error or refusal, announced to screen readers as it appears. */
export function errorBox(message: string | undefined): Html {
  return html`${message !== undefined && html`<div class="alert" role="alert"><strong>Error:</strong> ${message}</div>`}`;
}

export function noticeBox(message: string | undefined): Html {
  return html`${message !== undefined && html`<div class="notice" role="status">${message}</div>`}`;
}

/** A date as UTC to the second: the audit trail's resolution, readable in any locale. */
export function formatDate(date: Date | string | number | undefined): string {
  if (date === undefined) return "";
  const value = date instanceof Date ? date : new Date(date);
  if (Number.isNaN(value.getTime())) return String(date);
  return `${value.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

function navLink(section: Section, current: Section, href: string, label: string): Html {
  return html`<li><a href="${href}"${section === current ? html` aria-current="page"` : ""}>${label}</a></li>`;
}

export function page(frame: PageFrame): string {
  const who = frame.signedIn;
  return `<!doctype html>${
    html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · Trent console</title>
<link rel="stylesheet" href="${consoleBase}/assets/console.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="${consoleBase}/keys">Trent</a>
  ${
    who &&
    html`<nav aria-label="Console">
    <ul>
      ${navLink("keys", frame.section, `${consoleBase}/keys`, "Keys")}
      ${navLink("audit", frame.section, `${consoleBase}/audit`, "Audit trail")}
    </ul>
  </nav>
  <div class="who">
    <span><span class="visually-hidden">Signed in as </span><span class="mono">${who.caller.principalArn}</span> · ${who.caller.region}</span>
    <form class="inline" method="post" action="${consoleBase}/sign-out">
      ${csrfField(who.csrfToken)}
      <button type="submit">Sign out</button>
    </form>
  </div>`
  }
</header>
<main id="main" tabindex="-1">
${frame.body}
</main>
${frame.script && html`<script src="${consoleBase}/assets/console.js" defer></script>`}
</body>
</html>`.text
  }`;
}
