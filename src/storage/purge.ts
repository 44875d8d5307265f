import type { Store } from './types.js';

const DAY = 86_400;

/** Rows of one table that outlived their use: deletes at most `limit` of them, returns how many went. */
type PurgeBatch = (store: Store, now: number, limit: number) => Promise<number>;

/** Every table the purge job keeps short, with what "expired" means for it. */
const PURGES: ReadonlyArray<{ table: string; batch: PurgeBatch }> = [
  // A day of slack after expiry keeps "expired" (not "unknown") answers available for a while.
  { table: 'tokens', batch: (s, now, n) => s.tokens.purgeExpired(now - DAY, n) },
  { table: 'authorization_codes', batch: (s, now, n) => s.codes.purgeExpired(now - DAY, n) },
  // RFC 9126 §4: an expired request_uri is refused whether or not its row is still there.
  { table: 'pushed_authorization_requests', batch: (s, now, n) => s.pushedRequests.purgeExpired(now, n) },
  // Failure windows last a minute (shared-failure-limiter.ts): one that began two minutes ago is over.
  { table: 'auth_failures', batch: (s, now, n) => s.failures.purge(now - 120, n) },
  { table: 'sessions', batch: (s, now, n) => s.sessions.purgeExpired(now, n) },
  // Once-shown secrets die after their five minutes; form nonces are kept a day.
  { table: 'secret_reveals', batch: (s, now, n) => s.secretReveals.purgeExpired(now, n) },
  // Single-use JWT ids are kept exactly as long as their proof or assertion could still be accepted.
  { table: 'used_jtis', batch: (s, now, n) => s.usedJtis.purgeExpired(now, n) },
  { table: 'form_submissions', batch: (s, now, n) => s.formSubmissions.purgeBefore(now - DAY, n) },
  // A listen session nobody polled for its idle time ends as a DELETE of its webhook would; a mailbox row
  // outlives its delivery's timeout only when the process waiting for its answer died.
  { table: 'listen_sessions', batch: (s, now, n) => s.listenSessions.expire(now, n) },
  { table: 'listen_deliveries', batch: (s, now, n) => s.listenSessions.purgeDeliveries(now - DAY, n) },
  // A two-factor enrolment never finished is forgotten after a day; a finished one is kept.
  { table: 'two_factor', batch: (s, now, n) => s.twoFactor.purgeAbandonedSetups(now - DAY, n) },
  // A passkey challenge lives a few minutes; an unused one is worthless once expired.
  { table: 'passkey_challenges', batch: (s, now, n) => s.passkeys.purgeExpiredChallenges(now, n) },
  // Usage counters are kept 35 days (the usage page shows 30); a batch is whole hours, at most a day of them.
  { table: 'usage_counters', batch: (s, now, n) => s.usage.purgeBefore(now - 35 * DAY, Math.min(n, 24)) },
];

/** Batches per table and pass: bounds one pass even while rows expire faster than they go. */
const MAX_BATCHES = 1000;

/**
 * Deletes expired rows of every table in bounded batches, yielding to the event loop between batches, so
 * no statement holds the write lock long. A table is done when a batch deletes nothing. Returns the rows
 * deleted.
 */
export async function purgeExpiredRows(store: Store, now: number, limit = 1000): Promise<number> {
  let total = 0;
  for (const { batch } of PURGES) {
    for (let i = 0; i < MAX_BATCHES; i++) {
      const n = await batch(store, now, limit);
      total += n;
      if (n === 0) break;
      await new Promise((r) => setImmediate(r));
    }
  }
  return total;
}
