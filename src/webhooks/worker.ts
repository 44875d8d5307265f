import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { Environment, NotificationRecord, WebhookRecord, WebhookRepository } from '../storage/types.js';
import { sendOnce } from './attempt.js';
import type { Deliverer } from './delivery.js';
import type { SecretBox } from '../core/secret-box.js';
import type { TargetPolicy } from './target-policy.js';

/** When the worker wakes up. Injected, so tests drive it by hand instead of sleeping. */
export interface Scheduler {
  /** Calls `fn` every `ms` until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
  /** Calls `fn` as soon as the current work yields. */
  soon(fn: () => void): void;
}

export const timerScheduler: Scheduler = {
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
  soon(fn) {
    setImmediate(fn);
  },
};

/** Never fires on its own: the owner calls `tick()` / `runDue()` (tests). */
export const manualScheduler: Scheduler = { every: () => () => {}, soon: () => {} };

export interface Backoff {
  /** Delay before the 2nd attempt, seconds; each later delay doubles. */
  baseSeconds: number;
  /** Longest delay between two attempts, seconds. */
  maxSeconds: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseSeconds: 30, maxSeconds: 2 * 3600 };

/**
 * Seconds to wait after the `failures`-th failed attempt: exponential, capped, with jitter in the top quarter
 * of the interval ("equal jitter" narrowed), so receivers coming back from an outage are not hit in lockstep
 * and each delay is still longer than the one before until the cap.
 */
export function retryDelay(failures: number, backoff: Backoff, random: () => number = Math.random): number {
  const full = Math.min(backoff.baseSeconds * 2 ** Math.max(0, failures - 1), backoff.maxSeconds);
  return Math.max(1, Math.ceil(full * (0.75 + 0.25 * random())));
}

interface WorkerDeps {
  repo: WebhookRepository;
  clock: Clock;
  secrets: SecretBox;
  deliver: Deliverer;
  policyFor(environment: Environment): TargetPolicy;
  /** Deliveries in flight at once, over all webhooks (each webhook has at most one). */
  maxConcurrency: number;
  /** Longest a delivery may take; the webhook's lease outlives it comfortably. */
  timeoutMs: number;
  pollMs: number;
  /** How often finished notifications past their retention are purged, ms. */
  purgeMs?: number;
  /** Finished (delivered, failed, cancelled) notifications are kept this long, seconds (default 30 days). */
  retentionSeconds?: number;
  scheduler: Scheduler;
  backoff?: Backoff;
  random?: () => number;
  logger?: Logger;
}

/**
 * Drains the notification outbox (at-least-once). Each webhook is leased in the database before one of its
 * notifications is sent, so across any number of processes sharing PostgreSQL a webhook has one delivery in
 * flight; a process that dies mid-delivery leaves a lease that expires, and the notification is sent again.
 * Any 2xx acknowledges; anything else is retried with backoff until the notification's give-up time.
 */
export class DeliveryWorker {
  /** This process's lease owner id. */
  readonly id = randomUUID();
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #aborts = new Set<AbortController>();
  #tickChain: Promise<number> = Promise.resolve(0);
  #stopPolling: (() => void) | undefined;
  #stopPurging: (() => void) | undefined;
  #running = false;

  constructor(private readonly deps: WorkerDeps) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#stopPolling = this.deps.scheduler.every(this.deps.pollMs, () => this.kick());
    this.#stopPurging = this.deps.scheduler.every(this.deps.purgeMs ?? 300_000, () => void this.purge());
    this.kick();
  }

  /**
   * Deletes finished notifications older than the retention, in bounded batches with a yield between them
   * (the notification log would otherwise grow forever). Pending ones are never purged.
   */
  async purge(batch = 1000): Promise<number> {
    const before = this.deps.clock.now() - (this.deps.retentionSeconds ?? 30 * 24 * 3600);
    let total = 0;
    try {
      for (let i = 0; i < 1000; i++) {
        const n = await this.deps.repo.purgeNotifications(before, batch);
        total += n;
        if (n < batch) break;
        await new Promise((r) => setImmediate(r));
      }
    } catch (err) {
      this.deps.logger?.warn({ err: { message: (err as Error).message } }, 'notification purge failed; will retry');
    }
    return total;
  }

  /** Look for due work soon (after an enqueue, or when a slot frees up). */
  kick(): void {
    if (this.#running) this.deps.scheduler.soon(() => void this.tick().catch(() => {}));
  }

  /** Starts deliveries for due notifications, up to the free slots; resolves once they are started. Ticks run one at a time. */
  tick(): Promise<number> {
    this.#tickChain = this.#tickChain.then(
      () => this.#tickOnce(),
      () => this.#tickOnce(),
    );
    return this.#tickChain;
  }

  /** Delivers everything due now, waiting for each attempt to finish (tests, with a manual scheduler). */
  async runDue(): Promise<void> {
    for (;;) {
      const started = await this.tick();
      if (started === 0 && this.#inFlight.size === 0) return;
      await Promise.all(this.#inFlight.values());
    }
  }

  /** Deliveries currently in flight (their webhook ids). */
  get inFlight(): string[] {
    return [...this.#inFlight.keys()];
  }

  /** Stops polling, aborts deliveries in flight (they stay pending and are sent again later) and waits for them. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#stopPolling?.();
    this.#stopPurging?.();
    for (const a of this.#aborts) a.abort();
    await this.#tickChain.catch(() => {});
    await Promise.all(this.#inFlight.values());
  }

  async #tickOnce(): Promise<number> {
    const { repo, clock, maxConcurrency, timeoutMs } = this.deps;
    const free = maxConcurrency - this.#inFlight.size;
    if (free <= 0) return 0;
    const now = clock.now();
    const leaseUntil = now + Math.ceil(timeoutMs / 1000) + 60;
    let started = 0;
    try {
      const ids = await repo.dueWebhooks(now, free, this.inFlight);
      for (const webhookId of ids) {
        if (this.#inFlight.size >= maxConcurrency) break;
        if (!(await repo.claimWebhook(webhookId, this.id, now, leaseUntil))) continue;
        const due = await repo.nextDue(webhookId, now);
        if (!due) {
          await repo.releaseWebhook(webhookId, this.id);
          continue;
        }
        const attempt = this.#attempt(due.notification, due.webhook)
          .catch((err: Error) => this.deps.logger?.warn({ err: { message: err.message } }, 'webhook delivery bookkeeping failed'))
          .finally(() => {
            this.#inFlight.delete(webhookId);
            this.kick();
          });
        this.#inFlight.set(webhookId, attempt);
        started++;
      }
    } catch (err) {
      // Storage down: nothing is lost, the rows wait; the next poll tries again.
      this.deps.logger?.warn({ err: { message: (err as Error).message } }, 'webhook worker could not read the outbox');
    }
    return started;
  }

  async #attempt(n: NotificationRecord, w: WebhookRecord): Promise<void> {
    const { repo, clock } = this.deps;
    const t = clock.now();
    const abort = new AbortController();
    this.#aborts.add(abort);
    let outcome;
    try {
      outcome = await sendOnce(this.deps, n, w, t, abort.signal);
    } finally {
      this.#aborts.delete(abort);
    }
    if (abort.signal.aborted) {
      // Shutting down: this attempt does not count; the notification stays due.
      await repo.releaseWebhook(w.id, this.id);
      return;
    }
    const failures = n.attempts + 1;
    const next = outcome.ok ? t : t + retryDelay(failures, this.deps.backoff ?? DEFAULT_BACKOFF, this.deps.random);
    await repo.finishAttempt(n.id, w.id, this.id, {
      status: outcome.ok ? 'delivered' : next > n.giveUpAt ? 'failed' : 'pending',
      sentAt: t,
      responseCode: outcome.status,
      lastError: outcome.error,
      nextAttemptAt: next,
      url: w.payloadUrl,
    });
    this.deps.logger?.info(
      { notification: n.id, webhook: w.id, status: outcome.status, ok: outcome.ok, attempt: failures },
      'webhook delivery attempt',
    );
  }
}
