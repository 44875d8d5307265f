import type { Clock } from '../core/clock.js';
import type { AttemptRecord, NotificationRecord, WebhookOwner, WebhookRepository } from '../storage/types.js';
import { sendOnce, type AttemptDeps } from './attempt.js';
import { ConflictError, NotFoundError } from './errors.js';
import { looksLikeId } from './ids.js';

/** What a resend needs; the Webhook API and the Web Account pass the same ones. */
export interface ResendDeps extends AttemptDeps {
  repo: Pick<WebhookRepository, 'findNotification' | 'findWebhook' | 'recordResend' | 'listAttempts'>;
  clock: Clock;
}

export interface ResendResult {
  /** The notification after the resend (delivered now if it was not and the target acknowledged). */
  notification: NotificationRecord;
  /** Every attempt, oldest first; the resend is the last, of kind `manual_resend`. */
  attempts: AttemptRecord[];
  /** The resend itself. */
  attempt: AttemptRecord;
}

/**
 * Sends one of the owner's notifications again, now: a new attempt, signed afresh (its own `t`), to the
 * webhook's current target, recorded beside the earlier ones. An extension: the myPOS docs offer no manual
 * retry. A success marks a pending or failed notification delivered; a failure changes nothing but the
 * attempt list (the automatic retries keep their schedule).
 *
 * @throws NotFoundError for an id that is unknown or another owner's; ConflictError when its webhook was deleted.
 */
export async function resendNotification(deps: ResendDeps, owner: WebhookOwner, id: string): Promise<ResendResult> {
  const n = looksLikeId(id) ? await deps.repo.findNotification(owner, id) : undefined;
  if (!n) throw new NotFoundError('No such notification');
  const webhook = await deps.repo.findWebhook(owner, n.webhookId);
  if (!webhook || webhook.deletedAt !== null) throw new ConflictError('The webhook of this notification was deleted: there is nowhere to resend it');

  const t = deps.clock.now();
  const outcome = await sendOnce(deps, n, webhook, t, new AbortController().signal);
  const attempt: AttemptRecord = {
    kind: 'manual_resend',
    attemptedAt: t,
    ok: outcome.ok,
    responseCode: outcome.status,
    error: outcome.error,
    url: webhook.payloadUrl,
  };
  await deps.repo.recordResend(n.id, attempt);
  deps.logger?.info({ notification: n.id, webhook: webhook.id, status: outcome.status, ok: outcome.ok }, 'webhook manual resend');
  const [after, attempts] = await Promise.all([deps.repo.findNotification(owner, n.id), deps.repo.listAttempts(n.id)]);
  return { notification: after ?? n, attempts, attempt };
}
