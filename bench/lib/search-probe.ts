import * as lancedb from '@lancedb/lancedb';
import { createContext } from '../../src/app/context.js';
import { createLogger } from '../../src/app/logger.js';
import { loadConfig } from '../../src/config.js';
import { noJob } from '../../src/providers/ledger.js';
import { TABLE_NAME } from '../../src/providers/search-index/lancedb/arrow.js';
import { legParams } from '../../src/providers/search-index/lancedb.index.js';
import { reciprocalRankFusion } from '../../src/domain/rank-fusion.js';
import { replyJson } from './child.js';
import { summarize } from './stats.js';
import type { Summary } from './stats.js';

/**
 * Runs in its own process so its RSS is that of a process serving search over the index: opens the
 * index the way the API does, runs every query through `hybridSearch` (ANN vector leg + BM25 leg,
 * RRF), and the same two legs exactly (vector leg with the ANN index bypassed: a brute-force scan)
 * to measure recall@limit. Prints one JSON ProbeResult.
 */
export interface ProbeSpec {
  env: Record<string, string>;
  queries: string[];
  limit: number;
  rounds: number;
}

export interface ProbeResult {
  hybrid: Summary;
  exact: Summary;
  recallHybrid: number;
  recallVector: number;
  rssBytes: number;
  count: number;
}

const keysOf = (rows: { key: string }[]) => rows.map((r) => r.key);

async function main(spec: ProbeSpec): Promise<ProbeResult> {
  const config = loadConfig(spec.env);
  const ctx = await createContext(config, { role: 'cli', logger: createLogger('warn'), migrate: false });
  try {
    const index = ctx.providers.index;
    const db = await lancedb.connect(config.search.lancedbDir);
    const table = await db.openTable(TABLE_NAME);
    const vectors = await ctx.providers.embedder.embed(spec.queries, noJob);
    // the same leg depth and HNSW breadth as the product's hybrid search
    const { legLimit, ef, refineFactor } = legParams(spec.limit);

    const exactLegs = async (text: string, vector: number[]) => {
      const [kw, vec] = await Promise.all([
        table.query().fullTextSearch(new lancedb.MatchQuery(text, 'doc')).select(['key', '_score']).limit(legLimit).toArray(),
        table.vectorSearch(vector).distanceType('cosine').bypassVectorIndex().select(['key', '_distance']).limit(legLimit).toArray(),
      ]);
      return { kw: keysOf(kw as { key: string }[]), vec: keysOf(vec as { key: string }[]) };
    };
    const annVector = async (vector: number[]) =>
      keysOf((await table.vectorSearch(vector).distanceType('cosine').ef(ef).refineFactor(refineFactor).select(['key', '_distance']).limit(legLimit).toArray()) as { key: string }[]);

    // warm-up: first queries load index pages
    for (const q of spec.queries.slice(0, 5)) await index.hybridSearch({ text: q, filters: {}, limit: spec.limit, excludeKeys: [] }, noJob);

    const hybridMs: number[] = [];
    const exactMs: number[] = [];
    let recallHybrid = 0;
    let recallVector = 0;
    for (let round = 0; round < spec.rounds; round++) {
      for (const [i, text] of spec.queries.entries()) {
        const vector = vectors[i]!;
        let t0 = performance.now();
        const hits = await index.hybridSearch({ text, filters: {}, limit: spec.limit, vector, excludeKeys: [] }, noJob);
        hybridMs.push(performance.now() - t0);
        t0 = performance.now();
        const exact = await exactLegs(text, vector);
        const fused = reciprocalRankFusion([exact.kw, exact.vec]).slice(0, spec.limit).map((r) => r.id);
        exactMs.push(performance.now() - t0);
        if (round > 0) continue;
        const got = new Set<string>(hits.map((h) => h.creator.key));
        recallHybrid += fused.length === 0 ? 1 : fused.filter((k) => got.has(k)).length / fused.length;
        const ann = new Set((await annVector(vector)).slice(0, spec.limit));
        const truth = exact.vec.slice(0, spec.limit);
        recallVector += truth.length === 0 ? 1 : truth.filter((k) => ann.has(k)).length / truth.length;
      }
    }
    return {
      hybrid: summarize(hybridMs),
      exact: summarize(exactMs),
      recallHybrid: recallHybrid / spec.queries.length,
      recallVector: recallVector / spec.queries.length,
      rssBytes: process.memoryUsage().rss,
      count: await index.count(),
    };
  } finally {
    await ctx.close();
  }
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ProbeSpec;
replyJson(() => main(spec));
