import type { Clock } from '../core/clock.js';
import type { AuditRepository, ClientRepository, SecretUse, UsageIncrement, UsageRepository } from '../storage/types.js';

interface UsageRecorderDeps {
  usage: Pick<UsageRepository, 'add' | 'owners'>;
  audit: Pick<AuditRepository, 'append'>;
  /** Where "last used" per secret is written; absent, secret uses are not recorded. */
  clients?: Pick<ClientRepository, 'recordSecretUses'>;
  clock: Clock;
  /** Bound on remembered keys between flushes, so a flood of random client ids cannot grow memory. */
  maxKeys?: number;
  /** Failed authentications are written to the audit trail at most this often per client, seconds. */
  auditEverySeconds?: number;
}

interface FailureBatch {
  count: number;
  first: number;
  last: number;
  ips: Map<string, number>;
}

/**
 * Counts issued tokens and failed client authentications in memory and writes them in bulk. The token hot
 * path pays one Map update; a timer (every few seconds) turns the counts into one additive upsert of
 * hourly counters, and failed authentications into one audit row per client per minute. A crash loses at most
 * one interval of counts, never a token. Counts for client ids that do not exist are dropped at flush.
 */
export class UsageRecorder {
  #counts = new Map<string, UsageIncrement>();
  #failures = new Map<string, FailureBatch>();
  /** Latest use per secret digest: one row update per secret used since the last flush. */
  #secretUses = new Map<string, SecretUse>();
  #lastAudit: number;
  readonly #maxKeys: number;
  #flushing: Promise<void> | undefined;

  constructor(private readonly deps: UsageRecorderDeps) {
    this.#maxKeys = deps.maxKeys ?? 20_000;
    this.#lastAudit = deps.clock.now();
  }

  issued(clientId: string, at: number): void {
    this.#count(clientId, at, 'issued', true);
  }

  secretUsed(clientId: string, secretHash: string, at: number): void {
    const seen = this.#secretUses.get(secretHash);
    if (seen) seen.at = Math.max(seen.at, at);
    else if (this.#secretUses.size < this.#maxKeys) this.#secretUses.set(secretHash, { clientId, secretHash, at });
  }

  failed(clientId: string, ip: string): void {
    const now = this.deps.clock.now();
    if (!this.#count(clientId, now, 'failed', false)) return;
    let batch = this.#failures.get(clientId);
    if (!batch) {
      batch = { count: 0, first: now, last: now, ips: new Map() };
      this.#failures.set(clientId, batch);
    }
    batch.count++;
    batch.last = now;
    if (batch.ips.has(ip) || batch.ips.size < 5) batch.ips.set(ip, (batch.ips.get(ip) ?? 0) + 1);
  }

  #count(clientId: string, at: number, field: 'issued' | 'failed', always: boolean): boolean {
    const hour = at - (at % 3600);
    const key = `${clientId} ${hour}`;
    let c = this.#counts.get(key);
    if (!c) {
      if (!always && this.#counts.size >= this.#maxKeys) return false;
      c = { clientId, hour, issued: 0, failed: 0 };
      this.#counts.set(key, c);
    }
    c[field]++;
    return true;
  }

  /**
   * Writes what was counted since the last flush. Concurrent calls share one flush; a forced one asked for
   * while a timer's flush runs waits for it and then runs forced, so it also writes the failure audit rows.
   */
  flush(options: { force?: boolean } = {}): Promise<void> {
    if (this.#flushing && options.force) {
      const again = () => this.flush(options);
      return this.#flushing.then(again, again);
    }
    this.#flushing ??= this.#flush(options.force ?? false).finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #flush(force: boolean): Promise<void> {
    const now = this.deps.clock.now();
    const counts = [...this.#counts.values()];
    this.#counts = new Map();
    const secretUses = [...this.#secretUses.values()];
    this.#secretUses = new Map();
    const auditDue = force || now - this.#lastAudit >= (this.deps.auditEverySeconds ?? 60);
    const failures = auditDue ? this.#failures : new Map<string, FailureBatch>();
    if (auditDue) {
      this.#failures = new Map();
      this.#lastAudit = now;
    }
    try {
      // First: it is idempotent (a later time wins), so a retry after a failure below repeats no harm.
      await this.deps.clients?.recordSecretUses(secretUses);
      const failedIds = [...new Set(counts.filter((c) => c.failed > 0).map((c) => c.clientId)), ...failures.keys()];
      const owners = await this.deps.usage.owners([...new Set(failedIds)]);
      await this.deps.usage.add(counts.filter((c) => c.issued > 0 || owners.has(c.clientId)));
      const events = [...failures].flatMap(([clientId, b]) => {
        const owner = owners.get(clientId);
        if (!owner) return [];
        const ips = [...b.ips].sort((x, y) => y[1] - x[1]);
        return [{
          merchantId: owner.merchantId,
          clientId,
          environment: owner.environment,
          action: 'client_auth_failed',
          actor: 'client',
          ip: ips[0]?.[0] ?? null,
          detail: { first: b.first, last: b.last, ips: ips.map(([ip, n]) => ({ ip, count: n })) },
          count: b.count,
          at: b.last,
        }];
      });
      await this.deps.audit.append(events);
    } catch (err) {
      // Keep the counts for the next flush (bounded by maxKeys), so a database blip loses nothing.
      for (const c of counts) {
        const key = `${c.clientId} ${c.hour}`;
        const cur = this.#counts.get(key);
        if (cur) {
          cur.issued += c.issued;
          cur.failed += c.failed;
        } else if (this.#counts.size < this.#maxKeys) this.#counts.set(key, c);
      }
      for (const [id, b] of failures) if (!this.#failures.has(id)) this.#failures.set(id, b);
      for (const u of secretUses) this.secretUsed(u.clientId, u.secretHash, u.at);
      throw err;
    }
  }
}
