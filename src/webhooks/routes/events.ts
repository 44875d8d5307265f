import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../errors.js';
import { EVENT_TYPES, findEvent } from '../events.js';
import { paginationOf, readPagination } from '../present.js';

/** GET /v1/events: the event catalogue, `{"events":[{"id","name"}],"pagination":{…}}`. */
export function registerEventRoutes(v1: FastifyInstance): void {
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
}
