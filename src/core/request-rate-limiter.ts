/**
 * A token bucket per key (e.g. per introspecting client, RFC 7662 §4: the endpoint must be protected from
 * token scanning and overload). Refills continuously at `perSecond`, holds at most `burst`; memory is bounded
 * by `maxKeys` (oldest buckets forgotten first).
 */
export class RequestRateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number = perSecond,
    private readonly maxKeys = 10_000,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** Takes one request from the key's bucket; returns 0 when allowed, else seconds to wait. */
  take(key: string): number {
    const now = this.nowMs();
    let b = this.#buckets.get(key);
    if (!b) {
      b = { tokens: this.burst, at: now };
      this.#buckets.set(key, b);
      if (this.#buckets.size > this.maxKeys) this.#buckets.delete(this.#buckets.keys().next().value as string);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / this.perSecond);
  }
}
