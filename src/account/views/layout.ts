import { newFormNonce } from '../form-once.js';
import { html, type SafeHtml } from '../html.js';
import type { Environment, MerchantRecord } from '../../storage/types.js';
import { envLabel } from './format.js';

interface PageOptions {
  title: string;
  /** Signed-in merchant: shows the navigation and the log-out button. */
  merchant?: MerchantRecord;
  csrf: string;
  /** Which navigation entry is current. */
  nav?: 'sandbox' | 'production' | 'activity' | 'settings';
  /** A message at the top of the page (error or notice). */
  flash?: { kind: 'error' | 'notice'; text: string };
}

const NAV: ReadonlyArray<[NonNullable<PageOptions['nav']>, string, string]> = [
  ['sandbox', '/account/sandbox', 'Sandbox'],
  ['production', '/account/production', 'Production'],
  ['activity', '/account/activity', 'Activity'],
  ['settings', '/account/settings', 'Settings'],
];

/** The page frame: skip link, header with navigation, main landmark. CSS and JS are files (CSP without inline). */
export function page(o: PageOptions, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · myPOS Web Account</title>
<link rel="stylesheet" href="/account/static/app.css">
<script src="/account/static/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/account">myPOS <span>Web Account</span></a>
  ${o.merchant
    ? html`<nav aria-label="Main">
    <ul>${NAV.map(([key, href, label]) => html`<li><a href="${href}"${o.nav === key ? html` aria-current="page"` : ''}>${label}</a></li>`)}</ul>
  </nav>
  <form method="post" action="/account/logout" class="logout">
    ${csrfField(o.csrf)}
    <span class="who">${o.merchant.email}</span>
    <button type="submit" class="link">Log out</button>
  </form>`
    : ''}
</header>
<main id="main">
${o.flash ? html`<p class="flash ${o.flash.kind}" role="${o.flash.kind === 'error' ? 'alert' : 'status'}">${o.flash.text}</p>` : ''}
${body}
</main>
<footer class="foot">Times are UTC.</footer>
</body>
</html>
`;
}

/** Credentials and webhooks are the two lists of an environment. */
export function environmentTabs(env: Environment, current: 'credentials' | 'webhooks'): SafeHtml {
  const tab = (key: typeof current, href: string, label: string) =>
    html`<a href="${href}"${key === current ? html` aria-current="page"` : ''}>${label}</a>`;
  return html`<nav class="subnav" aria-label="${envLabel(env)}">${tab('credentials', `/account/${env}`, 'Credentials')} · ${tab('webhooks', `/account/${env}/webhooks`, 'Webhooks')}</nav>`;
}

/** The hidden fields every state-changing form carries: the CSRF token and this rendering's once-only nonce. */
export function csrfField(csrf: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="_form" value="${newFormNonce()}">`;
}
