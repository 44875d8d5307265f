import type { SessionRecord } from '../storage/types.js';
import type { Actor } from './accounts.js';
import { BadSecondFactorError, ReauthRequiredError } from './errors.js';
import { verifyPassword } from './passwords.js';
import { recentlyAuthenticated } from './session.js';
import { checkSecondFactor, twoFactorEnabled, type SecondFactorDeps } from './two-factor.js';

/** What a re-authentication form or JSON body sends: the password, and a code when two-factor sign-in is on. */
interface Reauthentication {
  password: string;
  code: string;
}

/**
 * Sensitive production actions need a recent sign-in (ASVS 7.5.1): a session whose sign-in is older than the
 * window must present the password again and, when two-factor sign-in is on, a current code (ASVS 6.4: the
 * same factors as the sign-in). A correct pair renews the window.
 */
export async function requireRecentAuth(deps: SecondFactorDeps, actor: Actor, session: SessionRecord, presented: Reauthentication): Promise<void> {
  if (recentlyAuthenticated(deps, session)) return;
  await reauthenticate(deps, actor, session, presented, 'production_change');
}

/** Checks the password and, when two-factor sign-in is on, a current code, whatever the session's age. */
export async function reauthenticate(
  deps: SecondFactorDeps,
  actor: Actor,
  session: SessionRecord,
  presented: Reauthentication,
  during: 'production_change' | 'disable' | 'remove_passkey',
): Promise<void> {
  const twoFactor = await twoFactorEnabled(deps, actor.merchant.id);
  if (presented.password === '' || (twoFactor && presented.code.trim() === '')) throw new ReauthRequiredError(twoFactor ? 'missing_code' : 'missing');
  if (!(await verifyPassword(presented.password.slice(0, 1024), actor.merchant.passwordHash))) throw new ReauthRequiredError('password');
  if (twoFactor) {
    try {
      await checkSecondFactor(deps, actor, presented.code, during);
    } catch (err) {
      if (err instanceof BadSecondFactorError) throw new ReauthRequiredError('code');
      throw err;
    }
  }
  const now = deps.clock.now();
  await deps.store.sessions.reauthenticated(session.idHash, now);
  session.authenticatedAt = now;
}
