import type { FastifyInstance } from 'fastify';
import { submitOnce } from '../form-once.js';
import type { AccountContext } from '../plugin.js';
import { csrfToken, sendPage } from '../request.js';
import { currentMerchant } from '../session.js';
import { appsPage } from '../views/apps.js';
import { toLogin } from './auth-pages.js';

/**
 * Connected applications: the consents a merchant gave through /oauth/authorize. Withdrawing one forgets the
 * consent and revokes every token the merchant granted that client, at once.
 */
export function registerAppPages(app: FastifyInstance, ctx: AccountContext): void {
  app.get('/apps', async (request, reply) => {
    const session = await currentMerchant(ctx, request);
    if (!session) return toLogin(request, reply);
    const consents = await ctx.store.consents.listForMerchant(session.merchant.id);
    const apps = [];
    for (const c of consents) {
      const client = await ctx.store.clients.find(c.clientId);
      if (client) apps.push({ clientId: client.id, name: client.name, environment: client.environment, scope: c.scope, since: c.createdAt });
    }
    const done = (request.query as Record<string, unknown>).done === 'withdrawn';
    return sendPage(reply, appsPage({ csrf: csrfToken(ctx, request, reply), merchant: session.merchant, apps, ...(done ? { notice: 'Access withdrawn; its tokens are revoked.' } : {}) }));
  });

  app.post('/apps/:clientId/withdraw', { preHandler: app.csrfProtection }, async (request, reply) => {
    const session = await currentMerchant(ctx, request);
    if (!session) return toLogin(request, reply);
    const { clientId } = request.params as { clientId: string };
    return submitOnce(ctx, request, reply, async () => {
      if (await ctx.store.consents.delete(session.merchant.id, clientId)) {
        const now = ctx.clock.now();
        const revoked = await ctx.store.tokens.revokeBySubject(clientId, session.merchant.id, now);
        await ctx.store.audit.append([
          { merchantId: session.merchant.id, clientId, environment: null, action: 'consent.withdrawn', actor: session.merchant.email, ip: request.ip, detail: { tokens_revoked: revoked }, count: 1, at: now },
        ]);
      }
      return '/account/apps?done=withdrawn';
    });
  });
}
