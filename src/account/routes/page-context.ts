import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../accounts.js';
import type { AccountContext } from '../plugin.js';
import { csrfToken } from '../request.js';
import { currentMerchant, recentlyAuthenticated, type MerchantSession } from '../session.js';
import { twoFactorEnabled } from '../two-factor.js';
import { toLogin } from './auth-pages.js';

/** A page handler that runs only for a signed-in merchant. */
export type Handler<T = FastifyReply> = (request: FastifyRequest, reply: FastifyReply, current: MerchantSession) => Promise<T>;

/** The handler for a signed-in merchant; anyone else goes to the login page and comes back. */
export function signedInPage<T>(ctx: AccountContext, handler: Handler<T>) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const current = await currentMerchant(ctx, request);
    if (!current) return toLogin(request, reply);
    return handler(request, reply, current);
  };
}

/** What every signed-in page shows: the CSRF token, the merchant, and what a production form must ask again (ASVS 7.5.1). */
export async function pageBase(ctx: AccountContext, request: FastifyRequest, reply: FastifyReply, current: MerchantSession) {
  const needsReauth = !recentlyAuthenticated(ctx, current.session);
  return {
    csrf: csrfToken(ctx, request, reply),
    merchant: current.merchant,
    needsReauth,
    // Re-authentication asks for a current code too when two-factor sign-in is on.
    needsCode: needsReauth && (await twoFactorEnabled(ctx, current.merchant.id)),
  };
}

/** The notice a `?done=` redirect asks for, from the page's own list; an unknown value shows nothing. */
export function noticeOf(notices: Readonly<Record<string, string>>, request: FastifyRequest): { notice?: string } {
  const done = (request.query as Record<string, unknown>).done;
  const n = typeof done === 'string' ? notices[done] : undefined;
  return n ? { notice: n } : {};
}

/** Who did it, for the audit trail. */
export const actorOf = (request: FastifyRequest, current: MerchantSession): Actor => ({ merchant: current.merchant, ip: request.ip });
