import type { FastifyInstance } from 'fastify';
import type { RequestParams } from '../../core/params.js';
import { randomAlphanumeric } from '../../core/random.js';
import type { SubscriptionRecord, WebhookOwner, WebhookRecord } from '../../storage/types.js';
import { LISTEN_DEFAULT_WAIT_SECONDS, LISTEN_IDLE_SECONDS, LISTEN_MAX_WAIT_SECONDS, LISTEN_RECHECK_MS, type WebhookApiContext } from '../context.js';
import { NotFoundError, SandboxOnlyError, ValidationError } from '../errors.js';
import { EVENT_TYPES, findEvent, type EventType } from '../events.js';
import { looksLikeId, newId } from '../ids.js';
import { readBody, secretField, stringField } from '../input.js';
import { LISTEN_SCHEME } from '../mailbox.js';
import { httpDate, presentWebhook } from '../present.js';

type BySession = { Params: { id: string } };

/**
 * /v1/listen-sessions (sandbox only, an extension): deliveries to a machine the server cannot reach. A session is
 * a webhook whose target is a mailbox on the server; the delivery worker signs each delivery as for a URL and
 * puts it there; `mypos-auth listen` long-polls for it (any node answers, from the store), forwards it, and
 * reports its target's answer, which becomes the attempt's outcome. A session nobody polls expires.
 */
export function registerListenSessionRoutes(parent: FastifyInstance, ctx: WebhookApiContext): void {
  void parent.register(async (v1) => routes(v1, ctx));
}

function routes(v1: FastifyInstance, ctx: WebhookApiContext): void {
  v1.addHook('onRequest', async () => {
    if (ctx.environment !== 'sandbox') throw new SandboxOnlyError('Listen sessions exist only in the sandbox');
  });

  v1.post('/listen-sessions', async (request, reply) => {
    const owner = request.webhookOwner!;
    const params = readBody(request);
    const events = eventsField(params);
    const given = secretField(params);
    const secret = given ?? randomAlphanumeric(32);
    const now = ctx.clock.now();
    const id = newId();
    const webhook: WebhookRecord = {
      id,
      ...owner,
      payloadUrl: `${LISTEN_SCHEME}${id}`,
      secretCiphertext: ctx.secrets.seal(secret, id),
      previousSecretCiphertext: null,
      previousSecretExpiresAt: null,
      isActive: true,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      listenExpiresAt: now + LISTEN_IDLE_SECONDS,
      pausedAt: null,
    };
    const subscriptions: SubscriptionRecord[] = events.map((e) => ({
      id: newId(),
      ...owner,
      webhookId: id,
      eventId: e.id,
      filter: null,
      createdAt: now,
      deletedAt: null,
    }));
    await ctx.listen.create(webhook, subscriptions);
    reply.code(201).header('Cache-Control', 'no-store');
    return {
      ...presentSession(webhook, subscriptions),
      // Shown once, like a generated webhook secret; one the caller chose is never echoed.
      ...(given === undefined ? { secret } : {}),
    };
  });

  // Long poll: the oldest delivery nobody has taken, else wait up to `wait` seconds for one, then 204.
  v1.get<BySession>('/listen-sessions/:id/deliveries/next', async (request, reply) => {
    const wait = waitField(request.query);
    const id = request.params.id;
    await touch(ctx, request.webhookOwner!, id, wait);
    const gone = new AbortController();
    reply.raw.once('close', () => gone.abort());
    const stop = AbortSignal.any([gone.signal, ctx.closing]);
    const deadline = Date.now() + wait * 1000;
    for (;;) {
      if (stop.aborted) return reply.code(204).send();
      const d = await ctx.listen.take(id, ctx.clock.now());
      if (d) return { id: d.id, notification_id: d.notificationId, headers: d.headers, body: d.body };
      const left = deadline - Date.now();
      if (left <= 0) return reply.code(204).send();
      await ctx.doorbell.wait(id, Math.min(left, LISTEN_RECHECK_MS), stop);
    }
  });

  // What the forwarding target answered: `{"status": 204}`, or `{"error": "connection refused"}` when it did not.
  v1.post<{ Params: { id: string; delivery: string } }>('/listen-sessions/:id/deliveries/:delivery', async (request, reply) => {
    const { id, delivery } = request.params;
    await touch(ctx, request.webhookOwner!, id, 0);
    const answer = answerFields(readBody(request));
    if (!looksLikeId(delivery) || !(await ctx.listen.answer(id, delivery, ctx.clock.now(), answer))) {
      throw new NotFoundError('No such delivery waiting for an answer');
    }
    ctx.doorbell.ring(delivery);
    return reply.code(204).send();
  });

  v1.get<BySession>('/listen-sessions/:id', async (request) => {
    const webhook = await findSession(ctx, request.webhookOwner!, request.params.id);
    return presentSession(webhook);
  });

  // Ends the session as DELETE /v1/webhooks/{id} would: its subscriptions go, pending deliveries are cancelled.
  v1.delete<BySession>('/listen-sessions/:id', async (request, reply) => {
    const owner = request.webhookOwner!;
    const webhook = await findSession(ctx, owner, request.params.id);
    if (!(await ctx.repo.deleteWebhook(owner, webhook.id, ctx.clock.now()))) throw new NotFoundError('No such listen session');
    return reply.code(204).send();
  });
}

function presentSession(w: WebhookRecord, subscriptions?: readonly SubscriptionRecord[]) {
  return {
    id: w.id,
    webhook: presentWebhook(w, w.createdAt),
    expires_on: httpDate(w.listenExpiresAt),
    idle_timeout_seconds: LISTEN_IDLE_SECONDS,
    ...(subscriptions ? { subscriptions: subscriptions.map((s) => ({ id: s.id, event: findEvent(s.eventId)!.name, event_id: s.eventId })) } : {}),
  };
}

async function findSession(ctx: WebhookApiContext, owner: WebhookOwner, id: string): Promise<WebhookRecord> {
  const w = looksLikeId(id) ? await ctx.repo.findWebhook(owner, id) : undefined;
  if (!w || w.listenExpiresAt === null || w.deletedAt !== null || w.listenExpiresAt <= ctx.clock.now()) throw new NotFoundError('No such listen session');
  return w;
}

/** Every poll and answer keeps the session alive: for the poll's wait, and the idle time after it. */
async function touch(ctx: WebhookApiContext, owner: WebhookOwner, id: string, waitSeconds: number): Promise<void> {
  const now = ctx.clock.now();
  if (!looksLikeId(id) || !(await ctx.listen.touch(owner, id, now, now + waitSeconds + LISTEN_IDLE_SECONDS))) {
    throw new NotFoundError('No such listen session');
  }
}

/** `events`: names or ids, as a JSON list or comma-separated text; absent means every event. */
function eventsField(params: RequestParams): EventType[] {
  const raw = params.fields.events;
  if (raw === undefined || raw === null || raw === '') return [...EVENT_TYPES];
  const list = typeof raw === 'string' ? raw.split(',').map((e) => e.trim()) : raw;
  if (!Array.isArray(list) || list.length === 0 || list.length > EVENT_TYPES.length) throw new ValidationError('events', 'must be a list of event names or ids');
  const events = new Map<string, EventType>();
  for (const name of list) {
    const event = typeof name === 'string' ? findEvent(name) : undefined;
    if (!event) throw new ValidationError('events', `no such event: ${String(name).slice(0, 64)} (see GET /v1/events)`);
    events.set(event.id, event);
  }
  return [...events.values()];
}

/** `?wait=` seconds, 0 to LISTEN_MAX_WAIT_SECONDS. */
function waitField(query: unknown): number {
  const v = (query as Record<string, unknown> | undefined)?.wait;
  if (v === undefined || v === '') return LISTEN_DEFAULT_WAIT_SECONDS;
  if (typeof v !== 'string' || !/^[0-9]{1,2}$/.test(v) || Number(v) > LISTEN_MAX_WAIT_SECONDS) {
    throw new ValidationError('wait', `must be a whole number of seconds from 0 to ${LISTEN_MAX_WAIT_SECONDS}`);
  }
  return Number(v);
}

function answerFields(params: RequestParams): { responseCode: number | null; error: string | null } {
  const status = params.fields.status;
  const error = stringField(params, 'error', { max: 200 });
  if (status === undefined || status === null || status === '') {
    if (error === undefined) throw new ValidationError('status', 'give the status the target answered, or an error');
    return { responseCode: null, error };
  }
  const n = typeof status === 'number' ? status : typeof status === 'string' && /^[0-9]{3}$/.test(status) ? Number(status) : NaN;
  if (!Number.isInteger(n) || n < 100 || n > 599) throw new ValidationError('status', 'must be an HTTP status, 100 to 599');
  if (error !== undefined) throw new ValidationError('error', 'give a status or an error, not both');
  return { responseCode: n, error: null };
}
