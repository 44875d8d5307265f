/** What the primary does when a worker exits on its own. */
type RestartDecision = { action: 'restart'; delayMs: number } | { action: 'give-up'; quickFailures: number };

interface RestartPolicyOptions {
  /** A worker that exits sooner than this after it was started counts as a quick failure. */
  quickExitMs: number;
  /** Delay before the first restart; it doubles with each quick failure in a row. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Quick failures in a row after which the primary stops trying. */
  maxQuickFailures: number;
}

const DEFAULT_RESTART_POLICY: Readonly<RestartPolicyOptions> = Object.freeze({
  quickExitMs: 10_000,
  firstDelayMs: 250,
  maxDelayMs: 8_000,
  maxQuickFailures: 6,
});

/**
 * Restarts crashed workers with a growing delay. A worker that cannot start (database down, port taken)
 * fails again at once, so restarting it without a pause would spin; after enough quick failures in a row the
 * fault is not passing and the primary gives up. A worker that ran a while resets the count.
 */
export class RestartPolicy {
  #quickFailures = 0;

  constructor(private readonly options: RestartPolicyOptions = DEFAULT_RESTART_POLICY) {}

  /** `uptimeMs`: how long the worker that exited had been running. */
  onExit(uptimeMs: number): RestartDecision {
    if (uptimeMs >= this.options.quickExitMs) this.#quickFailures = 0;
    this.#quickFailures += 1;
    if (this.#quickFailures > this.options.maxQuickFailures) return { action: 'give-up', quickFailures: this.#quickFailures - 1 };
    const delayMs = Math.min(this.options.firstDelayMs * 2 ** (this.#quickFailures - 1), this.options.maxDelayMs);
    return { action: 'restart', delayMs };
  }
}
