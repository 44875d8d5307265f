import { afterNextPoll } from '../event-loop.js';

/**
 * Group commit: rows written by concurrent requests within one event-loop turn are committed together, in
 * one transaction, and each caller's promise settles only after that commit. A commit costs one fsync
 * whatever it holds, so under load throughput grows with the batch while every response still waits for
 * its own row to be durable. A failed commit rejects every caller in the batch (each answers 503).
 */
export class WriteBatcher<T> {
  #queue: Array<{ item: T; resolve: () => void; reject: (err: unknown) => void }> = [];
  #scheduled = false;

  constructor(
    private readonly commit: (items: T[]) => Promise<void>,
    private readonly maxBatch = 512,
  ) {}

  write(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // After this turn's I/O callbacks and the next poll's (event-loop.ts), so requests parsed together
        // commit together (a lower token p99: bench/README.md, decisions).
        afterNextPoll(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    // One flush at a time: rows that arrive while a commit is under way form the next batch.
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.maxBatch);
      try {
        await this.commit(batch.map((b) => b.item));
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.#scheduled = false;
  }
}
