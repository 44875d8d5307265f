import type { onRequestHookHandler } from 'fastify';
import { afterNextPoll } from '../event-loop.js';

/**
 * Handles the requests read in one event-loop turn together: each waits until the turn's I/O callbacks have
 * all run, and the next poll's too (event-loop.ts), then all go on, one after the other, and their replies
 * leave back to back.
 *
 * Without it a request whose work is synchronous (a SQLite look-up) is answered inside its own socket's read
 * callback, so reads and replies alternate and each reply wakes the waiting client on its own. Token
 * issuance is left out: its replies already leave together after the group commit (write-batcher.ts).
 * The figures behind it are in bench/README.md, Decisions.
 *
 * Nothing is reordered or skipped: every request is handled in arrival order, at the latest one poll after
 * the turn it was read in.
 */
export class TurnBarrier {
  #turn: Promise<void> | undefined;

  /** Resolves once the current turn's I/O callbacks and the next poll's have run. */
  next(): Promise<void> {
    this.#turn ??= new Promise<void>((resolve) =>
      afterNextPoll(() => {
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
