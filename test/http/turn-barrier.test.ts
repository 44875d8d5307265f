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

  it('a caller waits for the I/O callbacks of its turn, and no longer than that turn', async () => {
    const barrier = new TurnBarrier();
    const order: string[] = [];
    // An I/O callback of the same turn (the poll phase runs before setImmediate's check phase).
    await new Promise<void>((resolve) => {
      readFile(import.meta.filename ?? new URL(import.meta.url).pathname, () => {
        void barrier.next().then(() => order.push('request'));
        setImmediate(() => {
          order.push('next turn');
          resolve();
        });
        order.push('read done');
      });
    });
    expect(order).toEqual(['read done', 'request', 'next turn']);
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
