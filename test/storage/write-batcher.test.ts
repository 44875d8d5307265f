import { readFile } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WriteBatcher } from '../../src/storage/write-batcher.js';

describe('write batcher › group commit', () => {
  it('rows written in one turn, and in the poll after it, are committed in one batch; each caller settles after that commit', async () => {
    const commits: string[][] = [];
    const batcher = new WriteBatcher<string>(async (rows) => {
      commits.push(rows);
    });
    const settled: string[] = [];
    let committedBeforeSecond = -1;
    await new Promise<void>((resolve) => {
      readFile(import.meta.filename ?? new URL(import.meta.url).pathname, () => {
        // An I/O callback: a request read in this turn's poll.
        const first = batcher.write('first').then(() => settled.push('first'));
        setImmediate(() => {
          // The check phase of the same turn: a row written now still joins the first batch.
          committedBeforeSecond = commits.length;
          const second = batcher.write('second').then(() => settled.push('second'));
          void Promise.all([first, second]).then(() => resolve());
        });
      });
    });
    expect(committedBeforeSecond).toBe(0);
    expect(commits).toEqual([['first', 'second']]);
    expect(settled).toEqual(['first', 'second']);
  });

  it('a row written while a commit is under way goes into the next batch, and a failed commit rejects only its own batch', async () => {
    const commits: string[][] = [];
    let fail = true;
    const batcher = new WriteBatcher<string>(async (rows) => {
      commits.push(rows);
      await new Promise((r) => setTimeout(r, 5));
      if (fail) {
        fail = false;
        throw new Error('disk full');
      }
    });
    const a = batcher.write('a');
    // Wait until the first commit has started, then write again.
    while (commits.length === 0) await new Promise((r) => setImmediate(r));
    const b = batcher.write('b');
    await expect(a).rejects.toThrow('disk full');
    await expect(b).resolves.toBeUndefined();
    expect(commits).toEqual([['a'], ['b']]);
  });
});
