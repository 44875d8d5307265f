import type { onRequestHookHandler } from 'fastify';

/**
 * Handles the requests read in one event-loop turn together: each waits until the turn's I/O callbacks have
 * all run (setImmediate, the check phase after the poll phase), then all go on, one after the other, and
 * their replies leave back to back.
 *
 * Without it a request whose work is synchronous (a SQLite look-up) is answered inside its own socket's read
 * callback, so reads and replies alternate and each reply wakes the waiting client on its own: on this
 * 2-core KVM guest, sending one reply cost about twice the kernel time when replies came one by one
 * (`perf`: 13.6 against 8.3 µs), and running all of a turn's parsing, then all of its handlers, keeps each
 * code path hot. Measured on `/v1/webhooks` and introspection on SQLite: 66 → 43 µs and 71 → 45 µs of CPU
 * per request, p99 lower too. Token issuance is left out: its replies already leave together after the group
 * commit (write-batcher.ts), and the extra turn cost it ≈ 2 µs.
 *
 * Nothing is reordered or skipped: every request is handled in the turn it was read, in arrival order.
 */
export class TurnBarrier {
  #turn: Promise<void> | undefined;

  /** Resolves once the current turn's I/O callbacks have run. */
  next(): Promise<void> {
    this.#turn ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.#turn = undefined;
        resolve();
      }),
    );
    return this.#turn;
  }

  /** The barrier as a Fastify `onRequest` hook. */
  readonly hook: onRequestHookHandler = (_request, _reply, done) => {
    void this.next().then(() => done());
  };
}
