import { html, type SafeHtml } from '../html.js';
import { PASSWORD_MIN } from '../passwords.js';
import type { MerchantRecord, PasskeyRecord } from '../../storage/types.js';
import { csrfField, page } from './layout.js';
import { passkeysCard } from './passkeys.js';
import { twoFactorCard } from './two-factor.js';

interface AuthForm {
  csrf: string;
  email?: string;
  returnTo?: string;
  error?: string;
}

export function loginPage(f: AuthForm & { notice?: string }): SafeHtml {
  const flash = f.error ? { kind: 'error' as const, text: f.error } : f.notice ? { kind: 'notice' as const, text: f.notice } : undefined;
  return page(
    { title: 'Log in', csrf: f.csrf, ...(flash ? { flash } : {}) },
    html`<section class="card narrow center">
  <h1>Log in</h1>
  <p class="muted">Manage the credentials your applications use to call the myPOS APIs.</p>
  <form method="post" action="/account/login" class="stack">
    ${csrfField(f.csrf)}
    ${f.returnTo ? html`<input type="hidden" name="return_to" value="${f.returnTo}">` : ''}
    <label for="email">Email</label>
    <input id="email" name="email" type="email" autocomplete="username" required value="${f.email ?? ''}" autofocus>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit" class="primary">Log in</button>
  </form>
  <p>New here? <a href="/account/signup${f.returnTo ? `?return_to=${encodeURIComponent(f.returnTo)}` : ''}">Create an account</a></p>
</section>`,
  );
}

export function signupPage(f: AuthForm): SafeHtml {
  return page(
    { title: 'Create an account', csrf: f.csrf, ...(f.error ? { flash: { kind: 'error' as const, text: f.error } } : {}) },
    html`<section class="card narrow center">
  <h1>Create an account</h1>
  <form method="post" action="/account/signup" class="stack">
    ${csrfField(f.csrf)}
    ${f.returnTo ? html`<input type="hidden" name="return_to" value="${f.returnTo}">` : ''}
    <label for="email">Email</label>
    <input id="email" name="email" type="email" autocomplete="username" required value="${f.email ?? ''}" autofocus>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="new-password" required minlength="${PASSWORD_MIN}" aria-describedby="password-help">
    <p id="password-help" class="help">At least ${PASSWORD_MIN} characters. A passphrase of a few words is fine.</p>
    <button type="submit" class="primary">Create account</button>
  </form>
  <p>Already have an account? <a href="/account/login">Log in</a></p>
</section>`,
  );
}

export function settingsPage(o: {
  csrf: string;
  merchant: MerchantRecord;
  twoFactor: { needsReauth: boolean; status: { enabled: boolean; recoveryCodesLeft: number }; passkeys: PasskeyRecord[] };
  error?: string;
  notice?: string;
}): SafeHtml {
  const flash = o.error ? { kind: 'error' as const, text: o.error } : o.notice ? { kind: 'notice' as const, text: o.notice } : undefined;
  return page(
    { title: 'Settings', csrf: o.csrf, merchant: o.merchant, nav: 'settings', ...(flash ? { flash } : {}) },
    html`<h1>Settings</h1>
<section class="card narrow">
  <h2>Connected applications</h2>
  <p class="muted">Applications you allowed to act for you (OAuth authorization code flow).</p>
  <p><a href="/account/apps">Review or withdraw access</a></p>
</section>
${twoFactorCard({ csrf: o.csrf, needsReauth: o.twoFactor.needsReauth, status: o.twoFactor.status })}
${o.twoFactor.status.enabled ? passkeysCard({ csrf: o.csrf, needsReauth: o.twoFactor.needsReauth, passkeys: o.twoFactor.passkeys }) : ''}
<section class="card narrow">
  <h2>Change password</h2>
  <p class="muted">Changing your password logs out every other session of this account.</p>
  <form method="post" action="/account/password" class="stack">
    ${csrfField(o.csrf)}
    <input type="hidden" name="username" autocomplete="username" value="${o.merchant.email}">
    <label for="current_password">Current password</label>
    <input id="current_password" name="current_password" type="password" autocomplete="current-password" required>
    <label for="new_password">New password</label>
    <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength="${PASSWORD_MIN}">
    <button type="submit" class="primary">Change password</button>
  </form>
</section>
<section class="card narrow">
  <h2>Sessions</h2>
  <p class="muted">Log out on every device and browser, this one included.</p>
  <form method="post" action="/account/logout">
    ${csrfField(o.csrf)}
    <input type="hidden" name="everywhere" value="1">
    <button type="submit">Log out everywhere</button>
  </form>
</section>`,
  );
}

export function errorPage(o: { csrf: string; merchant?: MerchantRecord; status: number; message: string }): SafeHtml {
  const title = o.status === 404 ? 'Not found' : o.status === 403 ? 'Forbidden' : o.status === 429 ? 'Too many attempts' : 'Something went wrong';
  return page(
    { title, csrf: o.csrf, ...(o.merchant ? { merchant: o.merchant } : {}) },
    html`<section class="card narrow">
  <h1>${title}</h1>
  <p>${o.message}</p>
  <p><a href="/account">Back to your credentials</a></p>
</section>`,
  );
}
