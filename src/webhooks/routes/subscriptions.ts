import type { FastifyInstance } from 'fastify';
import type { RequestParams } from '../../core/params.js';
import type { NotificationRecord, SubscriptionRecord, WebhookOwner, WebhookRecord } from '../../storage/types.js';
import { GIVE_UP_AFTER_SECONDS, type WebhookApiContext } from '../context.js';
import { looksLikeId, newId } from '../ids.js';
import { NotFoundError, SandboxOnlyError, ValidationError } from '../errors.js';
import { eventBody } from '../event-body.js';
import { findEvent, samplePayload, type EventType } from '../events.js';
import { filterField, readBody, stringField } from '../input.js';
import { httpDate, paginationOf, presentNotification, presentSubscription, readPagination } from '../present.js';

type ById = { Params: { id: string } };

/** /v1/subscriptions: which events go to which webhook (myPOS docs `8-subscriptions`), and sandbox fakes. */
export function registerSubscriptionRoutes(v1: FastifyInstance, ctx: WebhookApiContext): void {
  v1.post('/subscriptions', async (request, reply) => {
    const owner = request.webhookOwner!;
    const params = readBody(request);
    const webhook = await webhookField(ctx, owner, params);
    const event = eventField(params);
    const subscription: SubscriptionRecord = {
      id: newId(),
      ...owner,
      webhookId: webhook.id,
      eventId: event.id,
      filter: filterField(params),
      createdAt: ctx.clock.now(),
      deletedAt: null,
    };
    await ctx.repo.createSubscription(subscription);
    return reply.code(201).send(presentSubscription(subscription, webhook));
  });

  v1.get('/subscriptions', async (request) => {
    const p = readPagination(request);
    const { items, total } = await ctx.repo.listSubscriptions(request.webhookOwner!, p);
    return { subscriptions: items.map((i) => presentSubscription(i.subscription, i.webhook)), ...paginationOf(p, total) };
  });

  v1.get<ById>('/subscriptions/:id', async (request) => {
    const found = await find(ctx, request.webhookOwner!, request.params.id);
    return presentSubscription(found.subscription, found.webhook);
  });

  // PUT replaces the filter (absent clears it); event_id and webhook_id default to the current ones, since the
  // official JS SDK's update-webhook-subscription.js sends the filter alone.
  v1.put<ById>('/subscriptions/:id', async (request) => {
    const owner = request.webhookOwner!;
    const current = await find(ctx, owner, request.params.id);
    const params = readBody(request);
    const webhook = stringField(params, 'webhook_id') === undefined ? current.webhook : await webhookField(ctx, owner, params);
    const event = (stringField(params, 'event_id') === undefined && findEvent(current.subscription.eventId)) || eventField(params);
    const changes = { webhookId: webhook.id, eventId: event.id, filter: filterField(params) };
    if (!(await ctx.repo.updateSubscription(owner, current.subscription.id, changes))) throw new NotFoundError('No such subscription');
    return presentSubscription({ ...current.subscription, ...changes }, webhook);
  });

  v1.delete<ById>('/subscriptions/:id', async (request, reply) => {
    if (!looksLikeId(request.params.id) || !(await ctx.repo.deleteSubscription(request.webhookOwner!, request.params.id, ctx.clock.now()))) {
      throw new NotFoundError('No such subscription');
    }
    return reply.code(204).send();
  });

  // Sandbox only (Taxibeee/my_pos `fake`): a realistic sample of the subscription's event, queued for delivery.
  v1.post<ById>('/subscriptions/:id/fake', async (request, reply) => {
    if (ctx.environment !== 'sandbox') throw new SandboxOnlyError('Fake events exist only in the sandbox');
    const { subscription, webhook } = await find(ctx, request.webhookOwner!, request.params.id);
    const event = findEvent(subscription.eventId)!;
    const tids = subscription.filter === null ? [] : ((JSON.parse(subscription.filter) as { tids?: string[] }).tids ?? []);
    const notification = newNotification(ctx, subscription, webhook, event, samplePayload(event, httpDate(ctx.clock.now())!, tids));
    await ctx.repo.enqueue([notification]);
    ctx.kick();
    return reply.code(202).send(presentNotification(notification));
  });
}

/** An outbox row for one event to one webhook, due now. */
export function newNotification(
  ctx: Pick<WebhookApiContext, 'clock'>,
  subscription: SubscriptionRecord,
  webhook: WebhookRecord,
  event: EventType,
  payload: Record<string, unknown>,
): NotificationRecord {
  const now = ctx.clock.now();
  return {
    id: newId(),
    owner: subscription.owner,
    environment: subscription.environment,
    webhookId: webhook.id,
    subscriptionId: subscription.id,
    event: event.name,
    payload: eventBody(payload),
    url: webhook.payloadUrl,
    status: 'pending',
    attempts: 0,
    createdAt: now,
    nextAttemptAt: now,
    giveUpAt: now + GIVE_UP_AFTER_SECONDS,
    sentAt: null,
    responseCode: null,
    lastError: null,
  };
}

async function find(ctx: WebhookApiContext, owner: WebhookOwner, id: string) {
  const found = looksLikeId(id) ? await ctx.repo.findSubscription(owner, id) : undefined;
  if (!found) throw new NotFoundError('No such subscription');
  return found;
}

function eventField(params: RequestParams): EventType {
  const value = stringField(params, 'event_id', { required: true })!;
  const event = findEvent(value);
  if (!event) throw new ValidationError('event_id', 'no such event (see GET /v1/events)');
  return event;
}

/** The webhook named by webhook_id; optional when the merchant has exactly one webhook (myPOS docs). */
async function webhookField(ctx: WebhookApiContext, owner: WebhookOwner, params: RequestParams): Promise<WebhookRecord> {
  const id = stringField(params, 'webhook_id');
  if (id === undefined) {
    const { items, total } = await ctx.repo.listWebhooks(owner, { offset: 0, limit: 2 });
    if (total === 1) return items[0]!;
    throw new ValidationError('webhook_id', total === 0 ? 'register a webhook first' : 'is required when there is more than one webhook');
  }
  const webhook = looksLikeId(id) ? await ctx.repo.findWebhook(owner, id) : undefined;
  if (!webhook || webhook.deletedAt !== null) throw new ValidationError('webhook_id', 'no such webhook');
  return webhook;
}
