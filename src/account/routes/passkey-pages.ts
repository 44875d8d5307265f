import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadSecondFactorError, InputError, ReauthRequiredError, TooManyAttemptsError } from '../errors.js';
import { submitOnce } from '../form-once.js';
import { assertionOptions, finishRegistration, registrationOptions, removePasskey } from '../passkeys.js';
import type { AccountContext } from '../plugin.js';
import { reauthenticate, requireRecentAuth } from '../reauth.js';
import { csrfToken, fieldsOf, reauthFields, sendPage, text } from '../request.js';
import { safeReturnTo } from '../return-to.js';
import { currentMerchant, pendingSecondStep, recentlyAuthenticated, type MerchantSession } from '../session.js';
import { passkeyStepAccepted } from '../sign-in.js';
import { twoFactorEnabled } from '../two-factor.js';
import { newPasskeyPage } from '../views/passkeys.js';
import { secondStepPage } from '../views/two-factor.js';
import { renderSettings } from './auth-pages.js';
import { signedInPage, actorOf } from './page-context.js';

type Handler = (request: FastifyRequest, reply: FastifyReply, current: MerchantSession) => Promise<FastifyReply | string>;
type Expected = InputError | ReauthRequiredError | BadSecondFactorError | TooManyAttemptsError;

/**
 * WebAuthn passkeys as a second factor beside TOTP: adding one from Settings after a recent password, the
 * ceremony's options as JSON for app.js, removing one with the password and a code, and "Use a passkey" on
 * the second step of a sign-in. Forms go POST → 303 → GET through submitOnce.
 */
export function registerPasskeyPages(app: FastifyInstance, ctx: AccountContext): void {
  const protect = { preHandler: app.csrfProtection };
  const signedIn = (handler: Handler) => signedInPage(ctx, handler);
  const actor = actorOf;
  const expected = (err: unknown): err is Expected =>
    err instanceof InputError || err instanceof ReauthRequiredError || err instanceof BadSecondFactorError || err instanceof TooManyAttemptsError;
  const settingsError = (request: FastifyRequest, reply: FastifyReply, current: MerchantSession, err: Expected) => {
    for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    return renderSettings(ctx, request, reply, current, { error: err.message }, err.status);
  };
  // Adding a passkey binds the account to a device: only within the re-authentication window, as TOTP set-up.
  const mayAdd = (current: MerchantSession) => recentlyAuthenticated(ctx, current.session);

  app.post('/passkeys/setup', protect, signedIn((request, reply, current) => submitOnce(ctx, request, reply, async () => {
    try {
      await requireRecentAuth(ctx, actor(request, current), current.session, reauthFields(fieldsOf(request)));
      if (!(await twoFactorEnabled(ctx, current.merchant.id))) throw new InputError('Turn on two-factor sign-in first: passkeys are added beside the authenticator app.');
      return '/account/passkeys/new';
    } catch (err) {
      if (!expected(err)) throw err;
      return settingsError(request, reply, current, err);
    }
  })));

  app.get('/passkeys/new', signedIn(async (request, reply, current) => {
    if (!mayAdd(current)) return reply.redirect('/account/settings', 303);
    return sendPage(reply, newPasskeyPage({ csrf: csrfToken(ctx, request, reply), merchant: current.merchant }));
  }));

  app.post('/passkeys/options', protect, signedIn(async (request, reply, current) => {
    if (!mayAdd(current)) throw new ReauthRequiredError('missing');
    return reply.header('Cache-Control', 'no-store').send(await registrationOptions(ctx, current.merchant, current.session.idHash));
  }));

  app.post('/passkeys', protect, signedIn((request, reply, current) => submitOnce(ctx, request, reply, async () => {
    try {
      if (!mayAdd(current)) throw new ReauthRequiredError('missing');
      if (!(await twoFactorEnabled(ctx, current.merchant.id))) throw new InputError('Turn on two-factor sign-in first: passkeys are added beside the authenticator app.');
      const f = fieldsOf(request);
      await finishRegistration(ctx, actor(request, current), current.session.idHash, text(f, 'response'), text(f, 'name'));
      return '/account/settings?done=passkey_added';
    } catch (err) {
      if (err instanceof InputError) return sendPage(reply, newPasskeyPage({ csrf: csrfToken(ctx, request, reply), merchant: current.merchant, error: err.message }), err.status);
      if (!expected(err)) throw err;
      return settingsError(request, reply, current, err);
    }
  })));

  app.post('/passkeys/remove', protect, signedIn((request, reply, current) => submitOnce(ctx, request, reply, async () => {
    try {
      // Always the password and a code, however recent the sign-in: it removes a factor.
      const f = fieldsOf(request);
      await reauthenticate(ctx, actor(request, current), current.session, reauthFields(f), 'remove_passkey');
      await removePasskey(ctx, actor(request, current), text(f, 'credential_id'));
      return '/account/settings?done=passkey_removed';
    } catch (err) {
      if (!expected(err)) throw err;
      return settingsError(request, reply, current, err);
    }
  })));

  // ---- the second step of a login ----

  app.post('/login/passkey/options', protect, async (request, reply) => {
    const pending = await pendingSecondStep(ctx, request);
    if (!pending) throw new InputError('This sign-in has expired. Log in again.');
    return reply.header('Cache-Control', 'no-store').send(await assertionOptions(ctx, pending.merchant, pending.session.idHash));
  });

  app.post('/login/passkey', protect, (request, reply) => submitOnce(ctx, request, reply, async () => {
    const f = fieldsOf(request);
    const returnTo = safeReturnTo(f.return_to);
    const pending = await pendingSecondStep(ctx, request);
    if (!pending) return (await currentMerchant(ctx, request)) ? returnTo : '/account/login?done=second_step_expired';
    try {
      return (await passkeyStepAccepted(ctx, request, pending, text(f, 'response'))) ? returnTo : '/account/login?done=second_step_expired';
    } catch (err) {
      if (!(err instanceof BadSecondFactorError || err instanceof TooManyAttemptsError)) throw err;
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      return sendPage(reply, secondStepPage({ csrf: csrfToken(ctx, request, reply), error: err.message, passkey: true, ...(returnTo !== '/account' ? { returnTo } : {}) }), err.status);
    }
  }));
}
