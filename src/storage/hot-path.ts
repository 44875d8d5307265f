import type { Kysely } from 'kysely';
import { KyselyClientRepository } from './repositories/clients.js';
import { KyselyFailureCounterRepository } from './repositories/failures.js';
import { KyselyTokenRepository } from './repositories/tokens.js';
import type { Database } from './schema.js';
import type { ClientRecord, Environment, FailureWindow, TokenRecord } from './types.js';
import { WriteBatcher } from './write-batcher.js';

export interface FailureRow {
  key: string;
  window_start: number;
  count: number;
}

/**
 * What a backend runs its own way on the token hot path (sqlite/fast-path.ts, postgres/fast-path.ts):
 * prepared statements and group commit. Everything else is the shared Kysely repositories'.
 */
export interface HotPath {
  readonly db: Kysely<Database>;
  /** A live client (not deleted), mapped by records.ts. */
  findClient(id: string): Promise<ClientRecord | undefined>;
  /** A live client's `environment` and `merchant_id` alone; absent where the full row is read instead. */
  findClientOwnerRow?(id: string): Promise<{ environment: string; merchant_id: string | null } | undefined>;
  findToken(hash: string): Promise<TokenRecord | undefined>;
  /** Undefined when this backend has no fast statement for these keys (the Kysely query runs instead). */
  readFailureRows(keys: string[], since: number): Promise<FailureRow[]> | undefined;
  /** Resolves once the row is committed (grouped with concurrent inserts). */
  insertToken(token: TokenRecord): Promise<void>;
  /** Resolves once committed; same rule as KyselyTokenRepository.revoke (RFC 7009 §2.1). */
  revokeToken(hash: string, now: number): Promise<void>;
}

interface FailureIncrement {
  keys: string[];
  now: number;
  windowSeconds: number;
}

/**
 * A batch of failures as one count per key for each (time, window): a credential-stuffing run fails from
 * one address many times a turn, and one statement cannot update a row twice.
 */
function groupIncrements(items: FailureIncrement[]): Array<{ now: number; windowSeconds: number; counts: Map<string, number> }> {
  const groups = new Map<string, { now: number; windowSeconds: number; counts: Map<string, number> }>();
  for (const { keys, now, windowSeconds } of items) {
    const id = `${now} ${windowSeconds}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { now, windowSeconds, counts: new Map() }));
    for (const k of keys) g.counts.set(k, (g.counts.get(k) ?? 0) + 1);
  }
  return [...groups.values()];
}

export class HotClientRepository extends KyselyClientRepository {
  constructor(private readonly hot: HotPath) {
    super(hot.db);
  }

  override find(id: string): Promise<ClientRecord | undefined> {
    return this.hot.findClient(id);
  }

  override async findOwner(id: string): Promise<Pick<ClientRecord, 'environment' | 'merchantId'> | undefined> {
    if (this.hot.findClientOwnerRow === undefined) return super.findOwner(id);
    const row = await this.hot.findClientOwnerRow(id);
    return row && { environment: row.environment as Environment, merchantId: row.merchant_id };
  }
}

export class HotTokenRepository extends KyselyTokenRepository {
  constructor(private readonly hot: HotPath) {
    super(hot.db);
  }

  override insert(token: TokenRecord): Promise<void> {
    return this.hot.insertToken(token);
  }

  override revoke(hash: string, now: number): Promise<void> {
    return this.hot.revokeToken(hash, now);
  }

  override find(hash: string): Promise<TokenRecord | undefined> {
    return this.hot.findToken(hash);
  }
}

/**
 * The shared failure limiter asks this before every client authentication (PostgreSQL, --workers N), and
 * records every failure here. Failures of one event-loop turn are written together: one upsert statement
 * per turn instead of one per key, each caller resolving after that commit.
 */
export class HotFailureCounterRepository extends KyselyFailureCounterRepository {
  readonly #increments: WriteBatcher<FailureIncrement>;

  constructor(private readonly hot: HotPath) {
    super(hot.db);
    this.#increments = new WriteBatcher(async (items) => {
      for (const { now, windowSeconds, counts } of groupIncrements(items)) await this.incrementCounts(counts, now, windowSeconds);
    });
  }

  override async read(keys: string[], since: number): Promise<Map<string, FailureWindow>> {
    const pending = this.hot.readFailureRows(keys, since);
    if (pending === undefined) return super.read(keys, since);
    const rows = await pending;
    return new Map(rows.map((r) => [r.key, { windowStart: Number(r.window_start), count: Number(r.count) }]));
  }

  override increment(keys: string[], now: number, windowSeconds: number): Promise<void> {
    return this.#increments.write({ keys, now, windowSeconds });
  }
}
