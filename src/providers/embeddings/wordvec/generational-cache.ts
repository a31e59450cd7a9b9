/**
 * A bounded memo that keeps what is used often. Entries live in two generations of at most `limit`
 * each: new ones enter the young generation; when it is full it becomes the old one and the old
 * one is dropped; a hit in the old generation moves the entry back to the young one. So an entry
 * used again within the last `limit` to `2 × limit` insertions survives a turnover, where a map
 * that is cleared when full loses its most used entries with the rest (and, when a corpus has a
 * little more distinct keys than the limit, misses nearly every key it sees once per cycle).
 * Holds at most 2 × `limit` entries. `undefined` is not a storable value (it means "absent").
 */
export class GenerationalCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();

  constructor(private readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`cache limit must be at least 1, got ${limit}`);
  }

  get(key: K): V | undefined {
    const value = this.young.get(key);
    if (value !== undefined) return value;
    const kept = this.old.get(key);
    if (kept !== undefined) {
      this.old.delete(key);
      this.set(key, kept);
    }
    return kept;
  }

  set(key: K, value: V): void {
    if (this.young.size >= this.limit && !this.young.has(key)) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }

  /** entries held now (both generations) */
  get size(): number {
    return this.young.size + this.old.size;
  }
}
