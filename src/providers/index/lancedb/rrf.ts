/** Reciprocal Rank Fusion constant from Cormack et al. (2009); also LanceDB's and Weaviate's default. */
export const RRF_K = 60;

/**
 * Fuses ranked lists of ids: score(id) = Σ 1 / (k + rank), rank starting at 1. Ties keep the
 * order of first appearance (earlier lists first), so the result is deterministic.
 */
export function reciprocalRankFusion(lists: readonly (readonly string[])[], k = RRF_K): { id: string; score: number }[] {
  const scores = new Map<string, number>();
  for (const ids of lists) {
    ids.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1)));
  }
  return [...scores.entries()]
    .map(([id, score], order) => ({ id, score, order }))
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map(({ id, score }) => ({ id, score }));
}
