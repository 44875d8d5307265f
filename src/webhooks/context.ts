import type { Clock } from '../core/clock.js';
import type { Environment, ListenSessionRepository, WebhookOwner, WebhookRepository } from '../storage/types.js';
import type { Doorbell } from './doorbell.js';
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
  /** Listen sessions (sandbox): their mailboxes, and the bell that wakes their long polls in this process. */
  listen: ListenSessionRepository;
  doorbell: Doorbell;
  /** Aborts when the app closes, so long polls answer at once instead of holding the shutdown. */
  closing: AbortSignal;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The merchant and environment the bearer token's credential belongs to. */
    webhookOwner: WebhookOwner | null;
  }
}

/** Notifications are given up this long after they were created (myPOS retries for up to 3 days). */
export const GIVE_UP_AFTER_SECONDS = 3 * 24 * 3600;

/** A listen session nobody polls for this long ends (and is purged); each poll pushes it back. */
export const LISTEN_IDLE_SECONDS = 60;
/** Longest a poll for the next delivery waits before answering 204 (the default when `wait` is not given). */
export const LISTEN_MAX_WAIT_SECONDS = 30;
export const LISTEN_DEFAULT_WAIT_SECONDS = 25;
/** How often a waiting poll, or a delivery waiting for its answer, reads the store again (other nodes ring no bell here). */
export const LISTEN_RECHECK_MS = 250;
