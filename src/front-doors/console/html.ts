/**
 * HTML by tagged template: every interpolated value is escaped unless it is already Html (made
 * by `html` itself or, for trusted constant text only, by `trustedHtml`). Arrays are joined,
 * and undefined, null and false render as nothing, so conditionals and lists read naturally.
 * The console never builds markup any other way, which is what keeps key descriptions, alias
 * names, policies and audit records (all written by callers) inert on the page.
 */

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

const entities: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c] as string);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.text;
  if (value === undefined || value === null || value === false) return "";
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let out = strings[0] ?? "";
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? "");
  });
  return new Html(out);
}

/** Constant markup written in this folder; never a caller's text. */
export function trustedHtml(text: string): Html {
  return new Html(text);
}
