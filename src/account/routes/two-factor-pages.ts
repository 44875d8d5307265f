import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadSecondFactorError, InputError, ReauthRequiredError, TooManyAttemptsError } from '../errors.js';
import type { AccountContext } from '../plugin.js';
import { submitOnce } from '../form-once.js';
import { reauthenticate, requireRecentAuth } from '../reauth.js';
import { csrfToken, fieldsOf, reauthFields, sendPage, text } from '../request.js';
import { safeReturnTo } from '../return-to.js';
import { stashSecret } from '../secret-reveal.js';
import { currentMerchant, pendingSecondStep, type MerchantSession } from '../session.js';
import { hasPasskey } from '../passkeys.js';
import { secondStepAccepted } from '../sign-in.js';
import { checkSecondFactor, confirmEnrolment, disableTwoFactor, enrolmentSecret, regenerateRecoveryCodes, startEnrolment } from '../two-factor.js';
import { enrolmentPage, secondStepPage } from '../views/two-factor.js';
import { renderSettings } from './auth-pages.js';
import { signedInPage, actorOf, type Handler } from './page-context.js';


/**
 * Two-factor sign-in (TOTP, RFC 6238): the second step of a login, and enrolment, new recovery codes and
 * turning it off from the settings page. Every form goes POST → 303 → GET through submitOnce; recovery codes
 * are shown on the one-time page of new secrets.
 */
export function registerTwoFactorPages(app: FastifyInstance, ctx: AccountContext): void {
  const protect = { preHandler: app.csrfProtection };
  const signedIn = (handler: Handler) => signedInPage(ctx, handler);
  const actor = actorOf;
  // A settings form that failed: the page again, with the message and its status; nothing changed.
  const settingsError = (request: FastifyRequest, reply: FastifyReply, current: MerchantSession, err: InputError | ReauthRequiredError | BadSecondFactorError | TooManyAttemptsError) => {
    for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
    return renderSettings(ctx, request, reply, current, { error: err.message }, err.status);
  };
  const expected = (err: unknown): err is InputError | ReauthRequiredError | BadSecondFactorError | TooManyAttemptsError =>
    err instanceof InputError || err instanceof ReauthRequiredError || err instanceof BadSecondFactorError || err instanceof TooManyAttemptsError;

  // ---- the second step of a login ----

  app.get('/login/code', async (request, reply) => {
    const returnTo = safeReturnTo((request.query as Record<string, unknown>).return_to);
    if (await currentMerchant(ctx, request)) return reply.redirect(returnTo, 303);
    const pending = await pendingSecondStep(ctx, request);
    if (!pending) return reply.redirect('/account/login?done=second_step_expired', 303);
    const passkey = await hasPasskey(ctx, pending.merchant.id);
    return sendPage(reply, secondStepPage({ csrf: csrfToken(ctx, request, reply), passkey, ...(returnTo !== '/account' ? { returnTo } : {}) }));
  });

  app.post('/login/code', protect, (request, reply) => submitOnce(ctx, request, reply, async () => {
    const f = fieldsOf(request);
    const returnTo = safeReturnTo(f.return_to);
    const pending = await pendingSecondStep(ctx, request);
    if (!pending) return (await currentMerchant(ctx, request)) ? returnTo : '/account/login?done=second_step_expired';
    try {
      return (await secondStepAccepted(ctx, request, pending, text(f, 'code'))) ? returnTo : '/account/login?done=second_step_expired';
    } catch (err) {
      if (!(err instanceof BadSecondFactorError || err instanceof TooManyAttemptsError)) throw err;
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      const passkey = await hasPasskey(ctx, pending.merchant.id);
      return sendPage(reply, secondStepPage({ csrf: csrfToken(ctx, request, reply), error: err.message, passkey, ...(returnTo !== '/account' ? { returnTo } : {}) }), err.status);
    }
  }));

  // ---- enrolment ----

  app.post('/two-factor/setup', protect, signedIn((request, reply, current) => submitOnce(ctx, request, reply, async () => {
    try {
      // Turning it on binds the account to a device: a session alone, without a recent password, may not.
      await requireRecentAuth(ctx, actor(request, current), current.session, reauthFields(fieldsOf(request)));
      await startEnrolment(ctx, current.merchant, current.session.idHash);
      return '/account/two-factor/setup';
    } catch (err) {
      if (!expected(err)) throw err;
      return settingsError(request, reply, current, err);
    }
  })));

  app.get('/two-factor/setup', signedIn(async (request, reply, current) => {
    const pending = await enrolmentSecret(ctx, current.merchant, current.session.idHash);
    if (!pending) return reply.redirect('/account/settings', 303);
    return sendPage(reply, enrolmentPage({ csrf: csrfToken(ctx, request, reply), merchant: current.merchant, ...pending }));
  }));

  app.post('/two-factor/confirm', protect, signedIn((request, reply, current) => submitOnce(ctx, request, reply, async () => {
    try {
      const codes = await confirmEnrolment(ctx, actor(request, current), current.session.idHash, text(fieldsOf(request), 'code'));
      return stashSecret(ctx, request, { clientId: current.merchant.id, kind: 'recovery_codes', secret: codes.join('\n') });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const pending = await enrolmentSecret(ctx, current.merchant, current.session.idHash);
      if (!pending) return settingsError(request, reply, current, err);
      return sendPage(reply, enrolmentPage({ csrf: csrfToken(ctx, request, reply), merchant: current.merchant, ...pending, error: err.message }), err.status);
    }
  })));

  // ---- when it is on ----

  app.post('/two-factor/recovery-codes', protect, signedIn((request, reply, current) => submitOnce(ctx, request, reply, async () => {
    try {
      await checkSecondFactor(ctx, actor(request, current), text(fieldsOf(request), 'code'), 'recovery_codes');
      const codes = await regenerateRecoveryCodes(ctx, actor(request, current));
      return stashSecret(ctx, request, { clientId: current.merchant.id, kind: 'recovery_codes', secret: codes.join('\n') });
    } catch (err) {
      if (!expected(err)) throw err;
      return settingsError(request, reply, current, err);
    }
  })));

  app.post('/two-factor/disable', protect, signedIn((request, reply, current) => submitOnce(ctx, request, reply, async () => {
    try {
      // Always the password and a current code, however recent the sign-in (the factors it removes).
      await reauthenticate(ctx, actor(request, current), current.session, reauthFields(fieldsOf(request)), 'disable');
      await disableTwoFactor(ctx, actor(request, current));
      return '/account/settings?done=two_factor_off';
    } catch (err) {
      if (!expected(err)) throw err;
      return settingsError(request, reply, current, err);
    }
  })));
}
