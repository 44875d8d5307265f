import { createHash } from 'node:crypto';
import type { FailureCounterRepository } from '../storage/types.js';
import type { Clock } from './clock.js';
import type { AuthFailureLimiter, FailureLimits } from './failure-limiter.js';

const WINDOW_SECONDS = 60;
/** Key pairs remembered for the (subject, address) pairs seen last; cleared whole when full. */
const KEY_CACHE_SIZE = 10_000;

/**
 * The failure limiter for several server processes on one database (PostgreSQL nodes, or `--workers` on
 * SQLite): the counters live in the store, so a guesser cannot multiply its budget by spreading requests
 * over nodes. The check reads the shared counters before the secret is verified, so a blocked caller
 * learns nothing from a correct guess (SECURITY-CASES A21).
 *
 * Keys are SHA-256 digests: a client_id is attacker-chosen and may be long.
 */
export class SharedFailureLimiter implements AuthFailureLimiter {
  /**
   * `namespace` keeps separate limiters (client authentication, Web Account login) apart in one table.
   * `subjectAcrossIps`: count the subject (client id, account email) over every address, not per address —
   * for logins, where guesses spread over many addresses must still meet one limit.
   */
  constructor(
    private readonly counters: FailureCounterRepository,
    private readonly limits: FailureLimits,
    private readonly clock: Clock,
    private readonly options: { namespace?: string; subjectAcrossIps?: boolean } = {},
  ) {}

  // Every authentication asks for the same pair again (one client, a few addresses): two SHA-256 digests
  // per request, about half of this check's CPU, are computed once per pair instead. Digests of ids and
  // addresses only, nothing secret; a flood of new pairs only empties the cache.
  readonly #keyCache = new Map<string, [string, string]>();

  #keys(subject: string, ip: string): [string, string] {
    const cacheKey = `${subject}\n${ip}`;
    const known = this.#keyCache.get(cacheKey);
    if (known) return known;
    const ns = this.options.namespace ?? '';
    const keys: [string, string] = [digest(`${ns}ip ${ip}`), digest(this.options.subjectAcrossIps ? `${ns}sub ${subject}` : `${ns}cid ${subject} ${ip}`)];
    if (this.#keyCache.size >= KEY_CACHE_SIZE) this.#keyCache.clear();
    this.#keyCache.set(cacheKey, keys);
    return keys;
  }

  async blockedFor(clientId: string, ip: string): Promise<number> {
    const now = this.clock.now();
    const [ipKey, clientKey] = this.#keys(clientId, ip);
    const windows = await this.counters.read([ipKey, clientKey], now - WINDOW_SECONDS);
    let wait = 0;
    for (const [key, limit] of [[ipKey, this.limits.perIpPerMinute], [clientKey, this.limits.perClientPerMinute]] as const) {
      const w = windows.get(key);
      if (w && w.count >= limit) wait = Math.max(wait, w.windowStart + WINDOW_SECONDS - now);
    }
    return Math.max(0, wait);
  }

  async recordFailure(clientId: string, ip: string): Promise<void> {
    await this.counters.increment(this.#keys(clientId, ip), this.clock.now(), WINDOW_SECONDS);
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest('hex');
