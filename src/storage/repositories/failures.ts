import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { FailureCounterRepository } from '../types.js';

/** Fixed-window failure counters over Kysely: the upsert and the purge (reads are each backend's hot path, hot-path.ts). */
export class KyselyFailureCounterRepository implements Pick<FailureCounterRepository, 'purge'> {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Adds `n` failures to each key in one statement (atomic on both backends, so concurrent failures on
   * several nodes all count). A window older than `windowSeconds` starts over at `now` with `n`. SET
   * expressions see the row as it was, so both CASEs test the old window_start. Keys must be distinct:
   * one statement cannot update a row twice (PostgreSQL refuses it).
   */
  async incrementCounts(counts: ReadonlyMap<string, number>, now: number, windowSeconds: number): Promise<void> {
    if (counts.size === 0) return;
    const expired = now - windowSeconds;
    await this.db
      .insertInto('auth_failures')
      .values([...counts].map(([key, n]) => ({ key, window_start: now, count: n })))
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => ({
          count: eb
            .case()
            .when('auth_failures.window_start', '<=', expired)
            .then(eb.ref('excluded.count'))
            .else(eb('auth_failures.count', '+', eb.ref('excluded.count')))
            .end(),
          window_start: eb.case().when('auth_failures.window_start', '<=', expired).then(now).else(eb.ref('auth_failures.window_start')).end(),
        })),
      )
      .execute();
  }

  async purge(before: number, limit: number): Promise<number> {
    const res = await this.db
      .deleteFrom('auth_failures')
      .where('key', 'in', (eb) => eb.selectFrom('auth_failures').select('key').where('window_start', '<', before).limit(limit))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
