import type { FastifyInstance } from 'fastify';
import { ENVIRONMENTS } from '../../storage/types.js';
import { describeCredential, ownedCredential } from '../credentials.js';
import { NotFoundError } from '../errors.js';
import type { AccountContext } from '../plugin.js';
import { csrfToken, sendPage, tokenUrl } from '../request.js';
import { takeSecret } from '../secret-reveal.js';
import { currentMerchant } from '../session.js';
import { secretGonePage, secretPage } from '../views/credentials.js';
import { webhookSecretPage } from '../views/webhooks.js';
import type { WebhookView } from '../webhooks.js';
import { recoveryCodesGonePage, recoveryCodesPage } from '../views/two-factor.js';
import { toLogin } from './auth-pages.js';

/**
 * The one-time page of a new secret, reached by the 303 after generating or rotating a credential's secret
 * or rolling a webhook's. The first GET shows it and erases it; a reload, Back/Forward or a second tab gets
 * "already shown" (410) and no secret.
 */
export function registerSecretPages(app: FastifyInstance, ctx: AccountContext): void {
  // A webhook id names one webhook in one environment; the reveal does not record which.
  const merchantWebhook = async (merchantId: string, id: string): Promise<WebhookView | undefined> => {
    for (const environment of ENVIRONMENTS) {
      const webhook = await ctx.webhooks.find(merchantId, environment, id);
      if (webhook) return webhook;
    }
    return undefined;
  };

  app.get('/secrets/:ref', async (request, reply) => {
    const current = await currentMerchant(ctx, request);
    if (!current) return toLogin(request, reply);
    const merchantId = current.merchant.id;
    const taken = await takeSecret(ctx, request, (request.params as { ref: string }).ref);
    const csrf = csrfToken(ctx, request, reply);
    if (taken.status !== 'unknown' && taken.kind === 'recovery_codes') {
      // Recovery codes: the reference names the merchant, and only the session that made them can open it.
      if (taken.clientId !== current.merchant.id) return sendPage(reply, secretGonePage({ csrf, merchant: current.merchant }), 404);
      if (taken.status === 'already_shown') return sendPage(reply, recoveryCodesGonePage({ csrf, merchant: current.merchant }), 410);
      return sendPage(reply, recoveryCodesPage({ csrf, merchant: current.merchant, codes: taken.secret.split('\n') }));
    }
    if (taken.status !== 'shown') {
      let back: { href: string; label: string } | undefined;
      if (taken.status === 'already_shown') {
        const credential = await ctx.store.clients.find(taken.clientId);
        const webhook = credential ? undefined : await merchantWebhook(merchantId, taken.clientId);
        if (credential?.merchantId === merchantId) back = { href: `/account/credentials/${credential.id}`, label: credential.name };
        if (webhook) back = { href: `/account/${webhook.environment}/webhooks/${webhook.id}`, label: webhook.payloadUrl };
      }
      return sendPage(reply, secretGonePage({ csrf, merchant: current.merchant, ...(back ? { back } : {}) }), taken.status === 'already_shown' ? 410 : 404);
    }
    if (taken.kind === 'webhook_rolled') {
      const webhook = await merchantWebhook(merchantId, taken.clientId);
      if (!webhook) throw new NotFoundError();
      return sendPage(reply, webhookSecretPage({ csrf, merchant: current.merchant, webhook, secret: taken.secret, now: ctx.clock.now() }));
    }
    const client = await ownedCredential(ctx, merchantId, taken.clientId);
    const credential = await describeCredential(ctx, client);
    return sendPage(reply, secretPage({
      csrf, merchant: current.merchant, clientId: client.id, name: client.name, environment: client.environment,
      secret: taken.secret, scope: client.scopes.join(' '), tokenUrl: tokenUrl(ctx, client.environment),
      ...(taken.kind === 'rotated' ? { rotated: { previousSecretExpiresAt: credential.previousSecretExpiresAt } } : {}),
    }));
  });
}
