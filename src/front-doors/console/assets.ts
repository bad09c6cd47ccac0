/**
 * The console's stylesheet and script, served by Trent itself (no CDN: the console works
 * air-gapped, and the Content-Security-Policy admits nothing from elsewhere). They are text in
 * this module rather than files so the npm package, which ships only compiled JavaScript,
 * carries them. The script is an enhancement only: every page works without it.
 */

export const consoleCss = `
:root { color-scheme: light; --ink: #16191f; --muted: #545b64; --line: #d5dbdb; --accent: #0b5fa5;
  --bad: #b0231a; --good: #1d6b2f; --bg: #f4f6f8; font-family: system-ui, -apple-system, "Segoe UI",
  Roboto, "Noto Sans", sans-serif; font-size: 15px; line-height: 1.45; color: var(--ink); }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible,
textarea:focus-visible, summary:focus-visible { outline: 3px solid #f0a020; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem; }
.skip:focus { left: .5rem; z-index: 10; }
header.top { background: #232f3e; color: #fff; display: flex; gap: 1.5rem; align-items: center;
  padding: .6rem 1.2rem; flex-wrap: wrap; }
header.top a { color: #fff; text-decoration: none; }
header.top .brand { font-weight: 700; font-size: 1.1rem; }
header.top nav ul { list-style: none; display: flex; gap: 1rem; margin: 0; padding: 0; }
header.top nav a[aria-current="page"] { text-decoration: underline; text-underline-offset: 4px; }
header.top .who { margin-left: auto; font-size: .85rem; display: flex; gap: .8rem; align-items: center; }
header.top .who button { background: transparent; color: #fff; border: 1px solid #aab7b8; }
main { max-width: 1400px; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
h1 { font-size: 1.5rem; margin: .6rem 0 1rem; word-break: break-all; }
h2 { font-size: 1.15rem; margin: 0 0 .6rem; }
section.panel { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 1rem;
  margin-bottom: 1rem; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #fafafa; font-weight: 600; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
td.mono, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .85rem;
  overflow-wrap: anywhere; }
h1 .mono { font-size: inherit; }
td.time { white-space: nowrap; }
tr.record > td { border-bottom: none; }
tr.record-json > td { padding-top: 0; font-size: .85rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
dl.facts dt { font-weight: 600; color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
form.inline { display: inline; }
label.grow { flex: 1; }
label.wide { flex: 1 1 100%; }
form.row { display: flex; gap: .6rem; flex-wrap: wrap; align-items: flex-end; margin: .4rem 0; }
form.row label, .field label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted);
  gap: .2rem; }
.field { margin-bottom: .7rem; }
input, select, textarea { font: inherit; padding: .35rem .45rem; border: 1px solid #879596; border-radius: 4px;
  background: #fff; color: var(--ink); }
textarea { width: 100%; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .85rem; }
button, .button { font: inherit; padding: .4rem .9rem; border-radius: 4px; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
.alert { border: 2px solid var(--bad); background: #fdf3f2; color: var(--bad); padding: .6rem .8rem;
  border-radius: 4px; margin: .6rem 0; }
.notice { border: 2px solid var(--good); background: #f2f8f3; color: var(--good); padding: .6rem .8rem;
  border-radius: 4px; margin: .6rem 0; }
.state { display: inline-block; padding: 0 .45rem; border-radius: 10px; font-size: .8rem; border: 1px solid; }
.state-Enabled { color: var(--good); }
.state-Disabled, .state-PendingDeletion, .state-PendingReplicaDeletion, .state-Unavailable { color: var(--bad); }
.muted { color: var(--muted); }
.pager { display: flex; gap: 1rem; margin: .8rem 0; align-items: center; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 1rem; }
details > summary { cursor: pointer; color: var(--accent); }
pre { white-space: pre-wrap; word-break: break-all; background: #f7f7f7; padding: .5rem; margin: .3rem 0;
  font-size: .8rem; }
fieldset { border: 1px solid var(--line); border-radius: 4px; }
fieldset.ops { display: flex; flex-wrap: wrap; gap: .3rem 1rem; }
fieldset.ops label { flex-direction: row; align-items: center; gap: .3rem; color: var(--ink); }
.sign-in { max-width: 420px; margin: 3rem auto; }
.sign-in input { width: 100%; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
`;

/**
 * The live tail of the audit view: while its switch is on, asks the server every two seconds for
 * the records after the last one shown (an HTML fragment the server escaped) and puts them on
 * top. Nothing here builds markup from data.
 */
export const consoleJs = `
(function () {
  var toggle = document.getElementById("live-tail");
  var body = document.getElementById("audit-rows");
  var status = document.getElementById("tail-status");
  if (!toggle || !body) return;
  var timer = null;
  var position = body.getAttribute("data-position") || "0";
  function poll() {
    var url = new URL(toggle.getAttribute("data-tail-url"), location.href);
    url.searchParams.set("after", position);
    fetch(url, { credentials: "same-origin", headers: { accept: "text/html" } })
      .then(function (res) {
        if (!res.ok) throw new Error("the server answered " + res.status);
        var next = res.headers.get("x-trent-audit-position");
        return res.text().then(function (text) { return { text: text, next: next }; });
      })
      .then(function (got) {
        if (got.next) position = got.next;
        if (got.text.trim() !== "") {
          body.insertAdjacentHTML("afterbegin", got.text);
          var empty = document.getElementById("audit-empty");
          if (empty) empty.remove();
        }
        if (status) status.textContent = "Following: checked at " + new Date().toLocaleTimeString();
      })
      .catch(function (error) {
        if (status) status.textContent = "Live tail stopped: " + error.message;
        stop();
      });
  }
  function start() { poll(); timer = setInterval(poll, 2000); }
  function stop() { if (timer) clearInterval(timer); timer = null; toggle.checked = false; }
  toggle.addEventListener("change", function () {
    if (toggle.checked) start();
    else { stop(); if (status) status.textContent = "Live tail off"; }
  });
})();
`;
