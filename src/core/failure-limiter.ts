/**
 * Counts failed client authentications per source IP and per (client_id, IP) in fixed one-minute windows
 * (RFC 6749 §2.3.1 MUST protect against brute force; OWASP ASVS 6.1.1). Successes are never counted and an
 * address is never blocked by another address's failures, so there is no global lockout.
 */
export interface AuthFailureLimiter {
  /** Seconds until `clientId` may try again from `ip`; 0 when it may try now. */
  blockedFor(clientId: string, ip: string): number | Promise<number>;
  recordFailure(clientId: string, ip: string): void | Promise<void>;
}

export interface FailureLimits {
  /** Failures allowed per (client_id, IP) per minute. */
  perClientPerMinute: number;
  /** Failures allowed per IP per minute, whatever client ids it tries. */
  perIpPerMinute: number;
  /** Most keys remembered; the oldest windows are dropped past it, so a flood of random ids cannot grow memory. */
  maxKeys?: number;
}

interface Window {
  start: number;
  count: number;
}

const WINDOW_MS = 60_000;

export class InMemoryFailureLimiter implements AuthFailureLimiter {
  readonly #windows = new Map<string, Window>();
  readonly #maxKeys: number;

  constructor(
    private readonly limits: FailureLimits,
    // Monotonic: a wall-clock step must not reopen or extend a window.
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.#maxKeys = limits.maxKeys ?? 100_000;
  }

  blockedFor(clientId: string, ip: string): number {
    if (this.#windows.size === 0) return 0;
    const now = this.nowMs();
    return Math.max(
      this.#wait(`ip ${ip}`, this.limits.perIpPerMinute, now),
      this.#wait(`cid ${clientId} ${ip}`, this.limits.perClientPerMinute, now),
    );
  }

  recordFailure(clientId: string, ip: string): void {
    const now = this.nowMs();
    this.#bump(`ip ${ip}`, now);
    this.#bump(`cid ${clientId} ${ip}`, now);
  }

  #wait(key: string, limit: number, now: number): number {
    const w = this.#windows.get(key);
    if (!w || now - w.start >= WINDOW_MS || w.count < limit) return 0;
    return Math.ceil((w.start + WINDOW_MS - now) / 1000);
  }

  #bump(key: string, now: number): void {
    const w = this.#windows.get(key);
    if (w && now - w.start < WINDOW_MS) {
      w.count++;
      return;
    }
    if (w) this.#windows.delete(key);
    this.#windows.set(key, { start: now, count: 1 });
    // Map keeps insertion order: the first keys are the oldest windows.
    while (this.#windows.size > this.#maxKeys) {
      const oldest = this.#windows.keys().next().value as string;
      this.#windows.delete(oldest);
    }
  }
}
