import type { FastifyInstance } from 'fastify';
import type { WebhookApiContext } from '../context.js';
import { NotFoundError, SandboxOnlyError, ValidationError } from '../errors.js';
import { EVENT_TYPES, findEvent, samplePayload } from '../events.js';
import { filterField, readBody, tidField } from '../input.js';
import { httpDate, paginationOf, presentNotification, readPagination } from '../present.js';
import { publishEvent } from '../publish.js';

/** GET /v1/events: the event catalogue, `{"events":[{"id","name"}],"pagination":{…}}`; and sandbox triggers. */
export function registerEventRoutes(v1: FastifyInstance, ctx: WebhookApiContext): void {
  v1.get('/events', async (request) => {
    const p = readPagination(request);
    const events = EVENT_TYPES.slice(p.offset, p.offset + p.limit).map((e) => ({ id: e.id, name: e.name }));
    return { events, ...paginationOf(p, EVENT_TYPES.length) };
  });

  v1.get<{ Params: { id: string } }>('/events/:id', async (request) => {
    const event = findEvent(request.params.id);
    if (!event) throw new NotFoundError('No such event');
    return { id: event.id, name: event.name };
  });

  // Sandbox only, an extension (`mypos-auth trigger`): one realistic sample of the event, published to every
  // subscription of the caller it matches. `tid`, or a subscription-style `filter`, picks the terminal.
  v1.post<{ Params: { id: string } }>('/events/:id/trigger', async (request, reply) => {
    if (ctx.environment !== 'sandbox') throw new SandboxOnlyError('Triggered events exist only in the sandbox');
    const event = findEvent(request.params.id);
    if (!event) throw new NotFoundError('No such event (GET /v1/events lists them)');
    const params = readBody(request);
    const tid = tidField(params);
    const filter = filterField(params);
    if (tid !== undefined && filter !== null) throw new ValidationError('filter', 'give tid or filter, not both');
    const tids = tid !== undefined ? [tid] : filter !== null ? (JSON.parse(filter) as { tids: string[] }).tids : [];
    const isPayment = event.name.startsWith('pos.payment.');
    if (tids.length > 0 && !isPayment) throw new ValidationError(tid !== undefined ? 'tid' : 'filter', 'only POS payment events carry a terminal id');
    const payload = samplePayload(event, httpDate(ctx.clock.now())!, tids);
    const sampleTid = isPayment ? ((payload.data as { tid: string }).tid) : undefined;
    const notifications = await publishEvent(ctx, request.webhookOwner!, event, () => payload, sampleTid);
    return reply.code(202).send({ event: event.name, payload, notifications: notifications.map(presentNotification) });
  });
}
