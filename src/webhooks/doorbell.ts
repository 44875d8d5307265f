/**
 * Wakes waiters in this process when something they wait for happens here (a delivery put in a listen
 * session's mailbox, an answer reported). Waiters also wake after their own short interval, to read the
 * store again: what another node puts there rings no bell here.
 */
export class Doorbell {
  readonly #waiters = new Map<string, Set<() => void>>();

  ring(key: string): void {
    const set = this.#waiters.get(key);
    if (!set) return;
    this.#waiters.delete(key);
    for (const wake of set) wake();
  }

  /** Resolves when `key` rings, after `ms`, or when `signal` aborts, whichever is first. */
  wait(key: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      let set = this.#waiters.get(key);
      if (!set) this.#waiters.set(key, (set = new Set()));
      const waiters = set;
      const wake = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', wake);
        waiters.delete(wake);
        if (waiters.size === 0 && this.#waiters.get(key) === waiters) this.#waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      waiters.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }
}
