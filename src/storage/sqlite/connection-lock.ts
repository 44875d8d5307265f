/**
 * The one better-sqlite3 connection is shared by Kysely's queries, which may hold it across `await`s (a
 * transaction), and by the hot path's prepared statements. This lock is what both take. A synchronous
 * statement run while nobody holds it needs no lock at all (nothing can interleave with synchronous
 * code), so the hot path pays for neither a promise chain nor Kysely's connection builder when the
 * connection is free, and queues in FIFO order behind a transaction when it is not.
 */
export class ConnectionLock {
  #held = false;
  readonly #waiters: Array<() => void> = [];

  async acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Hands the connection to the next waiter (it stays held), or frees it. */
  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#held = false;
  }

  /** Runs synchronous `fn` with the connection: at once when it is free, else after the holders before it. */
  run<T>(fn: () => T): Promise<T> {
    if (!this.#held) {
      try {
        return Promise.resolve(fn());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.acquire().then(() => {
      try {
        return fn();
      } finally {
        this.release();
      }
    });
  }
}
