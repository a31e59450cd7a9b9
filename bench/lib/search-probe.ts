import { execFileSync } from 'node:child_process';
import * as lancedb from '@lancedb/lancedb';
import { createContext } from '../../src/app/context.js';
import { createLogger } from '../../src/app/logger.js';
import { loadConfig } from '../../src/config.js';
import { noJob } from '../../src/providers/ledger.js';
import { PAYLOAD_COLUMN, TABLE_NAME } from '../../src/providers/search-index/lancedb/arrow.js';
import { KeywordExpansion, booleanKeywordQuery, expandedKeywordLeg } from '../../src/providers/search-index/lancedb/expansion.js';
import { keysWhere } from '../../src/providers/search-index/lancedb/filters.js';
import { repeatableTop } from '../../src/providers/search-index/lancedb/full-text-top.js';
import type { ArrowRows } from '../../src/providers/search-index/lancedb/full-text-top.js';
import { BOOLEAN_KEYWORD_MAX_ROWS, DEFAULT_SEARCH_TUNING, LanceDbIndex, annParams, legParams, payloadsByRowId } from '../../src/providers/search-index/lancedb.index.js';
import type { VectorSearchTuning } from '../../src/providers/search-index/lancedb.index.js';
import { reciprocalRankFusion } from '../../src/domain/rank-fusion.js';
import { replyJson } from './child.js';
import { summarize } from './stats.js';
import type { Summary } from './stats.js';

/**
 * Runs in its own process so its RSS is that of a process serving search over the index: opens the
 * index the way the API does, runs every query through `hybridSearch` (ANN vector leg + BM25 leg,
 * RRF) once per tuning setting — settings interleaved query by query, so load that comes and goes
 * touches them alike — after timing the first setting alone; then, in a pass of its own after every
 * timed search, the same two legs exactly (vector leg with the ANN index bypassed: a brute-force
 * scan) to measure recall@limit. Then times the steps of one search one by one (the spans). Prints
 * one JSON ProbeResult.
 */
export interface ProbeSetting {
  label: string;
  tuning: Partial<VectorSearchTuning>;
}

export interface ProbeSpec {
  env: Record<string, string>;
  queries: string[];
  limit: number;
  rounds: number;
  settings?: ProbeSetting[];
}

export interface SettingResult {
  label: string;
  legLimit: number;
  ef: number;
  refineFactor: number;
  hybrid: Summary;
  /** CPU time of this process (every thread, LanceDB's included) per search: what load does not change */
  cpu: Summary;
  recallHybrid: number;
  recallVector: number;
}

export interface ProbeResult {
  /** the first setting (the product's default when the bench passes it first), searched alone: wall and CPU ms */
  hybrid: Summary;
  hybridCpu: Summary;
  /** the same searches split: each query's first search in the process, and its repeats */
  firstSight: Summary;
  repeated: Summary;
  exact: Summary;
  recallHybrid: number;
  recallVector: number;
  settings: SettingResult[];
  /** median ms of each step of a default search, run alone one after the other */
  spans: Record<string, Summary>;
  rssBytes: number;
  count: number;
  /** `uptime` load averages before and after the timed part */
  load: string;
}

const scoresOf = (rows: ArrowRows) => {
  const col = rows.getChild('_score');
  return Array.from({ length: rows.numRows }, (_, i) => Number(col?.get(i) ?? 0));
};
const keysOf = (rows: ArrowRows) => {
  const col = rows.getChild('key');
  const out: string[] = [];
  for (let i = 0; i < rows.numRows; i++) out.push(col!.get(i) as string);
  return out;
};
const loadAvg = () => execFileSync('uptime', { encoding: 'utf8' }).replace(/.*load averages?:\s*/, '').trim();

async function main(spec: ProbeSpec): Promise<ProbeResult> {
  const config = loadConfig(spec.env);
  const ctx = await createContext(config, { role: 'cli', logger: createLogger('warn'), migrate: false });
  const settings = spec.settings ?? [{ label: 'default', tuning: {} }];
  const indexes = settings.map(
    (s) => new LanceDbIndex({ dir: config.search.lancedbDir, embedder: ctx.providers.embedder, expandKeywords: config.search.expandKeywords, tuning: s.tuning }, ctx.ledger),
  );
  try {
    // as the API and the worker do after opening it (there in the background)
    for (const index of indexes) {
      await index.open();
      await index.warm();
    }
    const db = await lancedb.connect(config.search.lancedbDir);
    const table = await db.openTable(TABLE_NAME);
    const vectors = await ctx.providers.embedder.embed(spec.queries, noJob);
    const rowCount = await table.countRows();
    const base = legParams(spec.limit, rowCount);
    const expansion = config.search.expandKeywords && ctx.providers.embedder.relatedWords ? new KeywordExpansion(ctx.providers.embedder) : null;

    const exactLegs = async (text: string, vector: number[]) => {
      const [kw, vec] = await Promise.all([
        // the keyword leg answered exactly: one boolean query over the brief's and the expansion words,
        // ties at its cut chosen by key as the product's reads choose them
        (async () => {
          const match = expansion ? await expansion.query(table, text) : new lancedb.MatchQuery(text, 'doc');
          return repeatableTop((n) => table.query().fullTextSearch(match).select(['key', '_score']).limit(n).toArrow(), base.legLimit);
        })(),
        table.vectorSearch(vector).distanceType('cosine').bypassVectorIndex().select(['key', '_distance']).limit(base.legLimit).toArrow(),
      ]);
      return { kw: keysOf(kw), vec: keysOf(vec) };
    };
    const annVector = async (vector: number[], p: ReturnType<typeof legParams>) =>
      keysOf(await annParams(table.vectorSearch(vector).distanceType('cosine'), p).select(['key', '_distance']).limit(p.legLimit).toArrow());

    // warm-up: first queries load index pages
    for (const index of indexes) for (const q of spec.queries.slice(0, 5)) await index.hybridSearch({ text: q, filters: {}, limit: spec.limit, excludeKeys: [] }, noJob);

    const loadBefore = loadAvg();
    /** wall and CPU ms (this process, LanceDB's threads included) of one search */
    const timed = async <T>(search: () => Promise<T>) => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const result = await search();
      const wall = performance.now() - t0;
      const c = process.cpuUsage(c0);
      return { result, wall, cpu: (c.user + c.system) / 1000 };
    };
    // The product's search as a serving process runs it: one index (the first setting) alone; the
    // curve below interleaves one index per setting (each with its own LanceDB connection and
    // caches) and is only fit for comparing them. This pass runs first, so it alone pays for the
    // first sight of each query (its words' neighbour scans, first reads); later rounds repeat them.
    const firstSight: number[] = [];
    const repeated: number[] = [];
    const aloneCpu: number[] = [];
    for (let round = 0; round < spec.rounds; round++) {
      for (const [i, text] of spec.queries.entries()) {
        const { wall, cpu } = await timed(() => indexes[0]!.hybridSearch({ text, filters: {}, limit: spec.limit, vector: vectors[i]!, excludeKeys: [] }, noJob));
        (round === 0 ? firstSight : repeated).push(wall);
        aloneCpu.push(cpu);
      }
    }
    const ms = settings.map((): number[] => []);
    const cpu = settings.map((): number[] => []);
    const recallH = settings.map(() => 0);
    const firstHits = settings.map((): string[][] => []);
    for (let round = 0; round < spec.rounds; round++) {
      for (const [i, text] of spec.queries.entries()) {
        const vector = vectors[i]!;
        // the order of the settings rotates, so none always runs first (warmest caches) or last
        for (let j = 0; j < indexes.length; j++) {
          const s = (i + j + round) % indexes.length;
          const { result: hits, wall, cpu: used } = await timed(() => indexes[s]!.hybridSearch({ text, filters: {}, limit: spec.limit, vector, excludeKeys: [] }, noJob));
          ms[s]!.push(wall);
          cpu[s]!.push(used);
          if (round === 0) firstHits[s]![i] = hits.map((h) => h.creator.key);
        }
      }
    }
    const loadAfterTimed = loadAvg();
    // The exact answers, in a pass of their own after every timed search: a brute-force scan reads
    // every vector (evicting the CPU caches), and its expansion would warm the embedder's caches.
    const exactMs: number[] = [];
    const truths: { fused: string[]; vector: string[] }[] = [];
    for (const [i, text] of spec.queries.entries()) {
      const t0 = performance.now();
      const exact = await exactLegs(text, vectors[i]!);
      const fused = reciprocalRankFusion([exact.kw, exact.vec]).slice(0, spec.limit).map((r) => r.id);
      exactMs.push(performance.now() - t0);
      truths.push({ fused, vector: exact.vec.slice(0, spec.limit) });
    }

    // recall, after the timed part: each setting's hybrid answers and its vector leg alone against the exact ones
    const recallV = settings.map(() => 0);
    for (const [i, truth] of truths.entries()) {
      for (const [s, setting] of settings.entries()) {
        const got = new Set(firstHits[s]![i]);
        recallH[s]! += truth.fused.length === 0 ? 1 : truth.fused.filter((k) => got.has(k)).length / truth.fused.length;
        const ann = new Set((await annVector(vectors[i]!, legParams(spec.limit, rowCount, { ...DEFAULT_SEARCH_TUNING, ...setting.tuning }))).slice(0, spec.limit));
        recallV[s]! += truth.vector.length === 0 ? 1 : truth.vector.filter((k) => ann.has(k)).length / truth.vector.length;
      }
    }
    const results: SettingResult[] = settings.map((s, k) => ({
      label: s.label,
      ...legParams(spec.limit, rowCount, { ...DEFAULT_SEARCH_TUNING, ...s.tuning }),
      hybrid: summarize(ms[k]!),
      cpu: summarize(cpu[k]!),
      recallHybrid: recallH[k]! / spec.queries.length,
      recallVector: recallV[k]! / spec.queries.length,
    }));
    const spans = await stepSpans(table, rowCount, ctx.providers.embedder, spec, vectors, settings[0]!.tuning);
    // every search is also a row in external_calls (the ledger), written before the search returns
    const ledgerMs: number[] = [];
    for (let i = 0; i < spec.queries.length; i++) {
      const t0 = performance.now();
      await ctx.ledger.record(noJob, { service: 'index', operation: 'hybrid_search', status: 'ok', httpStatus: null, durationMs: 1, units: { queries: 1 }, costUsd: 0 });
      ledgerMs.push(performance.now() - t0);
    }
    spans['ledger row (Postgres insert, awaited by every search)'] = summarize(ledgerMs);
    const load = `${loadBefore} → ${loadAfterTimed}`;
    return {
      hybrid: summarize([...firstSight, ...repeated]),
      hybridCpu: summarize(aloneCpu),
      firstSight: summarize(firstSight),
      repeated: summarize(repeated),
      exact: summarize(exactMs),
      recallHybrid: results[0]!.recallHybrid,
      recallVector: results[0]!.recallVector,
      settings: results,
      spans,
      rssBytes: process.memoryUsage().rss,
      count: await indexes[0]!.count(),
      load,
    };
  } finally {
    for (const index of indexes) await index.close();
    await ctx.close();
  }
}

/**
 * The steps of one hybrid search (the first setting), each timed alone and in sequence — in the
 * product the two legs run concurrently, so the search takes about max(legs) + the rest: the
 * query expansion (cached word look-ups), the BM25 leg, the ANN leg, RRF, and reading the winners'
 * payloads (by the legs' row ids) into creators; then, for comparison, the two legs run at once
 * (what a search waits for at least), the legs reading every candidate's payload (as searches did
 * before the winners' payloads were taken by row id), and the third query searches made before the payload column existed
 * (reading the winners' ~28 columns by key).
 */
async function stepSpans(
  table: lancedb.Table,
  rowCount: number,
  embedder: ConstructorParameters<typeof KeywordExpansion>[0],
  spec: ProbeSpec,
  vectors: number[][],
  tuning: Partial<VectorSearchTuning>,
): Promise<Record<string, Summary>> {
  // the keyword leg's plan and the vector leg's breadth, chosen by table size as the product does
  const { legLimit, ef, refineFactor } = legParams(spec.limit, rowCount, { ...DEFAULT_SEARCH_TUNING, ...tuning });
  const expansion = embedder.relatedWords ? new KeywordExpansion(embedder) : null;
  const winnersStep = 'winners → creators (their payloads by row id)';
  const names = [
    'query expansion',
    'BM25 leg',
    'ANN leg',
    'RRF',
    winnersStep,
    'both legs at once (keys, scores and row ids)',
    'before: both legs at once, reading the candidates\' payloads',
    'older: read winners by key, all columns',
  ] as const;
  const out = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<(typeof names)[number], number[]>;
  const allColumns = (await table.schema()).fields.map((f) => f.name).filter((n) => n !== 'vector' && n !== 'doc' && n !== PAYLOAD_COLUMN);
  for (let round = 0; round < 2; round++) {
    for (const [i, text] of spec.queries.entries()) {
      let t = performance.now();
      const lap = (name: (typeof names)[number]) => {
        const now = performance.now();
        if (round > 0) out[name].push(now - t);
        t = now;
      };
      const { base, expansion: related } = expansion ? await expansion.queries(table, text) : { base: new lancedb.MatchQuery(text, 'doc'), expansion: null };
      lap('query expansion');
      // as the product runs it: keys, scores and row ids in the legs
      const rowIds = new Map<string, bigint>();
      const noted = (rows: ArrowRows) => {
        const keys = keysOf(rows);
        const ids = rows.getChild('_rowid');
        keys.forEach((k, r) => rowIds.set(k, ids!.get(r) as bigint));
        return keys;
      };
      const bm25 = async (m: lancedb.FullTextQuery, depth: number, only: string[] | null, extra: string[] = []) =>
        repeatableTop((n) => {
          let q = table.query().fullTextSearch(m).withRowId();
          if (only) q = q.where(keysWhere(only));
          return q.select(['key', '_score', ...extra]).limit(n).toArrow();
        }, depth);
      const keywordLeg = async (extra: string[] = []): Promise<string[]> => {
        if (!related) return noted(await bm25(base, legLimit, null, extra));
        if (rowCount <= BOOLEAN_KEYWORD_MAX_ROWS) return noted(await bm25(booleanKeywordQuery(base, related.terms), legLimit, null, extra));
        return expandedKeywordLeg(base, related.query, legLimit, async (m, depth, only) => {
          const rows = await bm25(m, depth, only, extra);
          const keys = noted(rows);
          const scores = scoresOf(rows);
          return new Map(keys.map((k, r) => [k, scores[r]!]));
        });
      };
      const annLeg = async (extra: string[] = []) =>
        noted(await annParams(table.vectorSearch(vectors[i]!).distanceType('cosine').withRowId(), { ef, refineFactor }).select(['key', '_distance', ...extra]).limit(legLimit).toArrow());
      const kwKeys = await keywordLeg();
      lap('BM25 leg');
      const vecKeys = await annLeg();
      lap('ANN leg');
      const fused = reciprocalRankFusion([kwKeys, vecKeys]).slice(0, spec.limit);
      lap('RRF');
      const winners = fused.map((f) => f.id);
      await payloadsByRowId(table, winners, rowIds);
      lap(winnersStep);
      await Promise.all([keywordLeg(), annLeg()]);
      lap('both legs at once (keys, scores and row ids)');
      await Promise.all([keywordLeg(rowCount <= BOOLEAN_KEYWORD_MAX_ROWS ? [PAYLOAD_COLUMN] : []), annLeg([PAYLOAD_COLUMN])]);
      lap('before: both legs at once, reading the candidates\' payloads');
      await table.query().where(keysWhere(winners)).select(allColumns).limit(winners.length).toArrow();
      lap('older: read winners by key, all columns');
    }
  }
  return Object.fromEntries(names.map((n) => [n, summarize(out[n])]));
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ProbeSpec;
replyJson(() => main(spec));
