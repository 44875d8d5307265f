import type { FastifyInstance } from 'fastify';
import { describeCredential, ownedCredential } from '../credentials.js';
import type { AccountContext } from '../plugin.js';
import { csrfToken, sendPage, tokenUrl } from '../request.js';
import { takeSecret } from '../secret-reveal.js';
import { currentMerchant } from '../session.js';
import { secretGonePage, secretPage } from '../views/credentials.js';
import { recoveryCodesGonePage, recoveryCodesPage } from '../views/two-factor.js';
import { toLogin } from './auth-pages.js';

/**
 * The one-time page of a new secret, reached by the 303 after generating or rotating. The first GET shows
 * it and erases it; a reload, Back/Forward or a second tab gets "already shown" (410) and no secret.
 */
export function registerSecretPages(app: FastifyInstance, ctx: AccountContext): void {
  app.get('/secrets/:ref', async (request, reply) => {
    const current = await currentMerchant(ctx, request);
    if (!current) return toLogin(request, reply);
    const taken = await takeSecret(ctx, request, (request.params as { ref: string }).ref);
    const csrf = csrfToken(ctx, request, reply);
    if (taken.status !== 'unknown' && taken.kind === 'recovery_codes') {
      // Recovery codes: the reference names the merchant, and only the session that made them can open it.
      if (taken.clientId !== current.merchant.id) return sendPage(reply, secretGonePage({ csrf, merchant: current.merchant }), 404);
      if (taken.status === 'already_shown') return sendPage(reply, recoveryCodesGonePage({ csrf, merchant: current.merchant }), 410);
      return sendPage(reply, recoveryCodesPage({ csrf, merchant: current.merchant, codes: taken.secret.split('\n') }));
    }
    if (taken.status !== 'shown') {
      const credential = taken.status === 'already_shown' ? await ctx.store.clients.find(taken.clientId) : undefined;
      const link = credential?.merchantId === current.merchant.id ? { clientId: credential.id, name: credential.name } : undefined;
      return sendPage(reply, secretGonePage({ csrf, merchant: current.merchant, ...(link ? { credential: link } : {}) }), taken.status === 'already_shown' ? 410 : 404);
    }
    const client = await ownedCredential(ctx, current.merchant.id, taken.clientId);
    const credential = await describeCredential(ctx, client);
    return sendPage(reply, secretPage({
      csrf, merchant: current.merchant, clientId: client.id, name: client.name, environment: client.environment,
      secret: taken.secret, scope: client.scopes.join(' '), tokenUrl: tokenUrl(ctx, client.environment),
      ...(taken.kind === 'rotated' ? { rotated: { previousSecretExpiresAt: credential.previousSecretExpiresAt } } : {}),
    }));
  });
}
