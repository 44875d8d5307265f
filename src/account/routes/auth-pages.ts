import { passkeysOf } from '../passkeys.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { audit, changePassword, checkLogin, createMerchant } from '../accounts.js';
import { AccountError, ConflictError, InputError, TooManyAttemptsError } from '../errors.js';
import type { AccountContext } from '../plugin.js';
import { submitOnce } from '../form-once.js';
import { csrfToken, fieldsOf, sendPage, text } from '../request.js';
import { safeReturnTo } from '../return-to.js';
import { currentMerchant, endSession, pendingSecondStep, recentlyAuthenticated, startSession, type MerchantSession } from '../session.js';
import { twoFactorStatus } from '../two-factor.js';
import { passwordAccepted } from '../sign-in.js';
import { loginPage, settingsPage, signupPage } from '../views/auth.js';

const NOTICES: Record<string, string> = {
  logged_out: 'You are logged out.',
  second_step_expired: 'The sign-in waited too long for its code. Log in again.',
  two_factor_off: 'Two-factor sign-in is off. Signing in needs only your password.',
  passkey_added: 'Passkey added. At sign-in, after your password, you can use it instead of a code.',
  passkey_removed: 'Passkey removed.',
  password: 'Your password was changed. Every other session was logged out.',
};

/** Sign up, log in, log out, settings (password change). */
export function registerAuthPages(app: FastifyInstance, ctx: AccountContext): void {
  const protect = { preHandler: app.csrfProtection };

  app.get('/', async (request, reply) => {
    const current = await currentMerchant(ctx, request);
    return reply.redirect(current ? '/account/sandbox' : '/account/login', 303);
  });

  app.get('/login', async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const returnTo = safeReturnTo(q.return_to);
    if (await currentMerchant(ctx, request)) return reply.redirect(returnTo, 303);
    const notice = typeof q.done === 'string' ? NOTICES[q.done] : undefined;
    return sendPage(reply, loginPage({ csrf: csrfToken(ctx, request, reply), ...(returnTo !== '/account' ? { returnTo } : {}), ...(notice ? { notice } : {}) }));
  });

  // A repeated login or sign-up form (double click): the browser shows the repeat's response, so it gets a
  // session cookie of its own for the same, already checked, email and password; no second audit row.
  const signInAgain = (request: FastifyRequest, reply: FastifyReply) => async (outcome: string) => {
    const f = fieldsOf(request);
    const merchant = await checkLogin(ctx, text(f, 'email'), text(f, 'password'), request.ip);
    await passwordAccepted(ctx, request, reply, merchant, { audited: false });
    return outcome;
  };

  app.post('/login', protect, (request, reply) => submitOnce(ctx, request, reply, async () => {
    const f = fieldsOf(request);
    const email = text(f, 'email');
    const returnTo = safeReturnTo(f.return_to);
    try {
      const merchant = await checkLogin(ctx, email, text(f, 'password'), request.ip);
      const signedIn = await passwordAccepted(ctx, request, reply, merchant, { audited: true });
      return signedIn === 'second_step' ? secondStepUrl(returnTo) : returnTo;
    } catch (err) {
      if (!(err instanceof AccountError)) throw err;
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      const page = loginPage({ csrf: csrfToken(ctx, request, reply), email: email.slice(0, 254), error: err.message, ...(returnTo !== '/account' ? { returnTo } : {}) });
      return sendPage(reply, page, err.status);
    }
  }, signInAgain(request, reply)));

  app.get('/signup', async (request, reply) => {
    const returnTo = safeReturnTo((request.query as Record<string, unknown>).return_to);
    if (await currentMerchant(ctx, request)) return reply.redirect(returnTo, 303);
    return sendPage(reply, signupPage({ csrf: csrfToken(ctx, request, reply), ...(returnTo !== '/account' ? { returnTo } : {}) }));
  });

  app.post('/signup', protect, (request, reply) => submitOnce(ctx, request, reply, async () => {
    const f = fieldsOf(request);
    const email = text(f, 'email');
    const returnTo = safeReturnTo(f.return_to);
    try {
      const merchant = await createMerchant({ store: ctx.store, clock: ctx.clock, throttle: ctx.throttle, ip: request.ip }, email, text(f, 'password'));
      await replaceSession(ctx, request, reply, merchant);
      await audit(ctx, { merchant, ip: request.ip }, 'signed_up');
      return returnTo;
    } catch (err) {
      if (!(err instanceof InputError || err instanceof ConflictError || err instanceof TooManyAttemptsError)) throw err;
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      const page = signupPage({ csrf: csrfToken(ctx, request, reply), email: email.slice(0, 254), error: err.message, ...(returnTo !== '/account' ? { returnTo } : {}) });
      return sendPage(reply, page, err.status);
    }
  }, signInAgain(request, reply)));

  app.post('/logout', protect, (request, reply) => submitOnce(ctx, request, reply, async () => {
    const f = fieldsOf(request);
    const current = await currentMerchant(ctx, request);
    if (current) {
      const everywhere = text(f, 'everywhere') === '1';
      if (everywhere) await ctx.store.sessions.deleteForMerchant(current.merchant.id);
      await audit(ctx, { merchant: current.merchant, ip: request.ip }, 'logged_out', { detail: { everywhere } });
    }
    await endSession(ctx, request, reply);
    return '/account/login?done=logged_out';
  }, async (outcome) => {
    await endSession(ctx, request, reply);
    return outcome;
  }));

  app.get('/settings', async (request, reply) => {
    const current = await currentMerchant(ctx, request);
    if (!current) return toLogin(request, reply);
    const done = (request.query as Record<string, unknown>).done;
    const notice = typeof done === 'string' ? NOTICES[done] : undefined;
    return renderSettings(ctx, request, reply, current, notice ? { notice } : {});
  });

  app.post('/password', protect, async (request, reply) => {
    const current = await currentMerchant(ctx, request);
    if (!current) return toLogin(request, reply);
    return submitOnce(ctx, request, reply, () => changePasswordForm(ctx, request, reply, current));
  });
}

/** Password change (settings page); the caller runs it once per form. */
async function changePasswordForm(ctx: AccountContext, request: FastifyRequest, reply: FastifyReply, current: MerchantSession): Promise<string | FastifyReply> {
  const f = fieldsOf(request);
  try {
    await changePassword(ctx, current.merchant, text(f, 'current_password'), text(f, 'new_password'));
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return renderSettings(ctx, request, reply, current, { error: err.message }, err.status);
  }
  // ASVS 7.4.3: a password change ends every other session.
  await ctx.store.sessions.deleteForMerchant(current.merchant.id, current.session.idHash);
  await ctx.store.sessions.reauthenticated(current.session.idHash, ctx.clock.now());
  await audit(ctx, { merchant: current.merchant, ip: request.ip }, 'password_changed');
  return '/account/settings?done=password';
}

/** The settings page, with a message after a form (an error keeps its status). */
export async function renderSettings(
  ctx: AccountContext,
  request: FastifyRequest,
  reply: FastifyReply,
  current: MerchantSession,
  message: { error?: string; notice?: string },
  status = 200,
): Promise<FastifyReply> {
  const twoFactor = { needsReauth: !recentlyAuthenticated(ctx, current.session), status: await twoFactorStatus(ctx, current.merchant.id), passkeys: await passkeysOf(ctx, current.merchant.id) };
  return sendPage(reply, settingsPage({ csrf: csrfToken(ctx, request, reply), merchant: current.merchant, twoFactor, ...message }), status);
}

/** Sign-up replaces any session the browser had: the old id is deleted and a fresh one is issued (ASVS 7.2.4). */
async function replaceSession(ctx: AccountContext, request: FastifyRequest, reply: FastifyReply, merchant: Parameters<typeof startSession>[3]): Promise<void> {
  const previous = (await currentMerchant(ctx, request)) ?? (await pendingSecondStep(ctx, request));
  if (previous) await ctx.store.sessions.delete(previous.session.idHash);
  await startSession(ctx, request, reply, merchant);
}

/** The second step's page, keeping where the sign-in should land. */
function secondStepUrl(returnTo: string): string {
  return returnTo === '/account' ? '/account/login/code' : `/account/login/code?return_to=${encodeURIComponent(returnTo)}`;
}

/** Pages need a signed-in merchant: others go to the login page, which brings them back afterwards. */
export function toLogin(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const back = request.method === 'GET' ? safeReturnTo(request.url) : '/account';
  return reply.redirect(back === '/account' ? '/account/login' : `/account/login?return_to=${encodeURIComponent(back)}`, 303);
}
