import type { FastifyReply, FastifyRequest } from 'fastify';
import { audit } from './accounts.js';
import type { AccountContext } from './plugin.js';
import { completeSecondStep, currentMerchant, pendingSecondStep, startSession, type MerchantSession } from './session.js';
import type { MerchantRecord } from '../storage/types.js';
import { checkSecondFactor, twoFactorEnabled } from './two-factor.js';
import { checkPasskey } from './passkeys.js';

/**
 * After a correct password: a fresh session (any session the browser had is deleted, ASVS 7.2.4) that is
 * signed in, or, with two-factor sign-in on, one that waits a few minutes for the code and opens nothing.
 * `audited`: write the `logged_in` row (a repeated form does not).
 */
export async function passwordAccepted(
  ctx: AccountContext,
  request: FastifyRequest,
  reply: FastifyReply,
  merchant: MerchantRecord,
  options: { audited: boolean },
): Promise<'signed_in' | 'second_step'> {
  const secondStep = await twoFactorEnabled(ctx, merchant.id);
  const previous = (await currentMerchant(ctx, request)) ?? (await pendingSecondStep(ctx, request));
  if (previous) await ctx.store.sessions.delete(previous.session.idHash);
  await startSession(ctx, request, reply, merchant, { secondStep });
  if (secondStep) return 'second_step';
  // Only a finished sign-in clears the account's failure count: a known password must not reopen code guessing.
  ctx.throttle.recordSuccess(merchant.email);
  if (options.audited) await audit(ctx, { merchant, ip: request.ip }, 'logged_in');
  return 'signed_in';
}

/**
 * The second step: a current TOTP code or a recovery code (checked, throttled and audited by
 * checkSecondFactor); the waiting session becomes signed in. False when it had stopped waiting meanwhile.
 */
export async function secondStepAccepted(ctx: AccountContext, request: FastifyRequest, pending: MerchantSession, code: string): Promise<boolean> {
  const actor = { merchant: pending.merchant, ip: request.ip };
  const used = await checkSecondFactor(ctx, actor, code, 'sign_in');
  if (!(await completeSecondStep(ctx, request, pending))) return false;
  await audit(ctx, actor, 'logged_in', { detail: { second_factor: used } });
  return true;
}

/** The second step with a passkey instead of a code: the assertion is checked against this session's challenge. */
export async function passkeyStepAccepted(ctx: AccountContext, request: FastifyRequest, pending: MerchantSession, response: string): Promise<boolean> {
  const actor = { merchant: pending.merchant, ip: request.ip };
  await checkPasskey(ctx, actor, pending.session.idHash, response);
  if (!(await completeSecondStep(ctx, request, pending))) return false;
  await audit(ctx, actor, 'logged_in', { detail: { second_factor: 'passkey' } });
  return true;
}
