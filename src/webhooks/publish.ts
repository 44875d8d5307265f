import type { NotificationRecord, WebhookOwner } from '../storage/types.js';
import type { WebhookApiContext } from './context.js';
import type { EventType } from './events.js';
import { newNotification } from './routes/subscriptions.js';

/**
 * Queues the envelope `payloadFor()` returns for every live subscription of the owner to `event` whose filter lets
 * `tid` through (a filter on terminal ids takes only events of those terminals), and wakes the worker.
 */
export async function publishEvent(
  ctx: Pick<WebhookApiContext, 'repo' | 'clock' | 'kick'>,
  owner: WebhookOwner,
  event: EventType,
  payloadFor: () => Record<string, unknown>,
  tid?: string,
): Promise<NotificationRecord[]> {
  const subscribers = await ctx.repo.subscribersOf(owner, event.id);
  const matching = subscribers.filter(({ subscription }) => {
    if (subscription.filter === null) return true;
    const tids = (JSON.parse(subscription.filter) as { tids?: string[] }).tids;
    return !tids || (tid !== undefined && tids.includes(tid));
  });
  const rows = matching.map(({ subscription, webhook }) => newNotification(ctx, subscription, webhook, event, payloadFor()));
  await ctx.repo.enqueue(rows);
  if (rows.length > 0) ctx.kick();
  return rows;
}
