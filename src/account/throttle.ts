/**
 * Login throttling per account (the email as typed, whether or not it exists) and per source IP (ASVS 6.3.1):
 * after a few failures each further one doubles the wait, capped, and the counts fade out, so there is no
 * permanent lockout. Keyed by the submitted email, an unknown address is throttled exactly like a real one.
 * Memory is bounded: the oldest keys are dropped first.
 */
interface ThrottleLimits {
  /** Failures allowed per email before delays start. */
  perAccount: number;
  /** Failures allowed per IP before delays start. */
  perIp: number;
  /** Sign-ups allowed per IP (each costs an argon2 hash) before delays start. */
  signupsPerIp: number;
  /** Longest wait, seconds. */
  maxDelaySeconds: number;
  /** A key with no failure for this long is forgotten, seconds. */
  forgetAfterSeconds: number;
  maxKeys: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = {
  perAccount: 5,
  perIp: 30,
  signupsPerIp: 10,
  maxDelaySeconds: 900,
  forgetAfterSeconds: 3600,
  maxKeys: 50_000,
};

interface Entry {
  failures: number;
  last: number;
  blockedUntil: number;
}

export class LoginThrottle {
  readonly #entries = new Map<string, Entry>();

  constructor(
    private readonly limits: ThrottleLimits = DEFAULT_THROTTLE,
    // Monotonic milliseconds: a wall-clock step must not lift or extend a block.
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** Seconds until this email may be tried from this IP; 0 when it may be tried now. */
  blockedFor(email: string, ip: string): number {
    const now = this.nowMs();
    const wait = Math.max(this.#wait(`a ${email}`, now), this.#wait(`i ${ip}`, now));
    return Math.ceil(wait / 1000);
  }

  recordFailure(email: string, ip: string): void {
    const now = this.nowMs();
    this.#bump(`a ${email}`, this.limits.perAccount, now);
    this.#bump(`i ${ip}`, this.limits.perIp, now);
  }

  /** Seconds until this IP may sign up again (sign-ups are slow to hash, so they are metered too). */
  signupBlockedFor(ip: string): number {
    return Math.ceil(this.#wait(`s ${ip}`, this.nowMs()) / 1000);
  }

  recordSignup(ip: string): void {
    this.#bump(`s ${ip}`, this.limits.signupsPerIp, this.nowMs());
  }

  /** A successful login clears the account's count (not the IP's: one good password must not unlock guessing). */
  recordSuccess(email: string): void {
    this.#entries.delete(`a ${email}`);
  }

  #wait(key: string, now: number): number {
    const e = this.#entries.get(key);
    if (!e) return 0;
    if (now - e.last > this.limits.forgetAfterSeconds * 1000) {
      this.#entries.delete(key);
      return 0;
    }
    return Math.max(0, e.blockedUntil - now);
  }

  #bump(key: string, allowed: number, now: number): void {
    let e = this.#entries.get(key);
    if (e && now - e.last > this.limits.forgetAfterSeconds * 1000) e = undefined;
    if (!e) e = { failures: 0, last: now, blockedUntil: 0 };
    this.#entries.delete(key); // re-insert: Map order is then least-recently-failed first
    e.failures++;
    e.last = now;
    if (e.failures >= allowed) {
      const delay = Math.min(this.limits.maxDelaySeconds, 2 ** Math.min(20, e.failures - allowed + 1) * 15);
      e.blockedUntil = now + delay * 1000;
    }
    this.#entries.set(key, e);
    while (this.#entries.size > this.limits.maxKeys) this.#entries.delete(this.#entries.keys().next().value as string);
  }
}
