import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { FailureCounterRepository, FailureWindow } from '../types.js';

/** Fixed-window failure counters over Kysely; one upsert per failure, one indexed read per check. */
export class KyselyFailureCounterRepository implements FailureCounterRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async read(keys: string[], since: number): Promise<Map<string, FailureWindow>> {
    const rows = await this.db
      .selectFrom('auth_failures')
      .select(['key', 'window_start', 'count'])
      .where('key', 'in', keys)
      .where('window_start', '>', since)
      .execute();
    return new Map(rows.map((r) => [r.key, { windowStart: Number(r.window_start), count: Number(r.count) }]));
  }

  async increment(keys: string[], now: number, windowSeconds: number): Promise<void> {
    const expired = now - windowSeconds;
    // One statement per key: atomic on both backends, so concurrent failures on several nodes all count.
    for (const key of keys) {
      await this.db
        .insertInto('auth_failures')
        .values({ key, window_start: now, count: 1 })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => ({
            count: eb.case().when('auth_failures.window_start', '<=', expired).then(1).else(eb('auth_failures.count', '+', 1)).end(),
            window_start: eb.case().when('auth_failures.window_start', '<=', expired).then(now).else(eb.ref('auth_failures.window_start')).end(),
          })),
        )
        .execute();
    }
  }

  async purge(before: number, limit: number): Promise<number> {
    const res = await this.db
      .deleteFrom('auth_failures')
      .where('key', 'in', (eb) => eb.selectFrom('auth_failures').select('key').where('window_start', '<', before).limit(limit))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
