import type { Match } from './leak-rules.js';
import { MIN_RECORDED_LENGTH } from './secret-register.js';

export interface KnownValue {
  kind: string;
  value: string;
}

/**
 * Finds any of many known credentials (tens of thousands in a full run) in a line without trying each one
 * at each position: values are indexed by their first MIN_RECORDED_LENGTH characters, so a line costs one
 * map lookup per position. A value is also looked for as it appears inside a JSON string (escaped).
 */
export class ExactValueIndex {
  readonly #byPrefix = new Map<string, KnownValue[]>();
  size = 0;

  constructor(values: Iterable<KnownValue>) {
    for (const known of values) {
      const forms = new Set([known.value, JSON.stringify(known.value).slice(1, -1)]);
      for (const value of forms) {
        if (value.length < MIN_RECORDED_LENGTH) continue;
        const key = value.slice(0, MIN_RECORDED_LENGTH);
        const list = this.#byPrefix.get(key) ?? [];
        if (list.length === 0) this.#byPrefix.set(key, list);
        list.push({ kind: known.kind, value });
      }
      this.size++;
    }
  }

  matches(line: string): Match[] {
    const out: Match[] = [];
    for (let i = 0; i + MIN_RECORDED_LENGTH <= line.length; i++) {
      const candidates = this.#byPrefix.get(line.slice(i, i + MIN_RECORDED_LENGTH));
      if (!candidates) continue;
      for (const { kind, value } of candidates) {
        if (line.startsWith(value, i)) out.push({ rule: `exact ${kind} a test used`, start: i, end: i + value.length });
      }
    }
    return out;
  }
}
