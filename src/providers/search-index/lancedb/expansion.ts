import * as lancedb from '@lancedb/lancedb';
import type { FullTextQuery, Table } from '@lancedb/lancedb';
import type { Embedder } from '../../embeddings/embedder.js';
import type { IndexVocabulary } from './vocabulary.js';

/** Expansion words per brief word, in all, and how much one counts against an original word. */
const PER_WORD = 2;
const MAX_TERMS = 12;
export const EXPANSION_BOOST = 0.3;
/** how long "does this word occur in the index" is trusted; new imports show up after this */
const VOCABULARY_TTL_MS = 5 * 60_000;
const VOCABULARY_LIMIT = 50_000;

/**
 * Query expansion for the keyword (BM25) leg, for embedders with word vectors: each content word of
 * the query brings up to PER_WORD of its nearest words by meaning that occur in the index
 * (protein → carbohydrates, cat → kitten), added as an optional clause boosted at EXPANSION_BOOST,
 * so creators who use the brief's own words still rank first. Without the capability, or when no
 * neighbour occurs, the query is the plain match query.
 */
export class KeywordExpansion {
  private readonly occurs = new Map<string, { present: boolean; at: number }>();
  /** full-text probes made so far (words neither the vocabulary nor the cache could answer) */
  probes = 0;

  /** `vocabulary`: words known to occur, answered without a probe (see IndexVocabulary) */
  constructor(
    private readonly embedder: Embedder,
    private readonly vocabulary: IndexVocabulary | null = null,
  ) {}

  /**
   * The keyword leg as one query: the brief's own words OR its expansion words, whose BM25 score
   * counts EXPANSION_BOOST. Slow on a big index (measured at 1M creators: ~90 ms against ~8 ms for
   * the plain match; LanceDB scores a boolean query's clauses in full), so searches of a big table
   * run `expandedKeywordLeg` instead, which gives the same scores (LanceDbIndex picks the plan by
   * table size); bench:search measures recall against this query.
   */
  async query(table: Table, text: string): Promise<FullTextQuery> {
    const { base, expansion } = await this.queries(table, text);
    return expansion ? booleanKeywordQuery(base, expansion.terms) : base;
  }

  /**
   * The same leg as two match queries, each of which can stop early at its own top k: the brief's
   * words, and (when any occur in the index) the expansion words, to be weighted EXPANSION_BOOST.
   */
  async queries(table: Table, text: string): Promise<{ base: lancedb.MatchQuery; expansion: { query: lancedb.MatchQuery; terms: string[] } | null }> {
    const base = new lancedb.MatchQuery(text, 'doc');
    const terms = await this.terms(table, text);
    return { base, expansion: terms.length === 0 ? null : { query: new lancedb.MatchQuery(terms.join(' '), 'doc'), terms } };
  }

  /** the expansion words of `text` that occur in the index, closest first per word */
  async terms(table: Table, text: string): Promise<string[]> {
    if (!this.embedder.relatedWords) return [];
    const groups = await this.embedder.relatedWords(text);
    const byWord = new Map(groups.map((g) => [g.word, g]));
    // the query's own words (those with neighbours of their own) are never added as expansions
    const own = (word: string) => (byWord.get(word)?.related().length ?? 0) > 0;
    const out: string[] = [];
    for (const group of groups) {
      // full: the remaining words' neighbours could add nothing, so their scans are skipped
      if (out.length >= MAX_TERMS) break;
      let taken = 0;
      for (const { word } of group.related()) {
        if (taken >= PER_WORD || out.length >= MAX_TERMS) break;
        if (own(word) || out.includes(word) || !(await this.inIndex(table, word))) continue;
        out.push(word);
        taken++;
      }
    }
    return out;
  }

  private async inIndex(table: Table, word: string): Promise<boolean> {
    if (await this.vocabulary?.has(word)) return true;
    const now = Date.now();
    const known = this.occurs.get(word);
    if (known && now - known.at < VOCABULARY_TTL_MS) return known.present;
    this.probes++;
    const hit = await table.query().fullTextSearch(new lancedb.MatchQuery(word, 'doc')).select(['key', '_score']).limit(1).toArrow();
    if (this.occurs.size >= VOCABULARY_LIMIT) this.occurs.clear();
    this.occurs.set(word, { present: hit.numRows > 0, at: now });
    return hit.numRows > 0;
  }
}

/** The brief's words OR the expansion words, these weighted EXPANSION_BOOST: one query, LanceDB adds the scores. */
export function booleanKeywordQuery(base: lancedb.MatchQuery, terms: string[]): FullTextQuery {
  return new lancedb.BooleanQuery([
    [lancedb.Occur.Should, base],
    [lancedb.Occur.Should, new lancedb.MatchQuery(terms.join(' '), 'doc', { boost: EXPANSION_BOOST })],
  ]);
}

/** Runs one match query: its top `depth` rows, or only the rows `only` names; key → BM25 score. */
export type ScoredRun = (match: lancedb.MatchQuery, depth: number, only: string[] | null) => Promise<Map<string, number>>;

/**
 * The expanded keyword leg's top `limit` keys, ranked by exactly the boolean query's score
 * (`KeywordExpansion.query`) for every row it returns: the brief's words and the expansion words
 * as two match queries, each twice as deep as the leg; a row found by only one of them gets its
 * other score from a second read of just those rows. A row that neither query has in its top
 * `2 × limit` is left out (it could only rank by the sum of two scores each below its list's cut).
 */
export async function expandedKeywordLeg(base: lancedb.MatchQuery, related: lancedb.MatchQuery, limit: number, run: ScoredRun): Promise<string[]> {
  const depth = limit * 2;
  const [own, extra] = await Promise.all([run(base, depth, null), run(related, depth, null)]);
  const lackingOwn = [...extra.keys()].filter((k) => !own.has(k));
  const lackingExtra = [...own.keys()].filter((k) => !extra.has(k));
  const [ownFill, extraFill] = await Promise.all([
    lackingOwn.length > 0 ? run(base, lackingOwn.length, lackingOwn) : new Map<string, number>(),
    lackingExtra.length > 0 ? run(related, lackingExtra.length, lackingExtra) : new Map<string, number>(),
  ]);
  for (const [k, v] of ownFill) own.set(k, v);
  for (const [k, v] of extraFill) extra.set(k, v);
  const keys = [...new Set([...own.keys(), ...extra.keys()])];
  return sumScores(
    [
      { keys, scores: keys.map((k) => own.get(k) ?? 0), weight: 1 },
      { keys, scores: keys.map((k) => extra.get(k) ?? 0), weight: EXPANSION_BOOST },
    ],
    limit,
  );
}

/**
 * Rows of several scored lists ranked by their weighted score sum (a row missing from a list gets
 * nothing from it), best first, ties by key: what a boolean OR of the queries scores, for the rows
 * the lists hold.
 */
export function sumScores(lists: { keys: string[]; scores: number[]; weight: number }[], limit: number): string[] {
  const total = new Map<string, number>();
  for (const { keys, scores, weight } of lists) keys.forEach((k, i) => total.set(k, (total.get(k) ?? 0) + weight * scores[i]!));
  return [...total]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, limit)
    .map(([k]) => k);
}
