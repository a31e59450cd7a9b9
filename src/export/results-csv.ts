import type { RankedResult } from '../domain/job.js';
import { toCsv } from './csv.js';
import type { CsvValue } from './csv.js';

/**
 * The shortlist as a spreadsheet: one row per result, in rank order. The columns are stable
 * (documented in docs/api.md, "Shortlist export"): new ones are only ever added at the end. Rows
 * stored by older versions may lack fields; those cells are empty.
 */
export const resultColumns: readonly { name: string; value: (r: RankedResult) => CsvValue }[] = [
  { name: 'rank', value: (r) => r.rank },
  { name: 'platform', value: (r) => r.platform },
  { name: 'handle', value: (r) => r.handle },
  { name: 'display_name', value: (r) => r.display_name },
  { name: 'profile_url', value: (r) => r.profile_url },
  { name: 'fit_score', value: (r) => r.fit_score },
  { name: 'followers', value: (r) => r.followers },
  { name: 'engagement_rate', value: (r) => r.engagement_rate },
  { name: 'country', value: (r) => r.country },
  { name: 'language', value: (r) => r.language },
  { name: 'matched_topics', value: (r) => (r.matched_topics ?? []).join('; ') },
  { name: 'niches', value: (r) => (r.niches ?? []).map((n) => `${n.niche} ${n.p.toFixed(2)}`).join('; ') },
  { name: 'rationale', value: (r) => r.rationale },
  { name: 'score_niche', value: (r) => r.score_breakdown?.niche },
  { name: 'score_topics', value: (r) => r.score_breakdown?.topics },
  { name: 'score_audience', value: (r) => r.score_breakdown?.audience },
  { name: 'score_engagement', value: (r) => r.score_breakdown?.engagement },
  { name: 'score_freshness', value: (r) => r.score_breakdown?.freshness },
  { name: 'data_source', value: (r) => r.data_source },
  { name: 'stale', value: (r) => r.stale },
  { name: 'fetched_at', value: (r) => r.fetched_at },
  { name: 'score_fallback', value: (r) => r.score_fallback },
];

export function resultsCsv(results: readonly RankedResult[]): string {
  return toCsv(
    resultColumns.map((c) => c.name),
    results.map((r) => resultColumns.map((c) => c.value(r))),
  );
}
