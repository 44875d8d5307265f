import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../errors.js';
import { looksLikeId } from '../ids.js';
import { paginationOf, presentNotification, readPagination } from '../present.js';
import type { WebhookApiContext } from '../context.js';

/** GET /v1/notifications[/{id}]: deliveries of this merchant, newest first, with their attempts' outcome. */
export function registerNotificationRoutes(v1: FastifyInstance, ctx: WebhookApiContext): void {
  v1.get('/notifications', async (request) => {
    const p = readPagination(request);
    const { items, total } = await ctx.repo.listNotifications(request.webhookOwner!, p);
    return { notifications: items.map(presentNotification), ...paginationOf(p, total) };
  });

  v1.get<{ Params: { id: string } }>('/notifications/:id', async (request) => {
    const n = looksLikeId(request.params.id) ? await ctx.repo.findNotification(request.webhookOwner!, request.params.id) : undefined;
    if (!n) throw new NotFoundError('No such notification');
    return presentNotification(n);
  });
}
