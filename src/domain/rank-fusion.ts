/**
 * Reciprocal rank fusion (Cormack et al., 2009), the one rule every ranked-list merge here follows:
 * the LanceDB hybrid search (keyword + vector leg), the search stage (one list per brief query) and
 * the lookalike search (one list per seed leg). score(x) = Σ 1 / (k + rank) over the lists that hold
 * x, rank starting at 1 at x's first place in each list (a list that names x twice counts it once).
 */

/** The usual constant (also LanceDB's and Weaviate's default): it keeps one list's top hit from drowning the others. */
export const RRF_K = 60;

export interface Fused<T> {
  key: string;
  /** the item as first seen */
  item: T;
  score: number;
  /** indexes of the lists that hold it, ascending */
  lists: number[];
  /** its best 0-based rank in any list */
  best: number;
}

/**
 * Fuses ranked lists, keyed by `keyOf`: best score first; equal scores by best rank, then by
 * `tieBreak` when given, else by first appearance (earlier lists first), so the order is deterministic.
 */
export function fuseRankings<T>(
  lists: readonly (readonly T[])[],
  keyOf: (item: T) => string,
  opts: { k?: number; tieBreak?: (a: T, b: T) => number } = {},
): Fused<T>[] {
  const k = opts.k ?? RRF_K;
  const fused = new Map<string, Fused<T> & { order: number }>();
  lists.forEach((list, l) => {
    list.forEach((item, rank) => {
      const key = keyOf(item);
      const f = fused.get(key);
      if (!f) fused.set(key, { key, item, score: 1 / (k + rank + 1), lists: [l], best: rank, order: fused.size });
      else if (f.lists[f.lists.length - 1] !== l) {
        f.score += 1 / (k + rank + 1);
        f.lists.push(l);
        f.best = Math.min(f.best, rank);
      }
    });
  });
  const tie = opts.tieBreak;
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.best - b.best || (tie ? tie(a.item, b.item) : 0) || a.order - b.order)
    .map(({ order: _order, ...f }) => f);
}

/** Fuses ranked lists of ids into `{ id, score }`, best first (see fuseRankings). */
export function reciprocalRankFusion(lists: readonly (readonly string[])[], k = RRF_K): { id: string; score: number }[] {
  return fuseRankings(lists, (id) => id, { k }).map((f) => ({ id: f.key, score: f.score }));
}
