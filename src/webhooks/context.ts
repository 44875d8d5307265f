import type { Clock } from '../core/clock.js';
import type { Environment, WebhookOwner, WebhookRepository } from '../storage/types.js';
import type { SecretBox } from '../core/secret-box.js';
import type { TargetPolicy } from './target-policy.js';

/** What the Webhook API routes of one environment use. */
export interface WebhookApiContext {
  environment: Environment;
  repo: WebhookRepository;
  clock: Clock;
  secrets: SecretBox;
  policy: TargetPolicy;
  /** Tell the delivery worker there is new work. */
  kick(): void;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The merchant and environment the bearer token's credential belongs to. */
    webhookOwner: WebhookOwner | null;
  }
}

/** Notifications are given up this long after they were created (myPOS retries for up to 3 days). */
export const GIVE_UP_AFTER_SECONDS = 3 * 24 * 3600;
