import { html, type SafeHtml } from '../html.js';
import type { MerchantRecord, PasskeyRecord } from '../../storage/types.js';
import { utc } from './format.js';
import { csrfField, page } from './layout.js';

/**
 * The passkey parts of the pages. The forms carry `data-passkey`: app.js runs the WebAuthn ceremony, puts the
 * browser's answer in the hidden `response` field and submits the form; without a script they stay hidden.
 */

/** "Use a passkey" on the second step of a sign-in. */
export function passkeySignInForm(o: { csrf: string; returnTo?: string }): SafeHtml {
  return html`<form method="post" action="/account/login/passkey" class="stack" data-passkey="get" data-options="/account/login/passkey/options" hidden>
    ${csrfField(o.csrf)}
    ${o.returnTo ? html`<input type="hidden" name="return_to" value="${o.returnTo}">` : ''}
    <input type="hidden" name="response" value="">
    <p class="muted">Or use a passkey you added to this account.</p>
    <button type="submit">Use a passkey</button>
    <p class="help" role="status" data-passkey-status></p>
  </form>`;
}

/** The passkeys card of the settings page (shown while two-factor sign-in is on). */
export function passkeysCard(o: { csrf: string; needsReauth: boolean; passkeys: PasskeyRecord[] }): SafeHtml {
  const rows = o.passkeys.map(
    (p, i) => html`<li class="card">
    <p><strong>${p.name}</strong><br><span class="muted">Added ${utc(p.createdAt)}; ${p.lastUsedAt === null ? 'never used' : `last used ${utc(p.lastUsedAt)}`}.</span></p>
    <details>
      <summary>Remove ${p.name}</summary>
      <form method="post" action="/account/passkeys/remove" class="stack">
        ${csrfField(o.csrf)}
        <input type="hidden" name="credential_id" value="${p.credentialId}">
        <label for="pk-rm-password-${String(i)}">Your password</label>
        <input id="pk-rm-password-${String(i)}" name="password" type="password" autocomplete="current-password" required>
        <label for="pk-rm-code-${String(i)}">Code from your authenticator app</label>
        <input id="pk-rm-code-${String(i)}" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required maxlength="20" spellcheck="false">
        <button type="submit" class="danger">Remove passkey</button>
      </form>
    </details>
  </li>`,
  );
  return html`<section class="card narrow" aria-labelledby="pk-h">
  <h2 id="pk-h">Passkeys</h2>
  <p class="muted">A passkey on this device or your phone can replace the code at sign-in, after your password. The authenticator app and recovery codes keep working.</p>
  ${o.passkeys.length === 0 ? html`<p class="empty">No passkeys yet.</p>` : html`<ul class="plain" id="passkeys">${rows}</ul>`}
  <form method="post" action="/account/passkeys/setup" class="stack">
    ${csrfField(o.csrf)}
    ${o.needsReauth
      ? html`<label for="pk-setup-password">Your password <span class="muted">(asked again after a few minutes)</span></label>
    <input id="pk-setup-password" name="password" type="password" autocomplete="current-password" required>
    <label for="pk-setup-code">Code from your authenticator app</label>
    <input id="pk-setup-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required maxlength="20" spellcheck="false">`
      : ''}
    <button type="submit">Add a passkey</button>
  </form>
</section>`;
}

/** Naming and creating a new passkey. */
export function newPasskeyPage(o: { csrf: string; merchant: MerchantRecord; error?: string }): SafeHtml {
  return page(
    { title: 'Add a passkey', csrf: o.csrf, merchant: o.merchant, nav: 'settings', ...(o.error ? { flash: { kind: 'error' as const, text: o.error } } : {}) },
    html`<h1>Add a passkey</h1>
<section class="card narrow">
  <form method="post" action="/account/passkeys" class="stack" data-passkey="create" data-options="/account/passkeys/options">
    ${csrfField(o.csrf)}
    <input type="hidden" name="response" value="">
    <label for="pk-name">Name</label>
    <input id="pk-name" name="name" type="text" required maxlength="60" aria-describedby="pk-name-help">
    <p id="pk-name-help" class="help">So you can tell your passkeys apart, such as “Work laptop”.</p>
    <button type="submit" class="primary">Create passkey</button>
    <p class="help" role="status" data-passkey-status></p>
  </form>
  <p><a href="/account/settings">Cancel</a></p>
</section>`,
  );
}
