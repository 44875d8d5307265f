/**
 * The account's stylesheet and script, served as files under /account/static/ so the CSP can forbid inline
 * styles and scripts. Kept as strings here so `tsc` ships them in dist/ without a copy step.
 */
export const APP_CSS = `
:root { --ink:#1d2430; --muted:#5b6576; --line:#dfe4ec; --bg:#f5f7fa; --card:#fff; --brand:#1d4ed8; --brand-ink:#fff;
  --danger:#b91c1c; --ok:#166534; --warn-bg:#fff7e6; --warn-line:#f0b429; --focus:#f59e0b; }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: var(--bg); line-height: 1.5; }
body { margin: 0; min-height: 100vh; display: flex; flex-direction: column; }
a { color: var(--brand); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.skip { position: absolute; left: -9999px; top: 0; background: #fff; padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: 1rem; top: 1rem; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .75rem 1.5rem; background: #0f172a; color: #e2e8f0; }
.top a { color: #e2e8f0; text-decoration: none; }
.brand { font-weight: 700; font-size: 1.1rem; }
.brand span { font-weight: 400; color: #93c5fd; }
.top nav ul { display: flex; flex-wrap: wrap; gap: .25rem; list-style: none; margin: 0; padding: 0; }
.top nav a { display: block; padding: .35rem .75rem; border-radius: 6px; }
.top nav a:hover { background: #1e293b; }
.top nav a[aria-current="page"] { background: #1d4ed8; color: #fff; }
.logout { margin-left: auto; display: flex; align-items: center; gap: .75rem; }
.who { color: #94a3b8; font-size: .9rem; }
button.link { background: none; border: 1px solid #475569; color: #e2e8f0; padding: .3rem .75rem; border-radius: 6px; cursor: pointer; font: inherit; }
main { flex: 1; width: 100%; max-width: 1100px; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: .25rem 0 .75rem; }
h2 { font-size: 1.15rem; margin: 0 0 .75rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1.25rem 1.5rem; margin: 0 0 1.25rem; box-shadow: 0 1px 2px rgba(15,23,42,.04); }
.card.narrow { max-width: 560px; }
.card.center { margin: 2rem auto 1.25rem; max-width: 440px; }
.card.danger { border-color: #fecaca; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 0 1.25rem; }
.muted { color: var(--muted); }
.help { color: var(--muted); font-size: .9rem; margin: -.25rem 0 .25rem; }
.empty { color: var(--muted); font-style: italic; }
.stack { display: flex; flex-direction: column; gap: .4rem; }
.stack button { align-self: flex-start; margin-top: .5rem; }
.row { display: flex; align-items: center; gap: 1rem; }
label { font-weight: 600; }
label.check { font-weight: 400; display: inline-flex; align-items: center; gap: .4rem; margin-right: 1.25rem; }
fieldset { border: 1px solid var(--line); border-radius: 8px; padding: .5rem .9rem .75rem; margin: .5rem 0; }
legend { font-weight: 600; padding: 0 .25rem; }
input[type=email], input[type=password], input[type=text], input:not([type]), select { font: inherit; padding: .55rem .7rem; border: 1px solid #b8c1cf; border-radius: 6px; width: 100%; max-width: 28rem; background: #fff; color: var(--ink); }
button, .button { font: inherit; display: inline-block; padding: .55rem 1rem; border-radius: 6px; border: 1px solid #b8c1cf; background: #fff; color: var(--ink); cursor: pointer; text-decoration: none; }
button:hover, .button:hover { background: #f1f5f9; }
button.primary { background: var(--brand); border-color: var(--brand); color: var(--brand-ink); }
button.primary:hover { background: #1e40af; }
button.danger, .button.danger { background: var(--danger); border-color: var(--danger); color: #fff; }
.flash { padding: .75rem 1rem; border-radius: 8px; border: 1px solid; margin: 0 0 1rem; }
.flash.error { background: #fef2f2; border-color: #fca5a5; color: #7f1d1d; }
.flash.notice { background: #f0fdf4; border-color: #86efac; color: var(--ok); }
.flash.warn { background: var(--warn-bg); border-color: var(--warn-line); color: #78350f; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: .55rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.warn-row td { background: #fff7f7; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9rem; }
code { background: #f1f5f9; padding: .1rem .35rem; border-radius: 4px; word-break: break-all; }
code.secret { background: #fef9c3; }
pre { background: #0f172a; color: #e2e8f0; padding: 1rem; border-radius: 8px; white-space: pre-wrap; overflow-wrap: anywhere; }
pre code { background: none; color: inherit; padding: 0; word-break: break-all; }
code.hint { background: none; padding: 0; }
form.expire { margin-top: 1rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .5rem 1.5rem; margin: 0; }
dl.facts dt { font-weight: 600; color: var(--muted); }
dl.facts dd { margin: 0; }
ul.plain { list-style: none; margin: 0; padding: 0; }
.badge { display: inline-block; font-size: .75rem; padding: .05rem .45rem; border-radius: 999px; background: #fef3c7; color: #92400e; }
.crumbs { margin: 0; color: var(--muted); }
/* Webhook URLs are long and unbroken: let them wrap anywhere rather than widen a table or a phone's page. */
td, .crumbs a { overflow-wrap: anywhere; }
.subnav a[aria-current="page"] { font-weight: 600; color: inherit; text-decoration: none; }
.pager { display: flex; gap: 1rem; align-items: center; margin-top: .75rem; }
.subnav { margin: -.25rem 0 1rem; }
.copy[data-copied] { border-color: var(--ok); color: var(--ok); }
.chart { margin: 0; }
.chart svg { width: 100%; height: auto; display: block; }
.chart figcaption { color: var(--muted); font-size: .9rem; margin-top: .4rem; }
.key { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; vertical-align: -1px; margin-left: .5rem; }
.key.issued { background: #2563eb; }
.key.failed { background: #dc2626; }
.foot { text-align: center; color: var(--muted); font-size: .85rem; padding: 1rem; }
.card dl + h2 { margin-top: 1.5rem; }
h3 { font-size: 1rem; margin: 1.25rem 0 .5rem; }
figure.qr { margin: .5rem 0 1rem; }
svg.qr { display: block; width: 12rem; height: 12rem; max-width: 100%; }
th.num { text-align: right; }
@media (max-width: 640px) {
  table.stack-on-mobile thead { position: absolute; left: -9999px; }
  table.stack-on-mobile tr { display: block; border-bottom: 1px solid var(--line); padding: .5rem 0; }
  table.stack-on-mobile td { display: grid; grid-template-columns: 7.5rem 1fr; gap: .5rem; border: 0; padding: .2rem 0; text-align: left; }
  table.stack-on-mobile td::before { content: attr(data-label); font-weight: 600; color: var(--muted); font-size: .85rem; }
  table.stack-on-mobile td.num { text-align: left; }
  .card { padding: 1rem; }
  main { padding: 1rem; }
  .top { padding: .75rem 1rem; }
  .logout { margin-left: 0; }
  dl.facts { grid-template-columns: 1fr; gap: .1rem; }
  dl.facts dd { margin-bottom: .5rem; }
}
`;

/** Copy buttons (progressive enhancement) and the passkey ceremonies (WebAuthn needs a script). */
export const APP_JS = `
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('button.copy[data-copy]').forEach(function (button) {
    var target = document.getElementById(button.getAttribute('data-copy'));
    if (!target || !navigator.clipboard) return;
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener('click', function () {
      navigator.clipboard.writeText(target.textContent).then(function () {
        button.textContent = 'Copied';
        button.setAttribute('data-copied', '');
        setTimeout(function () { button.textContent = label; button.removeAttribute('data-copied'); }, 2000);
      }, function () { button.textContent = 'Select and copy'; });
    });
  });
  // Passkeys (WebAuthn): fetch the server's options, run the browser's ceremony, send its answer with the form.
  document.querySelectorAll('form[data-passkey]').forEach(function (form) {
    var PKC = window.PublicKeyCredential;
    if (!PKC || !PKC.parseCreationOptionsFromJSON || !PKC.parseRequestOptionsFromJSON) return;
    form.hidden = false;
    var create = form.getAttribute('data-passkey') === 'create';
    var status = form.querySelector('[data-passkey-status]');
    var busy = false;
    form.addEventListener('submit', function (event) {
      if (form.elements.response.value !== '') return;
      event.preventDefault();
      if (busy) return;
      busy = true;
      status.textContent = 'Waiting for your passkey…';
      fetch(form.getAttribute('data-options'), { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': form.elements._csrf.value, Accept: 'application/json' } })
        .then(function (r) { if (!r.ok) throw new Error('options'); return r.json(); })
        .then(function (options) {
          return create
            ? navigator.credentials.create({ publicKey: PKC.parseCreationOptionsFromJSON(options) })
            : navigator.credentials.get({ publicKey: PKC.parseRequestOptionsFromJSON(options) });
        })
        .then(function (credential) {
          form.elements.response.value = JSON.stringify(credential.toJSON());
          form.submit();
        })
        .catch(function () {
          busy = false;
          status.textContent = create ? 'No passkey was created. Try again.' : 'The passkey was not used. Try again, or enter a code.';
        });
    });
  });
});
`;

/** /favicon.ico: a 32×32 key on the brand blue, one PNG inside an ICO container (207 bytes). */
export const FAVICON_ICO = Buffer.from(
  'AAABAAEAICAAAAEAIAC5AAAAFgAAAIlQTkcNChoKAAAADUlIRFIAAAAgAAAAIAgGAAAAc3p69AAAAIBJREFUeNpjYMABZP1u/KcmZiAGUNtSkhxDL8uxOoLelmM4YmQ7YKAshzti1AFDygEgQHcH4AM0dwAxgGYOIAXQ3AGUOhCfOYPTAcRoHN4hQKoDcMnh4tM8F1DFAZSUA1RzALklIVUdMOB1wWh1PKzbhaPN8sHTNRsUndOB6p4DAGDrgP4gFLekAAAAAElFTkSuQmCC',
  'base64',
);
