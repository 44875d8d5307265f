import type { AuditEvent, MerchantRecord } from '../../storage/types.js';
import type { CredentialView, UsageSeries } from '../credentials.js';
import { html, type SafeHtml } from '../html.js';
import { barChart } from './chart.js';
import { envLabel, iso, plural, utc } from './format.js';
import { page } from './layout.js';

/** Every audit action as people read it; an action missing here shows as "Other event", never its raw name. */
export const ACTIONS: Record<string, string> = {
  created: 'Credential created',
  rotated: 'Secret rotated',
  key_added: 'Public key added',
  key_removed: 'Public key removed',
  previous_secret_expired: 'Previous secret expired',
  scopes_changed: 'Scopes changed',
  renamed: 'Renamed',
  deleted: 'Credential deleted',
  tokens_revoked: 'All tokens revoked',
  client_auth_failed: 'Failed client sign-ins',
  signed_up: 'Account created',
  logged_in: 'Logged in',
  logged_out: 'Logged out',
  login_failed: 'Failed login',
  password_changed: 'Password changed',
  two_factor_enabled: 'Two-factor sign-in turned on',
  two_factor_disabled: 'Two-factor sign-in turned off',
  recovery_code_used: 'Recovery code used',
  recovery_codes_regenerated: 'Recovery codes replaced',
  second_factor_failed: 'Failed two-factor code',
  passkey_added: 'Passkey added',
  passkey_removed: 'Passkey removed',
  passkey_used: 'Passkey used',
  passkey_failed: 'Failed passkey',
  'consent.withdrawn': 'Consent withdrawn',
  'webhook.secret_rolled': 'Webhook secret rolled',
  'webhook.paused': 'Webhook paused',
  'webhook.resumed': 'Webhook resumed',
  'webhook.delivery_resent': 'Delivery sent again',
};

/** Where a two-factor code was asked for (the `during` of its audit rows). */
const SECOND_FACTOR_USES: Record<string, string> = {
  sign_in: 'at sign-in',
  production_change: 'to change production credentials',
  disable: 'to turn two-factor sign-in off',
  recovery_codes: 'to replace the recovery codes',
  remove_passkey: 'to remove a passkey',
};

export function eventName(action: string): string {
  return ACTIONS[action] ?? 'Other event';
}

export function describeEvent(e: AuditEvent): string {
  const d = e.detail ?? {};
  switch (e.action) {
    case 'created':
      return `“${String(d.name ?? '')}” with scopes ${Array.isArray(d.scopes) ? d.scopes.join(' ') : ''}`;
    case 'rotated':
      return Number(d.grace_seconds) > 0 ? `old secret valid until ${utc(Number(d.previous_secret_expires_at))}` : 'old secret stopped at once';
    case 'key_added':
      return Array.isArray(d.keys) ? (d.keys as Array<{ kid: string | null; alg: string; thumbprint: string }>).map(keyName).join(', ') : '';
    case 'key_removed':
      return keyName(d as { kid: string | null; alg: string; thumbprint: string });
    case 'renamed':
      return `“${String(d.from ?? '')}” → “${String(d.to ?? '')}”`;
    case 'deleted':
      return `“${String(d.name ?? '')}”; all its tokens revoked`;
    case 'tokens_revoked':
      return `${plural(Number(d.count ?? 0), 'token')} revoked`;
    case 'scopes_changed':
      return `${words(d.from)} → ${words(d.to)}`;
    case 'previous_secret_expired':
      return 'the old secret stopped working before its grace period ended';
    case 'consent.withdrawn':
      return `${plural(Number(d.tokens_revoked ?? 0), 'token')} revoked`;
    case 'client_auth_failed':
      return failedSignIns(e.count, Array.isArray(d.ips) ? (d.ips as Array<{ ip: string; count: number }>) : []);
    case 'webhook.secret_rolled':
      return `${String(d.payload_url ?? '')}: ${d.previous_secret_expires_at ? `old secret signs until ${utc(Number(d.previous_secret_expires_at))}` : 'old secret stopped at once'}`;
    case 'webhook.paused':
      return `${String(d.payload_url ?? '')}: deliveries wait`;
    case 'webhook.resumed':
      return `${String(d.payload_url ?? '')}: waiting deliveries sent`;
    case 'webhook.delivery_resent':
      return `${String(d.event ?? '')} to ${String(d.payload_url ?? '')}: ${d.ok ? 'acknowledged' : 'failed'}${d.response_code != null ? ` (${String(d.response_code)})` : ''}${typeof d.error === 'string' ? `, ${d.error}` : ''}`;
    case 'logged_out':
      return d.everywhere ? 'every session ended' : '';
    case 'password_changed':
      return 'other sessions ended';
    case 'logged_in':
      return d.second_factor === 'totp' ? 'with a code from the authenticator app' : d.second_factor === 'recovery_code' ? 'with a recovery code' : d.second_factor === 'passkey' ? 'with a passkey' : '';
    case 'two_factor_enabled':
      return `${plural(Number(d.recovery_codes ?? 0), 'recovery code')} made`;
    case 'recovery_codes_regenerated':
      return `${plural(Number(d.recovery_codes ?? 0), 'new recovery code')}; the old ones stopped working`;
    case 'recovery_code_used': {
      const where = SECOND_FACTOR_USES[String(d.during)];
      return `${where ? `${where}; ` : ''}${plural(Number(d.remaining ?? 0), 'unused code')} left`;
    }
    case 'passkey_added':
    case 'passkey_removed':
    case 'passkey_used':
      return typeof d.name === 'string' ? d.name : '';
    case 'passkey_failed':
      return 'wrong, replayed or unknown passkey at sign-in';
    case 'second_factor_failed':
      return `wrong or reused code ${SECOND_FACTOR_USES[String(d.during)] ?? ''}`.trim();
    default:
      return '';
  }
}

const keyName = (k: { kid: string | null; alg: string; thumbprint: string }) => `${k.alg} key ${k.kid ? `“${k.kid}”` : String(k.thumbprint).slice(0, 12) + '…'}`;

const words = (v: unknown) => (Array.isArray(v) && v.length > 0 ? v.join(' ') : 'none');

/** "3 failed sign-ins from 127.0.0.1"; from several addresses: "5 failed sign-ins: 3 from 10.0.0.1, 2 from 10.0.0.2". */
export function failedSignIns(count: number, ips: Array<{ ip: string; count: number }>): string {
  const total = plural(count, 'failed sign-in');
  if (ips.length === 0) return total;
  if (ips.length === 1) return `${total} from ${ips[0]!.ip}`;
  return `${total}: ${ips.map((i) => `${i.count} from ${i.ip}`).join(', ')}`;
}

function auditTable(events: AuditEvent[], options: { showCredential: boolean }): SafeHtml {
  if (events.length === 0) return html`<p class="empty">No events yet.</p>`;
  return html`<div class="table-wrap"><table class="stack-on-mobile">
  <thead><tr><th scope="col">Time</th><th scope="col">Event</th>${options.showCredential ? html`<th scope="col">Credential</th>` : ''}<th scope="col">Details</th><th scope="col">Actor</th><th scope="col">Source IP</th></tr></thead>
  <tbody>${events.map(
    (e) => html`<tr${e.action.endsWith('failed') ? html` class="warn-row"` : ''}>
    <td data-label="Time"><time datetime="${iso(e.at)}">${utc(e.at)}</time></td>
    <td data-label="Event">${eventName(e.action)}</td>
    ${options.showCredential
      ? html`<td data-label="Credential">${e.clientId
          ? html`<code>${e.clientId}</code>${e.environment ? html` <span class="muted">${envLabel(e.environment)}</span>` : ''}`
          : typeof e.detail?.webhook_id === 'string' && e.environment
            ? html`<a href="/account/${e.environment}/webhooks/${e.detail.webhook_id}">webhook</a> <span class="muted">${envLabel(e.environment)}</span>`
            : html`<span class="muted">account</span>`}</td>`
      : ''}
    <td data-label="Details">${describeEvent(e)}</td>
    <td data-label="Actor">${e.actor}</td>
    <td data-label="Source IP">${e.ip ?? ''}</td>
  </tr>`,
  )}</tbody>
</table></div>`;
}

export function accountAuditPage(o: { csrf: string; merchant: MerchantRecord; events: AuditEvent[] }): SafeHtml {
  return page(
    { title: 'Activity', csrf: o.csrf, merchant: o.merchant, nav: 'activity' },
    html`<h1>Activity</h1>
<p class="muted">The last ${o.events.length} events on your account and its credentials, newest first.</p>
<section class="card">${auditTable(o.events, { showCredential: true })}</section>`,
  );
}

export function credentialAuditPage(o: { csrf: string; merchant: MerchantRecord; credential: CredentialView; events: AuditEvent[] }): SafeHtml {
  const c = o.credential;
  return page(
    { title: `Audit trail · ${c.name}`, csrf: o.csrf, merchant: o.merchant, nav: c.environment },
    html`<p class="crumbs"><a href="/account/${c.environment}">${envLabel(c.environment)} credentials</a> › <a href="/account/credentials/${c.id}">${c.name}</a> ›</p>
<h1>Audit trail</h1>
<section class="card">${auditTable(o.events, { showCredential: false })}</section>`,
  );
}

export function usagePage(o: { csrf: string; merchant: MerchantRecord; credential: CredentialView; daily: UsageSeries; hourly: UsageSeries }): SafeHtml {
  const c = o.credential;
  const day = (t: number) => new Date(t * 1000).toISOString().slice(5, 10);
  const hour = (t: number) => new Date(t * 1000).toISOString().slice(11, 13) + ':00';
  const daily = o.daily.buckets.map((b, i) => ({ label: new Date(b.start * 1000).toISOString().slice(0, 10), tick: i % 5 === 4 ? day(b.start) : undefined, issued: b.issued, failed: b.failed }));
  const hourly = o.hourly.buckets.map((b, i) => ({ label: utc(b.start), tick: i % 6 === 5 ? hour(b.start) : undefined, issued: b.issued, failed: b.failed }));
  const rows = o.daily.buckets.filter((b) => b.issued > 0 || b.failed > 0).reverse();
  return page(
    { title: `Usage · ${c.name}`, csrf: o.csrf, merchant: o.merchant, nav: c.environment },
    html`<p class="crumbs"><a href="/account/${c.environment}">${envLabel(c.environment)} credentials</a> › <a href="/account/credentials/${c.id}">${c.name}</a> ›</p>
<h1>Usage</h1>
<section class="card"><h2>Per day, last 30 days</h2>${barChart({ id: 'daily', title: 'Tokens issued and failed authentications per day, last 30 days', bars: daily })}</section>
<section class="card"><h2>Per hour, last 48 hours</h2>${barChart({ id: 'hourly', title: 'Tokens issued and failed authentications per hour, last 48 hours', bars: hourly })}</section>
<section class="card"><h2>Days with activity</h2>
${rows.length === 0
      ? html`<p class="empty">No tokens issued and no failed authentications in the last 30 days.</p>`
      : html`<div class="table-wrap"><table class="stack-on-mobile"><thead><tr><th scope="col">Day (UTC)</th><th scope="col" class="num">Tokens issued</th><th scope="col" class="num">Failed authentications</th></tr></thead>
<tbody>${rows.map((b) => html`<tr><td data-label="Day (UTC)">${new Date(b.start * 1000).toISOString().slice(0, 10)}</td><td data-label="Tokens issued" class="num">${b.issued}</td><td data-label="Failed authentications" class="num">${b.failed}</td></tr>`)}</tbody></table></div>`}
</section>`,
  );
}
