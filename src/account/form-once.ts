import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../http/context.js';
import { ConflictError, ForbiddenError, InputError } from './errors.js';
import { fieldsOf, text } from './request.js';

type FormDeps = Pick<AppContext, 'store' | 'hasher' | 'clock'>;

/** What a form's action did: a place to redirect to (POST → 303 → GET), or a page it rendered (bad input). */
type FormOutcome = string | FastifyReply;

const NONCE = /^[A-Za-z0-9_-]{22}$/;
/** How long a repeat waits for the first submission of its form to finish. */
const WAIT_MS = 15_000;
const POLL_MS = 50;

/** A fresh nonce for one rendering of one form: 128 random bits, the form's idempotency key. */
export function newFormNonce(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Runs a state-changing form's action once per rendered form. Every form carries a nonce (`_form`); the
 * first request with it claims it in the store and acts, and its redirect target is recorded. A repeat of
 * the same form (a double click, a resubmission after a network error) does not act again: it waits for the
 * first one and redirects to the same place, which is the response the browser will show, since a second
 * submission cancels the first navigation. `onRepeat` lets login-like forms give the repeat what only a
 * response can carry (a session cookie). The nonce is bound to the browser that sent it.
 */
export async function submitOnce(
  ctx: FormDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  act: () => Promise<FormOutcome>,
  onRepeat?: (outcome: string) => Promise<FormOutcome>,
): Promise<FastifyReply> {
  const nonce = text(fieldsOf(request), '_form');
  if (!NONCE.test(nonce)) throw new InputError('This form is out of date. Reload the page and send it again.');
  const nonceHash = ctx.hasher.hash('form_nonce', nonce);
  // Bound to the browser (its CSRF secret cookie, which a login does not replace), not to the session: a
  // repeat of a login or log-out form arrives with the session its first copy created or ended.
  const cookies = (request.cookies ?? {}) as Record<string, string | undefined>;
  const browser = cookies['__Host-mypos_csrf'] ?? cookies.mypos_csrf ?? '';
  const scopeHash = ctx.hasher.hash('form_nonce', `browser\0${browser}`);

  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (await ctx.store.formSubmissions.claim(nonceHash, scopeHash, ctx.clock.now())) {
      let outcome: FormOutcome;
      try {
        outcome = await act();
      } catch (err) {
        await ctx.store.formSubmissions.release(nonceHash);
        throw err;
      }
      if (typeof outcome !== 'string') {
        // Nothing happened (the page shows why): the same form may be corrected and sent again.
        await ctx.store.formSubmissions.release(nonceHash);
        return outcome;
      }
      await ctx.store.formSubmissions.complete(nonceHash, outcome);
      return reply.redirect(outcome, 303);
    }
    const first = await ctx.store.formSubmissions.find(nonceHash);
    if (first && first.scopeHash !== scopeHash) throw new ForbiddenError('This form was sent from another browser. Reload the page.');
    if (first?.outcome) {
      const again = onRepeat ? await onRepeat(first.outcome) : first.outcome;
      return typeof again === 'string' ? reply.redirect(again, 303) : again;
    }
    // Still in progress: wait for it. Released (it failed): the loop claims it for this request.
    if (first && Date.now() > deadline) throw new ConflictError('This form is already being sent. Reload the page in a moment.');
    if (first) await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
