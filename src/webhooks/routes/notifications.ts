import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../errors.js';
import { looksLikeId } from '../ids.js';
import { paginationOf, presentNotification, presentNotificationWithAttempts, readPagination } from '../present.js';
import { resendNotification, type ResendDeps } from '../resend.js';
import type { WebhookApiContext } from '../context.js';

/** GET /v1/notifications[/{id}]: deliveries of this merchant, newest first, with their attempts' outcome. */
export function registerNotificationRoutes(v1: FastifyInstance, ctx: WebhookApiContext, resend: ResendDeps): void {
  v1.get('/notifications', async (request) => {
    const p = readPagination(request);
    const { items, total } = await ctx.repo.listNotifications(request.webhookOwner!, p);
    return { notifications: items.map(presentNotification), ...paginationOf(p, total) };
  });

  v1.get<{ Params: { id: string } }>('/notifications/:id', async (request) => {
    const n = looksLikeId(request.params.id) ? await ctx.repo.findNotification(request.webhookOwner!, request.params.id) : undefined;
    if (!n) throw new NotFoundError('No such notification');
    return presentNotificationWithAttempts(n, await ctx.repo.listAttempts(n.id));
  });

  // An extension (the myPOS docs say deliveries cannot be retried by hand): one new attempt, signed afresh.
  v1.post<{ Params: { id: string } }>('/notifications/:id/resend', async (request) => {
    const { notification, attempts } = await resendNotification(resend, request.webhookOwner!, request.params.id);
    return presentNotificationWithAttempts(notification, attempts);
  });
}
