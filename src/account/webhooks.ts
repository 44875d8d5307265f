import type { AppContext } from '../http/context.js';
import type { AttemptRecord, Environment, NotificationRecord, PageOf, PageRequest, SubscriptionRecord, WebhookRecord } from '../storage/types.js';
import { audit, type Actor } from './accounts.js';
import { InputError, NotFoundError } from './errors.js';

/** A webhook as the pages show it: never a secret, sealed or not. */
export type WebhookView = Omit<WebhookRecord, 'secretCiphertext' | 'previousSecretCiphertext'>;
export type SubscriptionView = SubscriptionRecord & { event: string };

/**
 * The Webhook API's operations on one merchant's webhooks, passed in by the server (src/webhooks implements
 * them). Every call answers undefined for an id that is unknown or another merchant's.
 */
export interface WebhookConsole {
  maxSecretGraceSeconds: number;
  list(merchantId: string, environment: Environment, page: PageRequest): Promise<PageOf<WebhookView>>;
  find(merchantId: string, environment: Environment, id: string): Promise<WebhookView | undefined>;
  subscriptions(merchantId: string, environment: Environment, page: PageRequest, webhookId?: string): Promise<PageOf<SubscriptionView>>;
  deliveries(merchantId: string, environment: Environment, webhookId: string, page: PageRequest): Promise<PageOf<NotificationRecord>>;
  delivery(merchantId: string, environment: Environment, id: string): Promise<NotificationRecord | undefined>;
  rollSecret(merchantId: string, environment: Environment, id: string, graceSeconds: number): Promise<{ webhook: WebhookView; secret: string } | undefined>;
  attempts(merchantId: string, environment: Environment, id: string): Promise<AttemptRecord[] | undefined>;
  /** The Webhook API's own resend (the one `POST /v1/notifications/{id}/resend` calls): one new attempt, now. */
  resend(
    merchantId: string,
    environment: Environment,
    id: string,
  ): Promise<{ status: 'sent'; notification: NotificationRecord; attempt: AttemptRecord } | { status: 'webhook_deleted' } | undefined>;
  pause(merchantId: string, environment: Environment, id: string): Promise<{ webhook: WebhookView; changed: boolean } | undefined>;
  resume(merchantId: string, environment: Environment, id: string): Promise<{ webhook: WebhookView; changed: boolean } | undefined>;
}

type WebhookDeps = Pick<AppContext, 'store' | 'clock'> & { webhooks: WebhookConsole };

/** How long a rolled webhook secret keeps signing beside the new one, as the page offers it (seconds → label). */
export const WEBHOOK_GRACE_CHOICES: ReadonlyArray<[number, string]> = [
  [0, 'None: the old secret stops now'],
  [3600, '1 hour'],
  [86_400, '24 hours'],
  [7 * 86_400, '7 days'],
];

/** The merchant's live webhook in that environment, or 404 (another merchant's id answers the same). */
export async function ownedWebhook(deps: WebhookDeps, merchantId: string, environment: Environment, id: string): Promise<WebhookView> {
  const webhook = await deps.webhooks.find(merchantId, environment, id);
  if (!webhook) throw new NotFoundError();
  return webhook;
}

export async function ownedDelivery(deps: WebhookDeps, merchantId: string, environment: Environment, id: string): Promise<NotificationRecord> {
  const delivery = await deps.webhooks.delivery(merchantId, environment, id);
  if (!delivery) throw new NotFoundError();
  return delivery;
}

const about = (environment: Environment, w: WebhookView, detail: Record<string, unknown> = {}) => ({
  environment,
  detail: { webhook_id: w.id, payload_url: w.payloadUrl, ...detail },
});

/** A new generated secret, shown once by the caller; the old one keeps signing for the grace period. */
export async function rollWebhookSecret(deps: WebhookDeps, actor: Actor, environment: Environment, id: string, graceSeconds: number) {
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > deps.webhooks.maxSecretGraceSeconds) {
    throw new InputError(`The overlap must be a whole number of seconds from 0 to ${deps.webhooks.maxSecretGraceSeconds}`);
  }
  const rolled = await deps.webhooks.rollSecret(actor.merchant.id, environment, id, graceSeconds);
  if (!rolled) throw new NotFoundError();
  const until = rolled.webhook.previousSecretExpiresAt;
  await audit(deps, actor, 'webhook.secret_rolled', about(environment, rolled.webhook, { grace_seconds: graceSeconds, previous_secret_expires_at: graceSeconds > 0 ? until : null }));
  return rolled;
}

/**
 * Sends one of the merchant's deliveries again now and audits it with what the receiver answered. A delivery
 * whose webhook was deleted has nowhere to go: an input error the page shows.
 */
export async function resendDelivery(deps: WebhookDeps, actor: Actor, environment: Environment, id: string): Promise<NotificationRecord> {
  const resent = await deps.webhooks.resend(actor.merchant.id, environment, id);
  if (!resent) throw new NotFoundError();
  if (resent.status === 'webhook_deleted') throw new InputError('The webhook of this delivery was deleted: there is nowhere to send it again.');
  const { notification: n, attempt } = resent;
  await audit(deps, actor, 'webhook.delivery_resent', {
    environment,
    detail: { webhook_id: n.webhookId, notification_id: n.id, event: n.event, payload_url: attempt.url, ok: attempt.ok, response_code: attempt.responseCode, error: attempt.error },
  });
  return n;
}

/** Holds the webhook's deliveries; pausing a paused webhook changes nothing and writes no audit row. */
export async function pauseWebhook(deps: WebhookDeps, actor: Actor, environment: Environment, id: string): Promise<void> {
  const paused = await deps.webhooks.pause(actor.merchant.id, environment, id);
  if (!paused) throw new NotFoundError();
  if (paused.changed) await audit(deps, actor, 'webhook.paused', about(environment, paused.webhook));
}

export async function resumeWebhook(deps: WebhookDeps, actor: Actor, environment: Environment, id: string): Promise<void> {
  const resumed = await deps.webhooks.resume(actor.merchant.id, environment, id);
  if (!resumed) throw new NotFoundError();
  if (resumed.changed) await audit(deps, actor, 'webhook.resumed', about(environment, resumed.webhook));
}
