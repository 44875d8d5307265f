import { readFile } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TurnBarrier } from '../../src/http/turn-barrier.js';

describe('turn barrier › the requests of one event-loop turn are handled together', () => {
  it('callers of one turn go on together, after the turn, in the order they arrived', async () => {
    const barrier = new TurnBarrier();
    const order: string[] = [];
    const calls = ['a', 'b', 'c'].map((name) => barrier.next().then(() => order.push(name)));
    // Nothing goes on before the turn is over: microtasks alone do not release anyone.
    await Promise.resolve();
    await Promise.resolve();
    expect(order).toEqual([]);
    await Promise.all(calls);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('a caller waits for the I/O callbacks of its turn and of the next poll, and no longer', async () => {
    const barrier = new TurnBarrier();
    const order: string[] = [];
    // An I/O callback (the poll phase runs before setImmediate's check phase).
    await new Promise<void>((resolve) => {
      readFile(import.meta.filename ?? new URL(import.meta.url).pathname, () => {
        void barrier.next().then(() => order.push('first request'));
        setImmediate(() => {
          // This turn's check phase: the barrier has not let the first request go yet, so a request read
          // now (or in the poll that follows) joins it.
          order.push('check phase');
          void barrier.next().then(() => order.push('second request'));
          setImmediate(() => setImmediate(() => {
            order.push('two turns later');
            resolve();
          }));
        });
        order.push('read done');
      });
    });
    expect(order).toEqual(['read done', 'check phase', 'first request', 'second request', 'two turns later']);
  });

  it('a caller after a turn ended waits for a turn of its own', async () => {
    const barrier = new TurnBarrier();
    await barrier.next();
    let released = false;
    const later = barrier.next().then(() => (released = true));
    await Promise.resolve();
    expect(released).toBe(false);
    await later;
    expect(released).toBe(true);
  });
});
