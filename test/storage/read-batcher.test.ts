import { describe, expect, it } from 'vitest';
import { ReadBatcher } from '../../src/storage/read-batcher.js';

/** A loader over a fixed table that records every statement it was asked to run. */
function table(rows: Record<string, string>, fail = false) {
  const calls: string[][] = [];
  const batcher = new ReadBatcher<string, string>(async (keys) => {
    calls.push(keys);
    if (fail) throw new Error('connection lost');
    return new Map(keys.filter((k) => k in rows).map((k) => [k, rows[k]!]));
  }, 4);
  return { batcher, calls };
}

describe('ReadBatcher', () => {
  it('reads asked for in one turn share one statement, each key once; every caller gets its own row', async () => {
    const { batcher, calls } = table({ a: 'A', b: 'B' });
    const results = await Promise.all(['a', 'b', 'a', 'missing'].map((k) => batcher.read(k)));
    expect(results).toEqual(['A', 'B', 'A', undefined]);
    expect(calls).toEqual([['a', 'b', 'missing']]);
  });

  it('a read asked for after a batch left is read again, never answered from the earlier result', async () => {
    const rows: Record<string, string> = { a: 'old' };
    const { batcher, calls } = table(rows);
    expect(await batcher.read('a')).toBe('old');
    rows.a = 'new';
    expect(await batcher.read('a')).toBe('new');
    expect(calls).toHaveLength(2);
  });

  it('a batch holds at most maxBatch distinct keys; the rest go in the next statement', async () => {
    const { batcher, calls } = table({});
    await Promise.all(['1', '2', '3', '4', '5', '6'].map((k) => batcher.read(k)));
    expect(calls.map((c) => c.length)).toEqual([4, 2]);
  });

  it('a failed statement rejects every caller of its batch with the error (each answers 503), and the next batch runs', async () => {
    const { batcher } = table({ a: 'A' }, true);
    const results = await Promise.allSettled([batcher.read('a'), batcher.read('b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(batcher.read('a')).rejects.toThrow('connection lost');
  });
});
