import { html, type SafeHtml } from '../html.js';
import type { MerchantRecord } from '../../storage/types.js';
import { csrfField, page } from './layout.js';
import { utc } from './format.js';

interface ConnectedApp {
  clientId: string;
  name: string;
  environment: string;
  scope: string;
  since: number;
}

/** The applications a merchant allowed through /oauth/authorize, each with a way to withdraw the access. */
export function appsPage(o: { csrf: string; merchant: MerchantRecord; apps: ConnectedApp[]; notice?: string }): SafeHtml {
  return page(
    { title: 'Connected applications', csrf: o.csrf, merchant: o.merchant, nav: 'settings', ...(o.notice ? { flash: { kind: 'notice' as const, text: o.notice } } : {}) },
    html`<section class="card">
  <h1>Connected applications</h1>
  ${o.apps.length === 0
    ? html`<p>No application has access to your account.</p>`
    : html`<table class="stack-on-mobile">
    <thead><tr><th scope="col">Application</th><th scope="col">Environment</th><th scope="col">Access</th><th scope="col">Since</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
    <tbody>${o.apps.map(
      (a) => html`<tr>
      <td data-label="Application">${a.name} <code>${a.clientId}</code></td><td data-label="Environment">${a.environment}</td><td data-label="Access">${a.scope}</td><td data-label="Since">${utc(a.since)}</td>
      <td data-label=""><form method="post" action="/account/apps/${a.clientId}/withdraw">${csrfField(o.csrf)}<button type="submit" class="danger">Withdraw access</button></form></td>
    </tr>`,
    )}</tbody>
  </table>`}
</section>`,
  );
}
