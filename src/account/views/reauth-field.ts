import type { Environment } from '../../storage/types.js';
import { html, type SafeHtml } from '../html.js';

/** What a page knows about re-authentication for its production forms. */
export interface ReauthState {
  /** True when a production action must ask for the password again. */
  needsReauth: boolean;
  /** True when it must also ask for a current code (two-factor sign-in is on). */
  needsCode: boolean;
}

/** The password (and, with two-factor sign-in, code) fields a production form carries once the login is old (ASVS 7.5.1). */
export function reauthField(o: ReauthState, env: Environment, id: string): SafeHtml {
  if (env !== 'production' || !o.needsReauth) return html``;
  return html`<label for="${id}">Your password <span class="muted">(production changes need it again after a few minutes)</span></label>
    <input id="${id}" name="password" type="password" autocomplete="current-password" required>
    ${o.needsCode
      ? html`<label for="${id}-code">Code from your authenticator app</label>
    <input id="${id}-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required maxlength="20" aria-describedby="${id}-code-help">
    <p id="${id}-code-help" class="help">Or one of your unused recovery codes.</p>`
      : ''}`;
}
