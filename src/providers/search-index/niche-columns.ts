import { NICHE_LIST_MIN_P } from '../../domain/creator.js';
import type { NicheScore } from '../../domain/creator.js';

/**
 * A creator's `niches` from the per-niche values an index stores: the significant ones, highest
 * first; undefined when the creator was never classified (every value missing).
 */
export function nicheScoreList(values: readonly { niche: string; p: number | null }[]): NicheScore[] | undefined {
  if (values.length === 0 || values.every((v) => v.p === null)) return undefined;
  return values
    .flatMap((v) => (v.p !== null && v.p >= NICHE_LIST_MIN_P ? [{ niche: v.niche, p: v.p }] : []))
    .sort((a, b) => b.p - a.p || a.niche.localeCompare(b.niche));
}
