import { html, type SafeHtml } from '../html.js';
import type { MerchantRecord } from '../../storage/types.js';
import { csrfField, page } from './layout.js';

const SCOPE_TEXT: Record<string, string> = {
  webhooks: 'Manage your webhooks and subscriptions, and see notifications',
  transactions: 'Read your transactions and payment links',
  devices: 'Read your devices and their transactions',
};

interface ConsentView {
  csrf: string;
  merchant: MerchantRecord;
  clientName: string;
  clientId: string;
  environment: string;
  redirectHost: string;
  scope: string[];
  /** The resource servers (RFC 8707) access is limited to; empty: not limited to any in particular. */
  resources: string[];
  /** The request parameters (name, value; a name may repeat), posted back with the decision. */
  hidden: Array<[string, string]>;
}

/** RFC 6749 §4.1.1: the resource owner sees who asks for what, and decides. */
export function consentPage(v: ConsentView): SafeHtml {
  return page(
    { title: 'Allow access?', csrf: v.csrf, merchant: v.merchant },
    html`<section class="card narrow">
  <h1>Allow <strong>${v.clientName}</strong> to access your account?</h1>
  <p>The application <code>${v.clientId}</code> (${v.environment}) asks for:</p>
  <ul>${v.scope.map((s) => html`<li><strong>${s}</strong>: ${SCOPE_TEXT[s] ?? s}</li>`)}</ul>
  ${v.resources.length > 0 ? html`<p>Only at: ${v.resources.map((r, i) => html`${i > 0 ? ', ' : ''}<code>${r}</code>`)}</p>` : ''}
  <p>You will be sent back to <strong>${v.redirectHost}</strong>. You can withdraw this access at any time under Settings.</p>
  <form method="post" action="/oauth/authorize" class="actions">
    ${csrfField(v.csrf)}
    ${v.hidden.map(([k, val]) => html`<input type="hidden" name="${k}" value="${val}">`)}
    <button type="submit" name="decision" value="approve" class="primary">Allow</button>
    <button type="submit" name="decision" value="deny">Deny</button>
  </form>
</section>`,
  );
}
