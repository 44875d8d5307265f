import type { FastifyInstance } from 'fastify';
import { paginationOf, presentNotification, readPagination } from '../present.js';
import type { WebhookApiContext } from '../context.js';

/** GET /v1/notifications: deliveries of this merchant, newest first, with their attempts' outcome. */
export function registerNotificationRoutes(v1: FastifyInstance, ctx: WebhookApiContext): void {
  v1.get('/notifications', async (request) => {
    const p = readPagination(request);
    const { items, total } = await ctx.repo.listNotifications(request.webhookOwner!, p);
    return { notifications: items.map(presentNotification), ...paginationOf(p, total) };
  });
}
