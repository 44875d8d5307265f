import { KNOWN_SCOPES } from '../../core/scope.js';
import type { Environment, MerchantRecord } from '../../storage/types.js';
import { GRACE_CHOICES, type CredentialView } from '../credentials.js';
import { html, type SafeHtml } from '../html.js';
import { reauthField, type ReauthState } from './reauth-field.js';
import { envLabel, iso, plural, utc } from './format.js';
import { csrfField, environmentTabs, page } from './layout.js';

interface Base extends ReauthState {
  csrf: string;
  merchant: MerchantRecord;
  error?: string;
  notice?: string;
}

/** The last four characters of a secret, as Stripe shows a key: enough to tell which one a system holds. */
const hint = (h: string | null) => (h === null ? '' : html`<code class="hint" aria-label="ending in ${h.split('').join(' ')}">…${h}</code>`);

const when = (t: number | null) => (t === null ? html`<span class="muted">never</span>` : html`<time datetime="${iso(t)}">${utc(t)}</time>`);

function flashOf(o: Base) {
  return o.error ? { flash: { kind: 'error' as const, text: o.error } } : o.notice ? { flash: { kind: 'notice' as const, text: o.notice } } : {};
}


export function listPage(o: Base & { environment: Environment; credentials: CredentialView[]; form?: { name: string; scopes: string[]; keysOpen?: boolean } }): SafeHtml {
  const env = o.environment;
  const chosen = o.form?.scopes ?? ['webhooks'];
  return page(
    { title: `${envLabel(env)} credentials`, csrf: o.csrf, merchant: o.merchant, nav: env, ...flashOf(o) },
    html`<h1>${envLabel(env)} credentials</h1>
${environmentTabs(env, 'credentials')}
<p class="muted">${env === 'sandbox'
      ? 'Sandbox credentials get tokens for the test environment. They never work in production.'
      : 'Production credentials get tokens for live data. Keep their secrets in a secret store.'}</p>
<section class="card" aria-labelledby="list-h">
  <h2 id="list-h">Your ${envLabel(env).toLowerCase()} credentials</h2>
  ${o.credentials.length === 0
    ? html`<p class="empty">No ${envLabel(env).toLowerCase()} credentials yet. Generate one below.</p>`
    : html`<div class="table-wrap"><table class="stack-on-mobile">
    <thead><tr><th scope="col">Name</th><th scope="col">Client ID</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col" class="num">Active tokens</th></tr></thead>
    <tbody>${o.credentials.map(
      (c) => html`<tr>
      <td data-label="Name"><a href="/account/credentials/${c.id}">${c.name}</a>${c.previousSecretExpiresAt ? html` <span class="badge">rotating</span>` : ''}</td>
      <td data-label="Client ID"><code>${c.id}</code></td>
      <td data-label="Scopes">${c.scopes.join(' ')}</td>
      <td data-label="Created">${when(c.createdAt)}</td>
      <td data-label="Last used">${when(c.lastUsedAt)}</td>
      <td data-label="Active tokens" class="num">${c.activeTokens}</td>
    </tr>`,
    )}</tbody>
  </table></div>`}
</section>
<section class="card narrow" aria-labelledby="new-h">
  <h2 id="new-h">Generate new ${envLabel(env).toLowerCase()} credentials</h2>
  <form method="post" action="/account/${env}/credentials" class="stack">
    ${csrfField(o.csrf)}
    <label for="name">Name</label>
    <input id="name" name="name" required maxlength="100" value="${o.form?.name ?? ''}" placeholder="e.g. Online shop backend">
    <fieldset>
      <legend>Scopes</legend>
      ${KNOWN_SCOPES.map(
        (s) => html`<label class="check"><input type="checkbox" name="scope_${s}" value="1"${chosen.includes(s) ? html` checked` : ''}> ${s}</label>`,
      )}
    </fieldset>
    <details>
      <summary>Authorization code flow (optional)</summary>
      <p class="muted">For an application that acts for a merchant after their consent (RFC 6749 §4.1, PKCE S256).</p>
      <label class="check"><input type="checkbox" name="grant_authorization_code" value="1"> authorization_code</label>
      <label class="check"><input type="checkbox" name="grant_refresh_token" value="1"> refresh_token</label>
      <label class="check"><input type="checkbox" name="public_client" value="1"> Public client (no secret, PKCE only)</label>
      <label class="check"><input type="checkbox" name="require_pushed_authorization_requests" value="1"> Require pushed authorization requests (POST /oauth/par first, RFC 9126)</label>
      <label for="redirect_uris-${env}">Redirect URIs (one per line; https, or http to 127.0.0.1 / localhost)</label>
      <textarea id="redirect_uris-${env}" name="redirect_uris" rows="2" maxlength="4000"></textarea>
    </details>
    <label class="check"><input type="checkbox" name="dpop_bound_access_tokens" value="1"> Require DPoP: every token request must carry a DPoP proof, so every token is bound to the client's key (RFC 9449)</label>
    <details${o.form?.keysOpen ? html` open` : ''}>
      <summary>Sign with a private key instead of a secret (optional)</summary>
      <p class="muted">private_key_jwt (RFC 7523): your system signs a short-lived JWT with its private key; we keep only the public key, and the credential has no secret. ES256, EdDSA (Ed25519), RS256 or PS256.</p>
      <label for="jwks-${env}">Public key: a JWK or a JWK Set (JSON; never the private key)</label>
      <textarea id="jwks-${env}" name="jwks" rows="4" maxlength="16384" spellcheck="false"></textarea>
    </details>
    ${reauthField(o, env, 'gen-password')}
    <button type="submit" class="primary">Generate credentials</button>
  </form>
</section>`,
  );
}

/** Shown once, right after generation or rotation, with Cache-Control: no-store. */
export function secretPage(o: {
  csrf: string;
  merchant: MerchantRecord;
  clientId: string;
  name: string;
  environment: Environment;
  secret: string;
  scope: string;
  tokenUrl: string;
  /** After a rotation: when the old secret stops (null: it already has). */
  rotated?: { previousSecretExpiresAt: number | null };
}): SafeHtml {
  const curl = [
    `curl -s -X POST '${o.tokenUrl}' \\`,
    `  -u '${o.clientId}:${o.secret}' \\`,
    `  -H 'Content-Type: application/x-www-form-urlencoded' \\`,
    `  -d 'grant_type=client_credentials&scope=${o.scope.split(' ').join('%20')}'`,
  ].join('\n');
  return page(
    { title: o.rotated ? 'New secret' : 'New credentials', csrf: o.csrf, merchant: o.merchant, nav: o.environment },
    html`<h1>${o.rotated ? 'Your new client secret' : 'Your new credentials'}</h1>
<p class="flash warn" role="status"><strong>Copy the secret now.</strong> It is shown only on this page and cannot be shown again.
${o.rotated
      ? o.rotated.previousSecretExpiresAt !== null
        ? html` The old secret keeps working until <time datetime="${iso(o.rotated.previousSecretExpiresAt)}">${utc(o.rotated.previousSecretExpiresAt)}</time>.`
        : html` The old secret no longer works.`
      : ''}</p>
<section class="card">
  <dl class="facts">
    <dt>Name</dt><dd>${o.name}</dd>
    <dt>Environment</dt><dd>${envLabel(o.environment)}</dd>
    <dt>Client ID</dt><dd><code id="client-id">${o.clientId}</code> <button type="button" class="copy" data-copy="client-id" hidden>Copy</button></dd>
    <dt>Client Secret</dt><dd><code id="client-secret" class="secret">${o.secret}</code> <button type="button" class="copy" data-copy="client-secret" hidden>Copy</button></dd>
    <dt>Token URL</dt><dd><code id="token-url">${o.tokenUrl}</code></dd>
  </dl>
  <h2>Get a token</h2>
  <p>Paste this into a terminal:</p>
  <pre id="curl"><code>${curl}</code></pre>
  <p><button type="button" class="copy" data-copy="curl" hidden>Copy command</button></p>
  <p><a class="button" href="/account/credentials/${o.clientId}">Done: I have saved the secret</a></p>
</section>`,
  );
}

/** A new secret's page asked for again: it was shown once and is gone (or the link expired). */
export function secretGonePage(o: { csrf: string; merchant: MerchantRecord; back?: { href: string; label: string } }): SafeHtml {
  return page(
    { title: 'Secret already shown', csrf: o.csrf, merchant: o.merchant },
    html`<section class="card narrow">
  <h1>This secret was already shown</h1>
  <p>A new secret is shown once, on the page right after it is made, and is not kept anywhere afterwards. This link has been used${o.back ? '' : ' or has expired'}.</p>
  <p>If you did not save it, rotate the secret again: nothing was changed by opening this page.</p>
  ${o.back ? html`<p><a class="button" href="${o.back.href}">Back to “${o.back.label}”</a></p>` : html`<p><a class="button" href="/account">Back to your credentials</a></p>`}
</section>`,
  );
}

export function detailPage(o: Base & { credential: CredentialView; tokenUrl: string }): SafeHtml {
  const c = o.credential;
  return page(
    { title: c.name, csrf: o.csrf, merchant: o.merchant, nav: c.environment, ...flashOf(o) },
    html`<p class="crumbs"><a href="/account/${c.environment}">${envLabel(c.environment)} credentials</a> ›</p>
<h1>${c.name}</h1>
<p class="subnav"><a href="/account/credentials/${c.id}/usage">Usage</a> · <a href="/account/credentials/${c.id}/audit">Audit trail</a></p>
<section class="card">
  <dl class="facts">
    <dt>Client ID</dt><dd><code>${c.id}</code></dd>
    <dt>Environment</dt><dd>${envLabel(c.environment)}</dd>
    <dt>Token URL</dt><dd><code>${o.tokenUrl}</code></dd>
    <dt>Scopes</dt><dd>${c.scopes.join(' ')}</dd>
    <dt>Grant types</dt><dd>${c.grantTypes.join(' ')}${c.isPublic ? ' (public client: no secret, PKCE only)' : ''}</dd>
    ${c.grantTypes.includes('authorization_code') ? html`<dt>Authorization requests</dt><dd>${c.requirePushedAuthorizationRequests ? 'Pushed only (POST /oauth/par first, RFC 9126)' : 'Pushed (POST /oauth/par) or in the authorization URL'}</dd>` : ''}
    ${c.dpopBoundAccessTokens ? html`<dt>DPoP</dt><dd>required on every token request (RFC 9449)</dd>` : ''}
    <dt>Client authentication</dt><dd><code id="auth-method">${c.authMethod}</code>${c.authMethod === 'private_key_jwt' ? ' (a JWT signed with your private key; no secret)' : ''}</dd>
    ${c.redirectUris.length > 0 ? html`<dt>Redirect URIs</dt><dd><ul class="plain">${c.redirectUris.map((u) => html`<li><code>${u}</code></li>`)}</ul></dd>` : ''}
    <dt>Created</dt><dd>${when(c.createdAt)}</dd>
    <dt>Last used</dt><dd>${when(c.lastUsedAt)}</dd>
    <dt>Active tokens</dt><dd>${c.activeTokens}</dd>
    ${c.authMethod !== 'client_secret_basic' ? '' : html`<dt>Secrets</dt><dd><ul class="plain secrets">
      <li id="current-secret">Current secret ${hint(c.secretHint)}: <strong>active</strong>, last used ${when(c.secretLastUsedAt)}</li>
      ${c.previousSecretExpiresAt
        ? html`<li id="previous-secret">Previous secret ${hint(c.previousSecretHint)}: works until <time datetime="${iso(c.previousSecretExpiresAt)}">${utc(c.previousSecretExpiresAt)}</time>, last used ${when(c.previousSecretLastUsedAt)}</li>`
        : ''}
    </ul></dd>`}
  </dl>
  ${c.previousSecretExpiresAt
    ? html`<form method="post" action="/account/credentials/${c.id}/expire-previous" class="stack expire">
    ${csrfField(o.csrf)}
    ${reauthField(o, c.environment, 'expire-password')}
    <button type="submit" class="danger">Expire the previous secret now</button>
  </form>`
    : ''}
</section>
${c.authMethod === 'private_key_jwt' ? keysSection(o, c) : ''}
<div class="grid">
${c.authMethod === 'private_key_jwt' ? '' : html`<section class="card" aria-labelledby="rotate-h">
  <h2 id="rotate-h">Rotate the secret</h2>
  <p class="muted">A new secret is generated and shown once. The old one keeps working during the grace period, so you can roll the new one out first.</p>
  <form method="post" action="/account/credentials/${c.id}/rotate" class="stack">
    ${csrfField(o.csrf)}
    <label for="grace">Old secret keeps working for</label>
    <select id="grace" name="grace_seconds">
      ${GRACE_CHOICES.map(([s, label]) => html`<option value="${s}"${s === 86_400 ? html` selected` : ''}>${label}</option>`)}
    </select>
    ${reauthField(o, c.environment, 'rotate-password')}
    <button type="submit" class="primary">Rotate secret</button>
  </form>
</section>`}
<section class="card" aria-labelledby="rename-h">
  <h2 id="rename-h">Rename</h2>
  <form method="post" action="/account/credentials/${c.id}/rename" class="stack">
    ${csrfField(o.csrf)}
    <label for="new-name">Name</label>
    <input id="new-name" name="name" required maxlength="100" value="${c.name}">
    <button type="submit">Save name</button>
  </form>
</section>
<section class="card" aria-labelledby="scopes-h">
  <h2 id="scopes-h">Scopes</h2>
  <form method="post" action="/account/credentials/${c.id}/scopes" class="stack">
    ${csrfField(o.csrf)}
    <fieldset>
      <legend>Allowed scopes</legend>
      ${KNOWN_SCOPES.map(
        (s) => html`<label class="check"><input type="checkbox" name="scope_${s}" value="1"${c.scopes.includes(s) ? html` checked` : ''}> ${s}</label>`,
      )}
    </fieldset>
    <p class="help">Tokens issued before keep their scope until they expire; revoke them to cut them off now.</p>
    ${reauthField(o, c.environment, 'scopes-password')}
    <button type="submit">Save scopes</button>
  </form>
</section>
<section class="card" aria-labelledby="revoke-h">
  <h2 id="revoke-h">Revoke all tokens</h2>
  <p class="muted">Every token issued to this credential stops working now (${c.activeTokens} active). The credential itself stays.</p>
  <form method="post" action="/account/credentials/${c.id}/revoke-tokens">
    ${csrfField(o.csrf)}
    <button type="submit">Revoke all tokens</button>
  </form>
</section>
<section class="card danger" aria-labelledby="delete-h">
  <h2 id="delete-h">Delete</h2>
  <p class="muted">The credential and all its tokens stop working at once. This cannot be undone.</p>
  <p><a class="button danger" href="/account/credentials/${c.id}/delete">Delete credential…</a></p>
</section>
</div>`,
  );
}

/** A private_key_jwt credential's public keys: each with a remove form, and a form to add one (key rollover). */
function keysSection(o: Base, c: CredentialView): SafeHtml {
  return html`<section class="card" aria-labelledby="keys-h">
  <h2 id="keys-h">Public keys</h2>
  <p class="muted">Assertions signed with any of these keys are accepted. To roll a key over, add the new one, move your signer to it, then remove the old one.</p>
  <div class="table-wrap"><table class="stack-on-mobile" id="keys">
    <thead><tr><th scope="col">Key ID (kid)</th><th scope="col">Algorithm</th><th scope="col">Thumbprint (RFC 7638)</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
    <tbody>${c.keys.map(
      (k, i) => html`<tr>
      <td data-label="Key ID">${k.kid === null ? html`<span class="muted">none</span>` : html`<code>${k.kid}</code>`}</td>
      <td data-label="Algorithm">${k.alg}</td>
      <td data-label="Thumbprint"><code class="thumbprint">${k.thumbprint}</code></td>
      <td data-label="Action">${c.keys.length > 1
        ? html`<form method="post" action="/account/credentials/${c.id}/keys/remove" class="stack">
          ${csrfField(o.csrf)}
          <input type="hidden" name="thumbprint" value="${k.thumbprint}">
          ${reauthField(o, c.environment, `remove-key-password-${i}`)}
          <button type="submit" class="danger">Remove key${k.kid === null ? '' : html` ${k.kid}`}</button>
        </form>`
        : html`<span class="muted">the only key</span>`}</td>
    </tr>`,
    )}</tbody>
  </table></div>
  <form method="post" action="/account/credentials/${c.id}/keys/add" class="stack">
    ${csrfField(o.csrf)}
    <label for="add-jwks">Add a public key: a JWK or a JWK Set (JSON; never the private key)</label>
    <textarea id="add-jwks" name="jwks" rows="4" maxlength="16384" spellcheck="false" required></textarea>
    ${reauthField(o, c.environment, 'add-key-password')}
    <button type="submit">Add key</button>
  </form>
</section>`;
}

export function deleteConfirmPage(o: Base & { credential: CredentialView }): SafeHtml {
  const c = o.credential;
  return page(
    { title: `Delete ${c.name}`, csrf: o.csrf, merchant: o.merchant, nav: c.environment, ...flashOf(o) },
    html`<section class="card narrow danger">
  <h1>Delete “${c.name}”?</h1>
  <p>Client ID <code>${c.id}</code> (${envLabel(c.environment)}) and ${plural(c.activeTokens, 'active token')} stop working at once. This cannot be undone.</p>
  <form method="post" action="/account/credentials/${c.id}/delete" class="row">
    ${csrfField(o.csrf)}
    <button type="submit" class="danger">Delete credential</button>
    <a href="/account/credentials/${c.id}">Cancel</a>
  </form>
</section>`,
  );
}
