import type { Clock } from '../core/clock.js';
import type { AttemptRecord, Environment, NotificationRecord, PageRequest, SubscriptionRecord, WebhookOwner, WebhookRecord, WebhookRepository } from '../storage/types.js';
import { findEvent } from './events.js';
import { looksLikeId } from './ids.js';
import { MAX_SECRET_GRACE_SECONDS } from './input.js';
import { ownerOf } from './owner.js';
import type { SecretBox } from '../core/secret-box.js';
import { ConflictError, NotFoundError } from './errors.js';
import type { ResendResult } from './resend.js';
import { newWebhookSecret, secretRoll } from './secret-roll.js';

/** A webhook as a merchant's pages show it: never a secret, sealed or not. */
type WebhookSummary = Omit<WebhookRecord, 'secretCiphertext' | 'previousSecretCiphertext'>;

interface MerchantConsoleDeps {
  repo: WebhookRepository;
  clock: Clock;
  secrets: SecretBox;
  /** Tell the delivery worker there is new work. */
  kick(): void;
  /** The Webhook API's resend (resend.ts), the one `POST /v1/notifications/{id}/resend` calls. */
  resend(owner: WebhookOwner, notificationId: string): Promise<ResendResult>;
}

/**
 * What the Web Account does with a merchant's webhooks, in the Webhook API's own terms: the merchant's
 * webhooks are those of its credentials (owner.ts), one set per environment. Every call answers undefined
 * for an id that is unknown or someone else's, so the pages can answer both with the same 404.
 */
export function merchantWebhookConsole(deps: MerchantConsoleDeps) {
  const { repo, clock } = deps;
  const ownerFor = (merchantId: string, environment: Environment): WebhookOwner => ownerOf({ merchantId }, environment);
  const live = async (o: WebhookOwner, id: string) => {
    const w = looksLikeId(id) ? await repo.findWebhook(o, id) : undefined;
    return w && w.deletedAt === null ? w : undefined;
  };

  return {
    maxSecretGraceSeconds: MAX_SECRET_GRACE_SECONDS,

    async list(merchantId: string, environment: Environment, page: PageRequest) {
      const { items, total } = await repo.listWebhooks(ownerFor(merchantId, environment), page);
      return { items: items.map(summary), total };
    },

    async find(merchantId: string, environment: Environment, id: string): Promise<WebhookSummary | undefined> {
      const w = await live(ownerFor(merchantId, environment), id);
      return w && summary(w);
    },

    async subscriptions(merchantId: string, environment: Environment, page: PageRequest, webhookId?: string) {
      const filter = webhookId === undefined ? {} : { webhookId };
      const { items, total } = await repo.listSubscriptions(ownerFor(merchantId, environment), page, filter);
      // The event's name beside its id, as the Webhook API shows a subscription.
      return { items: items.map((i): SubscriptionRecord & { event: string } => ({ ...i.subscription, event: findEvent(i.subscription.eventId)?.name ?? i.subscription.eventId })), total };
    },

    async deliveries(merchantId: string, environment: Environment, webhookId: string, page: PageRequest) {
      return repo.listNotifications(ownerFor(merchantId, environment), page, { webhookId });
    },

    async delivery(merchantId: string, environment: Environment, id: string): Promise<NotificationRecord | undefined> {
      return looksLikeId(id) ? repo.findNotification(ownerFor(merchantId, environment), id) : undefined;
    },

    /** Every attempt of one of the merchant's deliveries, oldest first; undefined when it is not theirs. */
    async attempts(merchantId: string, environment: Environment, id: string): Promise<AttemptRecord[] | undefined> {
      const n = looksLikeId(id) ? await repo.findNotification(ownerFor(merchantId, environment), id) : undefined;
      return n && repo.listAttempts(n.id);
    },

    /**
     * Sends a delivery again now, through the Webhook API's own resend. `webhook_deleted` when its webhook is
     * gone (nowhere to send it); undefined when the delivery is not the merchant's.
     */
    async resend(merchantId: string, environment: Environment, id: string) {
      try {
        const { notification, attempt } = await deps.resend(ownerFor(merchantId, environment), id);
        return { status: 'sent' as const, notification, attempt };
      } catch (err) {
        if (err instanceof NotFoundError) return undefined;
        if (err instanceof ConflictError) return { status: 'webhook_deleted' as const };
        throw err;
      }
    },

    /** A new generated secret; the replaced one keeps signing for `graceSeconds` (0: it stops at once). */
    async rollSecret(merchantId: string, environment: Environment, id: string, graceSeconds: number) {
      if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_SECRET_GRACE_SECONDS) {
        throw new RangeError(`grace must be 0 to ${MAX_SECRET_GRACE_SECONDS} seconds`);
      }
      const o = ownerFor(merchantId, environment);
      const w = await live(o, id);
      if (!w) return undefined;
      const secret = newWebhookSecret();
      const now = clock.now();
      if (!(await repo.updateWebhook(o, w.id, secretRoll(deps.secrets, w.id, secret, graceSeconds, now), now))) return undefined;
      return { webhook: summary((await repo.findWebhook(o, w.id))!), secret };
    },

    /** Holds the webhook's deliveries; `changed` is false when it was paused already. */
    async pause(merchantId: string, environment: Environment, id: string) {
      const o = ownerFor(merchantId, environment);
      const w = await live(o, id);
      if (!w) return undefined;
      return { webhook: summary(w), changed: await repo.pauseWebhook(o, w.id, clock.now()) };
    },

    /** Lets the held deliveries go out now; `changed` is false when it was not paused. */
    async resume(merchantId: string, environment: Environment, id: string) {
      const o = ownerFor(merchantId, environment);
      const w = await live(o, id);
      if (!w) return undefined;
      const changed = await repo.resumeWebhook(o, w.id, clock.now());
      if (changed) deps.kick();
      return { webhook: summary(w), changed };
    },
  };
}

export type MerchantWebhookConsole = ReturnType<typeof merchantWebhookConsole>;

function summary(w: WebhookRecord): WebhookSummary {
  const { secretCiphertext: _sealed, previousSecretCiphertext: _previous, ...rest } = w;
  return rest;
}
