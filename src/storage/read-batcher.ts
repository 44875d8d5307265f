/**
 * Batched point reads for a database across a network: the keys that concurrent requests ask for within one
 * event-loop turn are read in one statement (`where key = any($1)`), so N requests cost one round trip and
 * one socket write instead of N (on PostgreSQL the write and the protocol parsing per query, not the query
 * itself, dominated the token path's profile). Each caller still gets exactly the row for its own key, read
 * after its call; the statement is an ordinary read-committed read, so nothing is served from a cache.
 * Batches run concurrently (reads need no ordering); a failed read rejects every caller in its batch.
 */
export class ReadBatcher<K, V> {
  #pending = new Map<K, Array<{ resolve: (v: V | undefined) => void; reject: (err: unknown) => void }>>();
  #scheduled = false;

  constructor(
    /** Reads every key in one statement; keys without a row are simply absent from the result. */
    private readonly load: (keys: K[]) => Promise<Map<K, V>>,
    private readonly maxBatch = 512,
  ) {}

  read(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this.#pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.#pending.set(key, [{ resolve, reject }]);
      if (this.#pending.size >= this.maxBatch) {
        this.#flush();
      } else if (!this.#scheduled) {
        this.#scheduled = true;
        // setImmediate: after this turn's I/O callbacks, so requests parsed together read together.
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    this.load([...batch.keys()]).then(
      (rows) => {
        for (const [key, waiting] of batch) {
          const value = rows.get(key);
          for (const w of waiting) w.resolve(value);
        }
      },
      (err: unknown) => {
        for (const waiting of batch.values()) for (const w of waiting) w.reject(err);
      },
    );
  }
}
