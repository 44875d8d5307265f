import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Kysely queries compiled once per shape and run again with fresh values. `GET /v1/webhooks` built and
 * compiled its three-condition select on every request (Kysely's immutable builders freeze a node per
 * step); building it once saves that work (figures in bench/README.md, decisions).
 *
 * `build` receives placeholder strings for the values and must put them where values go (a `where` operand,
 * an `insert` value), never into SQL text or a shape decision: the compiled statement's parameters that
 * hold a placeholder get the run's value, every other parameter is kept. What changes the SQL itself (page
 * bounds that a dialect writes as literals, a different set of conditions) belongs in `shape`.
 */
export class CompiledQueries {
  readonly #queries = new Map<string, CompiledQuery>();

  constructor(
    private readonly db: Pick<Kysely<Database>, 'executeQuery'>,
    /** Distinct shapes kept; when full the cache starts over, so a client walking many pages cannot grow it. */
    private readonly maxShapes = 256,
  ) {}

  async rows<Row>(shape: string, values: readonly unknown[], build: (slots: readonly string[]) => Compilable<Row>): Promise<Row[]> {
    if (values.length > SLOTS.length) throw new RangeError(`At most ${SLOTS.length} values per query`);
    let compiled = this.#queries.get(shape);
    if (compiled === undefined) {
      compiled = build(SLOTS.slice(0, values.length)).compile();
      if (this.#queries.size >= this.maxShapes) this.#queries.clear();
      this.#queries.set(shape, compiled);
    }
    const parameters = compiled.parameters.map((p) => {
      const slot = typeof p === 'string' ? SLOT_INDEX.get(p) : undefined;
      return slot === undefined ? p : values[slot];
    });
    const result = await this.db.executeQuery<Row>({ ...compiled, parameters } as CompiledQuery<Row>);
    return result.rows;
  }
}

/** NUL-delimited, so no value a caller passes at build time (an id, a constant) can be mistaken for one. */
const SLOTS = Array.from({ length: 16 }, (_, i) => `\0slot${i}\0`);
const SLOT_INDEX = new Map(SLOTS.map((s, i) => [s, i]));
