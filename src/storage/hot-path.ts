import type { Kysely } from 'kysely';
import { KyselyClientRepository } from './repositories/clients.js';
import { KyselyFailureCounterRepository } from './repositories/failures.js';
import { KyselyTokenRepository } from './repositories/tokens.js';
import type { Database } from './schema.js';
import type {
  ClientFilter,
  ClientRecord,
  ClientRepository,
  FailureCounterRepository,
  FailureWindow,
  PublicJwk,
  SecretDetails,
  SecretUse,
  Store,
  TokenRecord,
  TokenRepository,
} from './types.js';
import { WriteBatcher } from './write-batcher.js';

export interface FailureRow {
  key: string;
  window_start: number;
  count: number;
}

/**
 * The statements a backend runs its own way on the token hot path (sqlite/hot-path.ts,
 * postgres/hot-path.ts): prepared statements and group commit. The repositories below are composed of
 * these and of the shared Kysely queries, each method written in exactly one of the two.
 */
export interface HotPath {
  /** A live client (not deleted), mapped by records.ts. */
  findClient(id: string): Promise<ClientRecord | undefined>;
  findClientOwner(id: string): Promise<Pick<ClientRecord, 'environment' | 'merchantId'> | undefined>;
  findToken(key: string): Promise<TokenRecord | undefined>;
  /** Counter rows of these keys whose window started after `since`. */
  readFailureRows(keys: string[], since: number): Promise<FailureRow[]>;
  /** Resolves once the row is committed (grouped with concurrent inserts). */
  insertToken(token: TokenRecord): Promise<void>;
  /** Marks this one token revoked unless it already is; resolves once committed (grouped). */
  revokeTokenOnly(key: string, now: number): Promise<void>;
}

/** The clients, tokens and failure counters of a store whose backend has a hot path. */
export function hotPathRepositories(hot: HotPath, db: Kysely<Database>): Pick<Store, 'clients' | 'tokens' | 'failures'> {
  return {
    clients: new HotClientRepository(hot, new KyselyClientRepository(db)),
    tokens: new HotTokenRepository(hot, new KyselyTokenRepository(db)),
    failures: new HotFailureCounterRepository(hot, new KyselyFailureCounterRepository(db)),
  };
}

class HotClientRepository implements ClientRepository {
  constructor(
    private readonly hot: HotPath,
    private readonly shared: KyselyClientRepository,
  ) {}

  find(id: string): Promise<ClientRecord | undefined> {
    return this.hot.findClient(id);
  }
  findOwner(id: string): Promise<Pick<ClientRecord, 'environment' | 'merchantId'> | undefined> {
    return this.hot.findClientOwner(id);
  }
  create(client: ClientRecord, secretHint?: string | null): Promise<void> {
    return this.shared.create(client, secretHint);
  }
  list(filter: ClientFilter): Promise<ClientRecord[]> {
    return this.shared.list(filter);
  }
  count(): Promise<number> {
    return this.shared.count();
  }
  rotateSecret(id: string, newHash: string, previousExpiresAt: number, now: number, newHint?: string | null): Promise<boolean> {
    return this.shared.rotateSecret(id, newHash, previousExpiresAt, now, newHint);
  }
  expirePreviousSecret(id: string, now: number): Promise<boolean> {
    return this.shared.expirePreviousSecret(id, now);
  }
  replacePublicKeys(id: string, expected: PublicJwk[], next: PublicJwk[]): Promise<boolean> {
    return this.shared.replacePublicKeys(id, expected, next);
  }
  setScopes(id: string, scopes: string[]): Promise<boolean> {
    return this.shared.setScopes(id, scopes);
  }
  secretDetails(ids: string[]): Promise<Map<string, SecretDetails>> {
    return this.shared.secretDetails(ids);
  }
  recordSecretUses(uses: SecretUse[]): Promise<void> {
    return this.shared.recordSecretUses(uses);
  }
  rename(id: string, name: string): Promise<boolean> {
    return this.shared.rename(id, name);
  }
  delete(id: string, now: number): Promise<boolean> {
    return this.shared.delete(id, now);
  }
}

class HotTokenRepository implements TokenRepository {
  constructor(
    private readonly hot: HotPath,
    private readonly shared: KyselyTokenRepository,
  ) {}

  find(key: string): Promise<TokenRecord | undefined> {
    return this.hot.findToken(key);
  }
  insert(token: TokenRecord): Promise<void> {
    return this.hot.insertToken(token);
  }

  /** RFC 7009 §2.1: revoking a refresh token also revokes every token of its grant; any other token only itself. */
  async revoke(key: string, now: number): Promise<void> {
    const token = await this.hot.findToken(key);
    if (token === undefined) return;
    if (token.kind === 'refresh' && token.grantId !== null) await this.shared.revokeGrant(token.grantId, now);
    else await this.hot.revokeTokenOnly(key, now);
  }

  insertMany(tokens: TokenRecord[]): Promise<void> {
    return this.shared.insertMany(tokens);
  }
  revokeByClient(clientId: string, now: number): Promise<number> {
    return this.shared.revokeByClient(clientId, now);
  }
  revokeBySubject(clientId: string, subject: string, now: number): Promise<number> {
    return this.shared.revokeBySubject(clientId, subject, now);
  }
  revokeGrant(grantId: string, now: number): Promise<number> {
    return this.shared.revokeGrant(grantId, now);
  }
  rotateRefresh(key: string, now: number, successors: TokenRecord[]): Promise<'rotated' | 'lost'> {
    return this.shared.rotateRefresh(key, now, successors);
  }
  countActiveByClient(clientId: string, now: number): Promise<number> {
    return this.shared.countActiveByClient(clientId, now);
  }
  purgeExpired(before: number, limit: number): Promise<number> {
    return this.shared.purgeExpired(before, limit);
  }
}

interface FailureIncrement {
  keys: string[];
  now: number;
  windowSeconds: number;
}

/**
 * The shared failure limiter asks this before every client authentication (PostgreSQL, --workers N), and
 * records every failure here. Failures of one event-loop turn are written together: one upsert statement
 * per turn instead of one per key, each caller resolving after that commit.
 */
class HotFailureCounterRepository implements FailureCounterRepository {
  readonly #increments: WriteBatcher<FailureIncrement>;

  constructor(
    private readonly hot: HotPath,
    private readonly shared: KyselyFailureCounterRepository,
  ) {
    this.#increments = new WriteBatcher(async (items) => {
      for (const { now, windowSeconds, counts } of groupIncrements(items)) await this.shared.incrementCounts(counts, now, windowSeconds);
    });
  }

  async read(keys: string[], since: number): Promise<Map<string, FailureWindow>> {
    const rows = await this.hot.readFailureRows(keys, since);
    return new Map(rows.map((r) => [r.key, { windowStart: Number(r.window_start), count: Number(r.count) }]));
  }

  increment(keys: string[], now: number, windowSeconds: number): Promise<void> {
    return this.#increments.write({ keys, now, windowSeconds });
  }

  purge(before: number, limit: number): Promise<number> {
    return this.shared.purge(before, limit);
  }
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
