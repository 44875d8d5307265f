import type { Registry } from 'prom-client';

/**
 * A Prometheus histogram for the per-request latency hook, registered in a prom-client registry and exposed
 * in its text format (`_bucket` with `le`, `_sum`, `_count`). prom-client's own Histogram validates and
 * hashes the labels object on every observation, even through a `labels()` child; here an observation
 * finds its bucket and adds three numbers.
 */
export class LatencyHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  readonly #children = new Map<string, LatencyChild<L>>();

  constructor(
    readonly name: string,
    readonly help: string,
    buckets: readonly number[],
    registry: Registry,
  ) {
    this.#bounds = [...buckets].sort((a, b) => a - b);
    // prom-client's registry takes any object with a name and get(); this is its documented custom-metric hook.
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /**
   * The child of one label set, made on first use and kept (label sets are few: route × method × status
   * class). Not for the request path: a caller there keeps the children it got under a key of its own
   * (metrics.ts), which is cheaper than serialising the labels here.
   */
  child(labels: Record<L, string>): LatencyChild<L> {
    const key = JSON.stringify(labels);
    let child = this.#children.get(key);
    if (child === undefined) {
      child = new LatencyChild(labels, this.#bounds);
      this.#children.set(key, child);
    }
    return child;
  }

  reset(): void {
    for (const child of this.#children.values()) child.reset();
  }

  /** prom-client's metric shape: one value per bucket (cumulative, as Prometheus wants), then sum and count. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> }> {
    const values = [];
    for (const child of this.#children.values()) {
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += child.counts[i]!;
        values.push({ labels: { le, ...child.labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...child.labels }, value: child.count, metricName: `${this.name}_bucket` });
      values.push({ labels: child.labels, value: child.sum, metricName: `${this.name}_sum` });
      values.push({ labels: child.labels, value: child.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export class LatencyChild<L extends string> {
  /** Observations per bucket, not cumulative; the last slot holds those above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<L, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    let i = 0;
    while (i < this.bounds.length && seconds > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}
