import type { MerchantRecord } from '../../storage/types.js';
import { RECOVERY_CODE_COUNT } from '../two-factor.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField, page } from './layout.js';
import { passkeySignInForm } from './passkeys.js';
import { qrSvg } from './qr.js';

const codeField = (id: string, label: string, help: string) => html`<label for="${id}">${label}</label>
    <input id="${id}" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required maxlength="20" spellcheck="false" aria-describedby="${id}-help">
    <p id="${id}-help" class="help">${help}</p>`;

/** The second step of a sign-in with two-factor authentication on. */
export function secondStepPage(o: { csrf: string; returnTo?: string; error?: string; passkey?: boolean }): SafeHtml {
  return page(
    { title: 'Two-factor sign-in', csrf: o.csrf, ...(o.error ? { flash: { kind: 'error' as const, text: o.error } } : {}) },
    html`<section class="card narrow center">
  <h1>Two-factor sign-in</h1>
  <p class="muted">Your password was right. Now enter the code your authenticator app shows for the myPOS Web Account.</p>
  <form method="post" action="/account/login/code" class="stack">
    ${csrfField(o.csrf)}
    ${o.returnTo ? html`<input type="hidden" name="return_to" value="${o.returnTo}">` : ''}
    ${codeField('code', 'Authentication code', 'Lost your phone? Enter one of your recovery codes instead; each works once.')}
    <button type="submit" class="primary">Verify</button>
  </form>
  ${o.passkey ? passkeySignInForm(o) : ''}
  <p><a href="/account/login">Start over</a></p>
</section>`,
  );
}

/** Enrolment: the new secret as a QR code and as text, and the first code that turns it on. */
export function enrolmentPage(o: { csrf: string; merchant: MerchantRecord; secret: string; uri: string; error?: string }): SafeHtml {
  const grouped = o.secret.replace(/(.{4})(?=.)/g, '$1 ');
  return page(
    { title: 'Set up two-factor sign-in', csrf: o.csrf, merchant: o.merchant, nav: 'settings', ...(o.error ? { flash: { kind: 'error' as const, text: o.error } } : {}) },
    html`<h1>Set up two-factor sign-in</h1>
<section class="card narrow" aria-labelledby="scan-h">
  <h2 id="scan-h">1. Add the account to your authenticator app</h2>
  <p>Scan this QR code with an authenticator app (any app for time-based codes, RFC 6238).</p>
  <figure class="qr">${qrSvg(o.uri, 'QR code of the two-factor key for the myPOS Web Account')}</figure>
  <p>Cannot scan it? Enter this key in the app by hand (time-based, 6 digits, every 30 seconds):</p>
  <p><code id="totp-secret" class="secret">${grouped}</code></p>
  <details>
    <summary>Show the setup link instead</summary>
    <p><code id="totp-uri">${o.uri}</code></p>
  </details>
  <p class="help">The key is shown only until the set-up is finished, and never again.</p>
</section>
<section class="card narrow" aria-labelledby="confirm-h">
  <h2 id="confirm-h">2. Enter the code the app shows</h2>
  <form method="post" action="/account/two-factor/confirm" class="stack">
    ${csrfField(o.csrf)}
    ${codeField('confirm-code', '6-digit code', 'Two-factor sign-in is on once this code is accepted; until then nothing changes.')}
    <button type="submit" class="primary">Turn on two-factor sign-in</button>
  </form>
  <p><a href="/account/settings">Cancel</a></p>
</section>`,
  );
}

/** The recovery codes, on their one-time page. */
export function recoveryCodesPage(o: { csrf: string; merchant: MerchantRecord; codes: string[] }): SafeHtml {
  return page(
    { title: 'Recovery codes', csrf: o.csrf, merchant: o.merchant, nav: 'settings' },
    html`<h1>Your recovery codes</h1>
<p class="flash warn" role="status"><strong>Save these recovery codes now.</strong> They are shown only on this page. Two-factor sign-in is on; recovery codes you had before no longer work.</p>
<section class="card narrow">
  <h2>Recovery codes</h2>
  <p>If you lose your authenticator app, sign in with one of these codes instead of a code from the app. Each code works once.</p>
  <pre id="recovery-codes"><code>${o.codes.join('\n')}</code></pre>
  <p><button type="button" class="copy" data-copy="recovery-codes" hidden>Copy codes</button></p>
  <p><a class="button" href="/account/settings">Done: I have saved the codes</a></p>
</section>`,
  );
}

/** Recovery codes asked for again: they were shown once and are gone. */
export function recoveryCodesGonePage(o: { csrf: string; merchant: MerchantRecord }): SafeHtml {
  return page(
    { title: 'Recovery codes already shown', csrf: o.csrf, merchant: o.merchant, nav: 'settings' },
    html`<section class="card narrow">
  <h1>These recovery codes were already shown</h1>
  <p>Recovery codes are shown once, on the page right after they are made, and only their hashes are kept. If you did not save them, make new ones in Settings.</p>
  <p><a class="button" href="/account/settings">Back to Settings</a></p>
</section>`,
  );
}

/** The two-factor card of the settings page. */
export function twoFactorCard(o: { csrf: string; needsReauth: boolean; status: { enabled: boolean; recoveryCodesLeft: number } }): SafeHtml {
  if (!o.status.enabled) {
    return html`<section class="card narrow" aria-labelledby="tf-h">
  <h2 id="tf-h">Two-factor sign-in</h2>
  <p class="muted">Off. With it on, signing in needs a code from an authenticator app on your phone besides the password.</p>
  <form method="post" action="/account/two-factor/setup" class="stack">
    ${csrfField(o.csrf)}
    ${o.needsReauth
      ? html`<label for="tf-setup-password">Your password <span class="muted">(asked again after a few minutes)</span></label>
    <input id="tf-setup-password" name="password" type="password" autocomplete="current-password" required>`
      : ''}
    <button type="submit" class="primary">Set up two-factor sign-in</button>
  </form>
</section>`;
  }
  const left = o.status.recoveryCodesLeft;
  return html`<section class="card narrow" aria-labelledby="tf-h">
  <h2 id="tf-h">Two-factor sign-in</h2>
  <p><strong>On.</strong> Signing in needs a code from your authenticator app. <span id="recovery-left">${left} of ${RECOVERY_CODE_COUNT} recovery codes unused.</span></p>
  <h3>New recovery codes</h3>
  <p class="muted">Replaces every recovery code you have; the new ones are shown once.</p>
  <form method="post" action="/account/two-factor/recovery-codes" class="stack">
    ${csrfField(o.csrf)}
    ${codeField('tf-regen-code', 'Code from your authenticator app', 'Or one of your unused recovery codes.')}
    <button type="submit">Make new recovery codes</button>
  </form>
  <h3>Turn off</h3>
  <form method="post" action="/account/two-factor/disable" class="stack">
    ${csrfField(o.csrf)}
    <label for="tf-off-password">Your password</label>
    <input id="tf-off-password" name="password" type="password" autocomplete="current-password" required>
    ${codeField('tf-off-code', 'Code from your authenticator app', 'Or one of your unused recovery codes.')}
    <button type="submit" class="danger">Turn off two-factor sign-in</button>
  </form>
</section>`;
}
