import type { Environment, MerchantRecord, NotificationRecord } from '../../storage/types.js';
import { html, type SafeHtml } from '../html.js';
import { reauthField, type ReauthState } from './reauth-field.js';
import { WEBHOOK_GRACE_CHOICES, type SubscriptionView, type WebhookView } from '../webhooks.js';
import { envLabel, iso, plural, utc } from './format.js';
import { csrfField, environmentTabs, page } from './layout.js';

interface Base extends ReauthState {
  csrf: string;
  merchant: MerchantRecord;
  error?: string;
  notice?: string;
}

/** One page of a list: which page this is and whether there are more either side. */
interface Paging {
  page: number;
  pages: number;
}

const when = (t: number | null) => (t === null ? html`<span class="muted">never</span>` : html`<time datetime="${iso(t)}">${utc(t)}</time>`);

function flashOf(o: Base) {
  return o.error ? { flash: { kind: 'error' as const, text: o.error } } : o.notice ? { flash: { kind: 'notice' as const, text: o.notice } } : {};
}


/** Active, paused (deliveries wait) or inactive (no events are queued), as the pages say it. */
function webhookState(w: WebhookView): SafeHtml {
  if (w.pausedAt !== null) return html`<span class="badge">paused</span>`;
  return w.isActive ? html`active` : html`<span class="muted">inactive</span>`;
}

/** What happened to a delivery, for people: a pending one that has failed before is being retried. */
function deliveryStatus(n: NotificationRecord, paused: boolean): string {
  if (n.status === 'pending') return paused ? 'Waiting (webhook paused)' : n.attempts > 0 ? 'Retrying' : 'Pending';
  return { delivered: 'Delivered', failed: 'Failed (given up)', cancelled: 'Cancelled' }[n.status];
}

const filterOf = (s: SubscriptionView) => {
  const tids = s.filter === null ? undefined : (JSON.parse(s.filter) as { tids?: string[] }).tids;
  return tids ? `terminals ${tids.join(', ')}` : 'every terminal';
};

const webhookHref = (w: Pick<WebhookView, 'environment' | 'id'>) => `/account/${w.environment}/webhooks/${w.id}`;

function pager(href: string, p: Paging): SafeHtml {
  if (p.pages <= 1) return html``;
  return html`<nav class="pager" aria-label="Pages of deliveries">
    ${p.page > 1 ? html`<a href="${href}?page=${p.page - 1}#deliveries-h" rel="prev">Newer</a>` : ''}
    <span>Page ${p.page} of ${p.pages}</span>
    ${p.page < p.pages ? html`<a href="${href}?page=${p.page + 1}#deliveries-h" rel="next">Older</a>` : ''}
  </nav>`;
}

export function webhookListPage(o: Base & { environment: Environment; webhooks: WebhookView[]; subscriptions: SubscriptionView[]; more: boolean }): SafeHtml {
  const env = o.environment;
  const eventsOf = (w: WebhookView) => o.subscriptions.filter((s) => s.webhookId === w.id).map((s) => s.event);
  return page(
    { title: `${envLabel(env)} webhooks`, csrf: o.csrf, merchant: o.merchant, nav: env, ...flashOf(o) },
    html`<h1>${envLabel(env)} webhooks</h1>
${environmentTabs(env, 'webhooks')}
<p class="muted">Where your ${envLabel(env).toLowerCase()} events are sent. Webhooks are registered through the Webhook API
(<code>POST /v1/webhooks</code>) with a token of any of your ${envLabel(env).toLowerCase()} credentials; here you see their
deliveries, send one again, roll a webhook's secret, and pause or resume it.</p>
<section class="card" aria-labelledby="hooks-h">
  <h2 id="hooks-h">Your ${envLabel(env).toLowerCase()} webhooks</h2>
  ${o.webhooks.length === 0
    ? html`<p class="empty">No ${envLabel(env).toLowerCase()} webhooks yet.</p>`
    : html`<div class="table-wrap"><table class="stack-on-mobile">
    <thead><tr><th scope="col">Payload URL</th><th scope="col">State</th><th scope="col">Subscribed events</th><th scope="col">Created</th></tr></thead>
    <tbody>${o.webhooks.map(
      (w) => html`<tr>
      <td data-label="Payload URL"><a href="${webhookHref(w)}">${w.payloadUrl}</a>${w.previousSecretExpiresAt !== null ? html` <span class="badge">rolling secret</span>` : ''}</td>
      <td data-label="State">${webhookState(w)}</td>
      <td data-label="Subscribed events">${eventsOf(w).length === 0 ? html`<span class="muted">none</span>` : eventsOf(w).join(', ')}</td>
      <td data-label="Created">${when(w.createdAt)}</td>
    </tr>`,
    )}</tbody>
  </table></div>`}
  ${o.more ? html`<p class="help">Only the first ${o.webhooks.length} are listed.</p>` : ''}
</section>`,
  );
}

export function webhookDetailPage(
  o: Base & { webhook: WebhookView; subscriptions: SubscriptionView[]; deliveries: NotificationRecord[]; paging: Paging; totalDeliveries: number; now: number },
): SafeHtml {
  const w = o.webhook;
  const env = w.environment;
  const paused = w.pausedAt !== null;
  const overlap = w.previousSecretExpiresAt !== null && w.previousSecretExpiresAt > o.now ? w.previousSecretExpiresAt : null;
  return page(
    { title: `Webhook ${w.payloadUrl}`, csrf: o.csrf, merchant: o.merchant, nav: env, ...flashOf(o) },
    html`<p class="crumbs"><a href="/account/${env}/webhooks">${envLabel(env)} webhooks</a> ›</p>
<h1>Webhook</h1>
<section class="card">
  <dl class="facts">
    <dt>Payload URL</dt><dd><code>${w.payloadUrl}</code></dd>
    <dt>Webhook ID</dt><dd><code>${w.id}</code></dd>
    <dt>Environment</dt><dd>${envLabel(env)}</dd>
    <dt>State</dt><dd id="webhook-state">${webhookState(w)}${paused ? html` since ${when(w.pausedAt)}: new events are queued and wait; they go out when you resume` : ''}</dd>
    <dt>Secret</dt><dd>${overlap !== null
      ? html`rolled: the previous secret also signs until <time datetime="${iso(overlap)}">${utc(overlap)}</time>`
      : html`one secret signs every delivery`}</dd>
    <dt>Created</dt><dd>${when(w.createdAt)}</dd>
  </dl>
</section>
<section class="card" aria-labelledby="subs-h">
  <h2 id="subs-h">Subscriptions</h2>
  ${o.subscriptions.length === 0
    ? html`<p class="empty">No subscriptions: no event is sent to this webhook. Subscribe it with <code>POST /v1/subscriptions</code>.</p>`
    : html`<div class="table-wrap"><table class="stack-on-mobile">
    <thead><tr><th scope="col">Event</th><th scope="col">Filter</th><th scope="col">Subscription ID</th><th scope="col">Created</th></tr></thead>
    <tbody>${o.subscriptions.map(
      (s) => html`<tr>
      <td data-label="Event">${s.event}</td>
      <td data-label="Filter">${filterOf(s)}</td>
      <td data-label="Subscription ID"><code>${s.id}</code></td>
      <td data-label="Created">${when(s.createdAt)}</td>
    </tr>`,
    )}</tbody>
  </table></div>`}
</section>
<section class="card" aria-labelledby="deliveries-h">
  <h2 id="deliveries-h">Deliveries</h2>
  <p class="muted">${plural(o.totalDeliveries, 'delivery', 'deliveries')}, newest first. Open one to see its payload and send it again.</p>
  ${o.deliveries.length === 0
    ? html`<p class="empty">Nothing was sent to this webhook yet.</p>`
    : html`<div class="table-wrap"><table class="stack-on-mobile">
    <thead><tr><th scope="col">Created</th><th scope="col">Event</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col" class="num">Last response</th><th scope="col">Error</th></tr></thead>
    <tbody>${o.deliveries.map(
      (n) => html`<tr${n.status === 'failed' || (n.status === 'pending' && n.attempts > 0) ? html` class="warn-row"` : ''}>
      <td data-label="Created"><a href="/account/${env}/deliveries/${n.id}">${utc(n.createdAt)}</a></td>
      <td data-label="Event">${n.event}</td>
      <td data-label="Status">${deliveryStatus(n, paused)}</td>
      <td data-label="Attempts" class="num">${n.attempts}</td>
      <td data-label="Last response" class="num">${n.responseCode ?? html`<span class="muted">none</span>`}</td>
      <td data-label="Error">${n.lastError ?? ''}</td>
    </tr>`,
    )}</tbody>
  </table></div>`}
  ${pager(webhookHref(w), o.paging)}
</section>
<div class="grid">
<section class="card" aria-labelledby="pause-h">
  <h2 id="pause-h">${paused ? 'Resume deliveries' : 'Pause deliveries'}</h2>
  <p class="muted">${paused
    ? 'Deliveries that waited go out now, and new events are sent as they come. The 3-day retry window does not count the paused time.'
    : 'Events keep being queued but nothing is sent until you resume: nothing fails while paused. Use it while your receiver is down.'}</p>
  <form method="post" action="${webhookHref(w)}/${paused ? 'resume' : 'pause'}" class="stack">
    ${csrfField(o.csrf)}
    ${reauthField(o, env, 'pause-password')}
    <button type="submit"${paused ? html` class="primary"` : ''}>${paused ? 'Resume webhook' : 'Pause webhook'}</button>
  </form>
</section>
<section class="card" aria-labelledby="roll-h">
  <h2 id="roll-h">Roll the secret</h2>
  <p class="muted">A new signing secret is generated and shown once. During the overlap every delivery is signed with both, so you can switch your receiver without losing one.</p>
  <form method="post" action="${webhookHref(w)}/roll-secret" class="stack">
    ${csrfField(o.csrf)}
    <label for="grace">Old secret keeps signing for</label>
    <select id="grace" name="grace_seconds">
      ${WEBHOOK_GRACE_CHOICES.map(([s, label]) => html`<option value="${s}"${s === 86_400 ? html` selected` : ''}>${label}</option>`)}
    </select>
    ${reauthField(o, env, 'roll-password')}
    <button type="submit" class="primary">Roll secret</button>
  </form>
</section>
</div>`,
  );
}

/** Pretty-printed when it parses (it always should: the body is JSON), else as stored. */
function prettyPayload(payload: string): string {
  try {
    return JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    return payload;
  }
}

interface AttemptView {
  kind: string;
  attemptedAt: number;
  ok: boolean;
  responseCode: number | null;
  error: string | null;
}

export function deliveryPage(o: Base & { delivery: NotificationRecord; webhook: WebhookView | undefined; attempts: AttemptView[] }): SafeHtml {
  const n = o.delivery;
  const env = n.environment;
  const paused = o.webhook?.pausedAt != null;
  return page(
    { title: `Delivery ${n.event}`, csrf: o.csrf, merchant: o.merchant, nav: env, ...flashOf(o) },
    html`<p class="crumbs"><a href="/account/${env}/webhooks">${envLabel(env)} webhooks</a> ›${o.webhook ? html` <a href="${webhookHref(o.webhook)}">${o.webhook.payloadUrl}</a> ›` : ''}</p>
<h1>Delivery</h1>
<section class="card">
  <dl class="facts">
    <dt>Event</dt><dd>${n.event}</dd>
    <dt>Status</dt><dd id="delivery-status">${deliveryStatus(n, paused)}</dd>
    <dt>Attempts</dt><dd>${n.attempts}</dd>
    <dt>Last response</dt><dd id="delivery-code">${n.responseCode ?? html`<span class="muted">none</span>`}</dd>
    <dt>Last error</dt><dd id="delivery-error">${n.lastError ?? html`<span class="muted">none</span>`}</dd>
    <dt>Created</dt><dd>${when(n.createdAt)}</dd>
    <dt>Last attempt</dt><dd>${when(n.sentAt)}</dd>
    ${n.status === 'pending' && !paused ? html`<dt>Next attempt</dt><dd>${when(n.nextAttemptAt)}</dd>` : ''}
    <dt>URL</dt><dd><code>${n.url}</code></dd>
    <dt>Delivery ID</dt><dd><code>${n.id}</code> <span class="muted">(the <code>X-myPOS-Delivery</code> header)</span></dd>
  </dl>
</section>
${o.attempts.length > 0
  ? html`<section class="card" aria-labelledby="attempts-h">
  <h2 id="attempts-h">Attempts</h2>
  <div class="table-wrap"><table class="stack-on-mobile">
    <thead><tr><th scope="col">Time</th><th scope="col">Kind</th><th scope="col">Outcome</th><th scope="col" class="num">Response</th><th scope="col">Error</th></tr></thead>
    <tbody>${o.attempts.map(
      (a) => html`<tr${a.ok ? '' : html` class="warn-row"`}>
      <td data-label="Time">${when(a.attemptedAt)}</td>
      <td data-label="Kind">${a.kind === 'manual_resend' ? 'sent again by hand' : 'automatic'}</td>
      <td data-label="Outcome">${a.ok ? 'acknowledged' : 'failed'}</td>
      <td data-label="Response" class="num">${a.responseCode ?? html`<span class="muted">none</span>`}</td>
      <td data-label="Error">${a.error ?? ''}</td>
    </tr>`,
    )}</tbody>
  </table></div>
</section>`
  : ''}
<section class="card" aria-labelledby="payload-h">
  <h2 id="payload-h">Payload</h2>
  <pre id="payload"><code>${prettyPayload(n.payload)}</code></pre>
  <p class="help">Shown indented; the body sent is the same JSON without whitespace, signed as sent.</p>
</section>
${o.webhook
  ? html`<section class="card narrow" aria-labelledby="resend-h">
  <h2 id="resend-h">Send again</h2>
  <p class="muted">Sends this payload to the webhook's URL now, signed afresh with the current secret${paused ? ', even though the webhook is paused' : ''}. Your receiver should de-duplicate by the delivery ID.</p>
  <form method="post" action="/account/${env}/deliveries/${n.id}/resend" class="stack">
    ${csrfField(o.csrf)}
    ${reauthField(o, env, 'resend-password')}
    <button type="submit" class="primary">Resend</button>
  </form>
</section>`
  : html`<p class="muted">The webhook of this delivery was deleted: there is nowhere to send it again.</p>`}`,
  );
}

/** Shown once, right after a roll, with Cache-Control: no-store (every Web Account page is). */
export function webhookSecretPage(o: { csrf: string; merchant: MerchantRecord; webhook: WebhookView; secret: string; now: number }): SafeHtml {
  const w = o.webhook;
  const overlap = w.previousSecretExpiresAt !== null && w.previousSecretExpiresAt > o.now ? w.previousSecretExpiresAt : null;
  return page(
    { title: 'New webhook secret', csrf: o.csrf, merchant: o.merchant, nav: w.environment },
    html`<h1>Your new webhook secret</h1>
<p class="flash warn" role="status"><strong>Copy the secret now.</strong> It is shown only on this page and cannot be shown again.
${overlap !== null
      ? html` The old secret keeps signing deliveries beside it until <time datetime="${iso(overlap)}">${utc(overlap)}</time>.`
      : html` The old secret no longer signs deliveries.`}</p>
<section class="card">
  <dl class="facts">
    <dt>Payload URL</dt><dd><code>${w.payloadUrl}</code></dd>
    <dt>Environment</dt><dd>${envLabel(w.environment)}</dd>
    <dt>Webhook secret</dt><dd><code id="webhook-secret" class="secret">${o.secret}</code> <button type="button" class="copy" data-copy="webhook-secret" hidden>Copy</button></dd>
  </dl>
  <p>Your receiver checks <code>X-myPOS-Signature</code> with it: <code>v1</code> is the hex HMAC-SHA256 of the body under this secret.</p>
  <p><a class="button" href="${webhookHref(w)}">Done: I have saved the secret</a></p>
</section>`,
  );
}
