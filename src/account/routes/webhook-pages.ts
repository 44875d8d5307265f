import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ENVIRONMENTS, type Environment } from '../../storage/types.js';
import { requireRecentAuth } from '../reauth.js';
import { InputError, ReauthRequiredError } from '../errors.js';
import { submitOnce } from '../form-once.js';
import type { AccountContext } from '../plugin.js';
import { fieldsOf, reauthFields, sendPage, text } from '../request.js';
import { stashSecret } from '../secret-reveal.js';
import type { MerchantSession } from '../session.js';
import { deliveryPage, webhookDetailPage, webhookListPage } from '../views/webhooks.js';
import { ownedDelivery, ownedWebhook, pauseWebhook, resendDelivery, resumeWebhook, rollWebhookSecret } from '../webhooks.js';
import { parseGrace } from './credential-pages.js';
import { signedInPage, pageBase, noticeOf, actorOf, type Handler } from './page-context.js';

const NOTICES: Record<string, string> = {
  paused: 'The webhook is paused. New events wait until you resume it.',
  resumed: 'The webhook is resumed. Deliveries that waited are going out now.',
  resent: 'Sent again. Its outcome is the newest attempt below.',
};

/** Deliveries per page on a webhook's page. */
const DELIVERIES_PER_PAGE = 20;
/** Webhooks (and their subscriptions) a list page shows. */
const LIST_LIMIT = 100;
const SUBSCRIPTIONS_LIMIT = 1000;


/**
 * A merchant's webhooks per environment: the list, a webhook with its subscriptions and deliveries, one
 * delivery with its payload; pause, resume and roll the secret. Every form goes POST → 303 → GET through
 * submitOnce; production changes ask for the password again; a rolled secret is shown on its one-time page.
 */
export function registerWebhookPages(app: FastifyInstance, ctx: AccountContext): void {
  const protect = { preHandler: app.csrfProtection };
  const signedIn = (handler: Handler) => signedInPage(ctx, handler);
  const base = (request: FastifyRequest, reply: FastifyReply, current: MerchantSession) => pageBase(ctx, request, reply, current);
  const notice = (request: FastifyRequest) => noticeOf(NOTICES, request);
  const actor = actorOf;
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
  const expected = (err: unknown): err is InputError | ReauthRequiredError => err instanceof InputError || err instanceof ReauthRequiredError;

  const detail = async (request: FastifyRequest, reply: FastifyReply, current: MerchantSession, environment: Environment, extra: { error?: string; notice?: string } = {}, status = 200) => {
    const webhook = await ownedWebhook(ctx, current.merchant.id, environment, idOf(request));
    const pageNo = pageOf(request);
    const [subscriptions, deliveries] = await Promise.all([
      ctx.webhooks.subscriptions(current.merchant.id, environment, { offset: 0, limit: SUBSCRIPTIONS_LIMIT }, webhook.id),
      ctx.webhooks.deliveries(current.merchant.id, environment, webhook.id, { offset: (pageNo - 1) * DELIVERIES_PER_PAGE, limit: DELIVERIES_PER_PAGE }),
    ]);
    const pages = Math.max(1, Math.ceil(deliveries.total / DELIVERIES_PER_PAGE));
    return sendPage(reply, webhookDetailPage({
      ...(await base(request, reply, current)), ...extra, webhook, subscriptions: subscriptions.items, deliveries: deliveries.items,
      totalDeliveries: deliveries.total, paging: { page: pageNo, pages }, now: ctx.clock.now(),
    }), status);
  };

  for (const environment of ENVIRONMENTS) {
    const reauth = async (current: MerchantSession, request: FastifyRequest) => {
      if (environment === 'production') await requireRecentAuth(ctx, actor(request, current), current.session, reauthFields(fieldsOf(request)));
    };
    // A form on the webhook's page that failed: the page again, with the message, and nothing changed.
    const change = (act: (request: FastifyRequest, current: MerchantSession) => Promise<string>) =>
      signedIn((request, reply, current) => submitOnce(ctx, request, reply, async () => {
        await ownedWebhook(ctx, current.merchant.id, environment, idOf(request));
        try {
          await reauth(current, request);
          return await act(request, current);
        } catch (err) {
          if (!expected(err)) throw err;
          return detail(request, reply, current, environment, { error: err.message }, err.status);
        }
      }));

    app.get(`/${environment}/webhooks`, signedIn(async (request, reply, current) => {
      const [webhooks, subscriptions] = await Promise.all([
        ctx.webhooks.list(current.merchant.id, environment, { offset: 0, limit: LIST_LIMIT }),
        ctx.webhooks.subscriptions(current.merchant.id, environment, { offset: 0, limit: SUBSCRIPTIONS_LIMIT }),
      ]);
      return sendPage(reply, webhookListPage({
        ...(await base(request, reply, current)), ...notice(request), environment, webhooks: webhooks.items, subscriptions: subscriptions.items, more: webhooks.total > webhooks.items.length,
      }));
    }));

    app.get(`/${environment}/webhooks/:id`, signedIn((request, reply, current) => detail(request, reply, current, environment, notice(request))));

    app.post(`/${environment}/webhooks/:id/pause`, protect, change(async (request, current) => {
      await pauseWebhook(ctx, actor(request, current), environment, idOf(request));
      return `/account/${environment}/webhooks/${idOf(request)}?done=paused`;
    }));

    app.post(`/${environment}/webhooks/:id/resume`, protect, change(async (request, current) => {
      await resumeWebhook(ctx, actor(request, current), environment, idOf(request));
      return `/account/${environment}/webhooks/${idOf(request)}?done=resumed`;
    }));

    app.post(`/${environment}/webhooks/:id/roll-secret`, protect, change(async (request, current) => {
      const grace = parseGrace(text(fieldsOf(request), 'grace_seconds'));
      const { webhook, secret } = await rollWebhookSecret(ctx, actor(request, current), environment, idOf(request), grace);
      return stashSecret(ctx, request, { clientId: webhook.id, kind: 'webhook_rolled', secret });
    }));

    const deliveryView = async (request: FastifyRequest, reply: FastifyReply, current: MerchantSession, extra: { error?: string; notice?: string } = {}, status = 200) => {
      const delivery = await ownedDelivery(ctx, current.merchant.id, environment, idOf(request));
      const [webhook, attempts] = await Promise.all([
        ctx.webhooks.find(current.merchant.id, environment, delivery.webhookId),
        ctx.webhooks.attempts(current.merchant.id, environment, delivery.id),
      ]);
      return sendPage(reply, deliveryPage({ ...(await base(request, reply, current)), ...extra, delivery, webhook, attempts: attempts ?? [] }), status);
    };

    app.get(`/${environment}/deliveries/:id`, signedIn((request, reply, current) => deliveryView(request, reply, current, notice(request))));

    // The Webhook API's resend, once per rendered form: a reload of the page it redirects to sends nothing.
    app.post(`/${environment}/deliveries/:id/resend`, protect, signedIn((request, reply, current) => submitOnce(ctx, request, reply, async () => {
      await ownedDelivery(ctx, current.merchant.id, environment, idOf(request));
      try {
        await reauth(current, request);
        const n = await resendDelivery(ctx, actor(request, current), environment, idOf(request));
        return `/account/${environment}/deliveries/${n.id}?done=resent`;
      } catch (err) {
        if (!expected(err)) throw err;
        return deliveryView(request, reply, current, { error: err.message }, err.status);
      }
    })));
  }
}

/** `?page=` of a list: a whole number from 1; anything else is a clear 400, never a 500. */
function pageOf(request: FastifyRequest): number {
  const v = (request.query as Record<string, unknown>).page;
  if (v === undefined || v === '') return 1;
  if (typeof v !== 'string' || !/^[1-9][0-9]{0,5}$/.test(v)) throw new InputError('page must be a whole number from 1');
  return Number(v);
}
