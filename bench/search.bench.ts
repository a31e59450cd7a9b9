import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createContext } from '../src/app/context.js';
import { createLogger } from '../src/app/logger.js';
import type { Config } from '../src/config.js';
import type { Creator } from '../src/domain/creator.js';
import { creatorDocument } from '../src/providers/embeddings/embedder.js';
import { DEFAULT_SEARCH_TUNING, legParams } from '../src/providers/search-index/lancedb.index.js';
import { noJob } from '../src/providers/ledger.js';
import { seededRandom } from '../src/import/seeded-random.js';
import { createTestEnv } from '../test/helpers/test-env.js';
import { benchEmbedderEnv } from './lib/bench-env.js';
import { runJsonChild } from './lib/child.js';
import { BUILD_META, loadKimCreators, scaledCorpus } from './lib/corpus.js';
import type { BuildMeta } from './lib/corpus.js';
import { flag, writeSection } from './lib/results.js';
import type { ProbeResult, ProbeSetting, ProbeSpec } from './lib/search-probe.js';
import { fmt, mb, table } from './lib/stats.js';

/**
 * Search at 23k (the real Kim creators), 100k and (with --sizes=…,1m) 1M creators (the real ones
 * plus perturbed copies): index build time (embed + write + optimise), on-disk size, RSS of a
 * process serving queries, hybrid p50/p95, and recall@50 against the same query answered exactly
 * (vector leg by brute-force scan instead of the HNSW index). The exact query is the baseline.
 */
const sizes = String(flag('sizes', '23k,100k'))
  .split(',')
  .map((s) => ({ label: s, n: s === '23k' ? 0 : Number(s.replace(/k$/i, '000').replace(/m$/i, '000000')) }));
/**
 * --prebuilt=1m=DIR (comma-separated for several sizes) queries the index `bench:import
 * --rows=1000000 --keep-index=DIR` built from the same scaled corpus instead of building it again
 * (an hour on 2 cores); its build figures come from the import run and are marked so.
 */
const prebuilt = new Map(
  String(flag('prebuilt', ''))
    .split(',')
    .filter((s) => s.includes('='))
    .map((s) => [s.slice(0, s.indexOf('=')), path.resolve(s.slice(s.indexOf('=') + 1))] as const),
);
const LIMIT = 50;
/**
 * The recall/latency curve: each size is queried with these vector-leg settings, interleaved query
 * by query in one process (the product's default first). depth = leg limit ÷ limit; ef = HNSW
 * breadth per leg result; rf = refine factor (candidates re-ranked with full vectors).
 */
const SETTINGS: ProbeSetting[] = [
  { label: 'default', tuning: {} },
  { label: 'depth 2, ef × 1, rf 1', tuning: { legDepth: 2, efPerResult: 1, refineFactor: 1, large: null } },
  { label: 'depth 2, ef × 2, rf 2', tuning: { legDepth: 2, efPerResult: 2, refineFactor: 2, large: null } },
  { label: 'depth 2, ef × 4, rf 2', tuning: { legDepth: 2, efPerResult: 4, refineFactor: 2, large: null } },
  { label: 'depth 2, ef × 8, rf 2', tuning: { legDepth: 2, efPerResult: 8, refineFactor: 2, large: null } },
  { label: 'depth 2, ef × 4, rf 1', tuning: { legDepth: 2, efPerResult: 4, refineFactor: 1, large: null } },
  { label: 'depth 1, ef × 8, rf 1', tuning: { legDepth: 1, efPerResult: 8, refineFactor: 1, large: null } },
  { label: 'depth 2, ef × 8, rf 1 (the default before 887098e)', tuning: { legDepth: 2, efPerResult: 8, refineFactor: 1, large: null } },
  { label: 'depth 2, ef × 8, no refine (the default below 500k rows)', tuning: { legDepth: 2, efPerResult: 8, refineFactor: 0, large: null } },
  { label: 'depth 2, ef × 16, no refine', tuning: { legDepth: 2, efPerResult: 16, refineFactor: 0, large: null } },
];

/** What the settings search with at `rows` rows: a setting that searches as the default does there is left out. */
function effective(tuning: ProbeSetting['tuning'], rows: number) {
  return legParams(LIMIT, rows, { ...DEFAULT_SEARCH_TUNING, ...tuning });
}
function settingsFor(rows: number): ProbeSetting[] {
  const same = (a: ProbeSetting['tuning'], b: ProbeSetting['tuning']) => JSON.stringify(effective(a, rows)) === JSON.stringify(effective(b, rows));
  return SETTINGS.filter((s, i) => i === 0 || !same(s.tuning, SETTINGS[0]!.tuning));
}
const ROUNDS = flag('rounds', 2);
const embedderLabel = benchEmbedderEnv().EMBEDDINGS_PROVIDER === 'wordvec' ? 'wordvec (100-d word vectors + a 64-d hashing part, the default)' : 'hashing (384-d, --embedder=hashing)';
const WRITE_BATCH = 5000;

function queriesFrom(real: Creator[]): string[] {
  const fixed = [
    'fitness gym workout protein',
    'vegan recipes healthy food',
    'skincare makeup beauty routine',
    'travel adventure beach hotel',
    'dog puppy pet lover',
    'interior design home decor',
    'mom life kids family',
    'street style fashion outfit',
  ];
  const random = seededRandom(11);
  const sampled: string[] = [];
  while (sampled.length < 32) {
    const words = real[Math.floor(random() * real.length)]!.bio.split(/\s+/).filter((w) => /^[#\p{L}]{3,}$/u.test(w));
    if (words.length >= 6) sampled.push(words.slice(0, 6).join(' '));
  }
  return [...fixed, ...sampled];
}

/** Embeds and writes `total` creators of the scaled corpus in batches, then optimises the index. */
async function buildIndex(config: Config, real: Creator[], total: number, dir: string) {
  const ctx = await createContext(config, { role: 'cli', logger: createLogger('warn'), migrate: false });
  console.log(`[bench:search] building ${total} creators`);
  const t0 = performance.now();
  let embedMs = 0;
  let batch: Creator[] = [];
  const flush = async () => {
    const e0 = performance.now();
    const vectors = await ctx.providers.embedder.embed(batch.map(creatorDocument), noJob);
    embedMs += performance.now() - e0;
    await ctx.providers.index.upsert(batch.map((creator, i) => ({ creator, vector: vectors[i]! })), noJob);
    batch = [];
  };
  let done = 0;
  for (const c of scaledCorpus(real, total)) {
    batch.push(c);
    if (batch.length >= WRITE_BATCH) {
      await flush();
      done += WRITE_BATCH;
      if (done % 100_000 === 0) console.log(`[bench:search]   ${done} written (${fmt((performance.now() - t0) / 1000)} s)`);
    }
  }
  if (batch.length > 0) await flush();
  const writtenMs = performance.now() - t0;
  const o0 = performance.now();
  await ctx.providers.index.optimize?.();
  const optimizeMs = performance.now() - o0;
  const ms = performance.now() - t0;
  const rss = process.memoryUsage().rss;
  await ctx.close();
  const disk = Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
  return { ms, split: `${fmt(embedMs / 1000)} / ${fmt((writtenMs - embedMs) / 1000)} / ${fmt(optimizeMs / 1000)}`, rss, disk };
}

/** The default's setting at `rows` rows, in the curve's words. */
function describe(rows: number): string {
  const { legLimit, ef, refineFactor } = effective({}, rows);
  return `depth ${legLimit / LIMIT}, ef × ${ef / legLimit}, ${refineFactor > 0 ? `rf ${refineFactor}` : 'no refine'}`;
}
/** The default's HNSW breadth, in words: it grows from DEFAULT_SEARCH_TUNING.large's rows on. */
function productEf(): string {
  const large = DEFAULT_SEARCH_TUNING.large;
  const small = effective({}, 0).ef;
  return large ? `${small}, ${effective({}, large.minRows).ef} from ${large.minRows.toLocaleString('en-US')} rows on` : String(small);
}

async function main(): Promise<void> {
  console.log('[bench:search] reading the Kim data');
  const real = await loadKimCreators();
  const queries = queriesFrom(real);
  const rows: (string | number)[][] = [];
  const importedSizes: string[] = [];
  const ratioRows: (string | number)[][] = [];
  const curveRows: (string | number)[][] = [];
  const spanRows = new Map<string, (string | number)[]>();
  const spanSizes: string[] = [];
  const loads: string[] = [];
  for (const size of sizes) {
    const total = size.n === 0 ? real.length : size.n;
    const kept = prebuilt.get(size.label);
    const dir = kept ?? mkdtempSync(path.join(os.tmpdir(), `scout-search-${size.label}-`));
    const env = await createTestEnv({ LANCEDB_DIR: dir, LOG_LEVEL: 'warn', ...benchEmbedderEnv() });
    try {
      let build: { ms: number; split: string; rss: number; disk: number };
      /** the rows the index holds: which settings search as the default depends on it (a prebuilt index may lack a few) */
      let indexRows = total;
      if (kept !== undefined) {
        const metaFile = path.join(kept, BUILD_META);
        if (!existsSync(metaFile)) throw new Error(`--prebuilt: ${metaFile} is missing; build it with bench:import --rows=${total} --keep-index=${kept}`);
        const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as BuildMeta;
        // the importer skips the odd generated row it rejects (reported by line), so allow a few
        if (meta.rows > total || meta.rows < total * 0.999) throw new Error(`--prebuilt: ${kept} holds ${meta.rows} rows, not ${total}`);
        console.log(`[bench:search] using the index bench:import built in ${kept} (${meta.rows} rows)`);
        build = { ms: meta.buildMs, split: `import ${fmt((meta.buildMs - meta.optimiseMs) / 1000)} / ${fmt(meta.optimiseMs / 1000)} ¹`, rss: meta.rssBytes, disk: meta.diskBytes };
        importedSizes.push(size.label);
        indexRows = meta.rows;
      } else {
        build = await buildIndex(env.config, real, total, dir);
        // the build's files are written back before any timed search, as a serving process finds an
        // index built earlier: on these VMs writing back ~65 MB (23k) while the first searches ran
        // doubled their time
        execFileSync('sync');
      }

      console.log(`[bench:search] querying ${total} creators (${queries.length} queries × ${ROUNDS})`);
      const spec: ProbeSpec = { env: env.env, queries, limit: LIMIT, rounds: ROUNDS, settings: settingsFor(indexRows) };
      const probe = await runJsonChild<ProbeResult>('bench/lib/search-probe.ts', [JSON.stringify(spec)], { nodeArgs: ['--max-old-space-size=8192'] });
      rows.push([
        size.label,
        probe.count,
        fmt(build.ms / 1000),
        build.split,
        fmt(mb(build.disk)),
        fmt(mb(probe.rssBytes)),
        fmt(mb(build.rss)),
        probe.hybrid.p50,
        probe.hybrid.p95,
        `${fmt(probe.firstSight.p50)} / ${fmt(probe.firstSight.p95)}`,
        `${fmt(probe.repeated.p50)} / ${fmt(probe.repeated.p95)}`,
        `${fmt(probe.hybridCpu.p50)} / ${fmt(probe.hybridCpu.p95)}`,
        fmt(probe.recallHybrid, 3),
        fmt(probe.recallVector, 3),
      ]);
      for (const st of probe.settings) {
        curveRows.push([size.label, st.label + (st.label === 'default' ? ` (${describe(probe.count)})` : ''), st.legLimit, st.ef, st.refineFactor, st.hybrid.p50, st.hybrid.p95, st.cpu.p50, st.cpu.p95, fmt(st.recallHybrid, 3), fmt(st.recallVector, 3)]);
      }
      spanSizes.push(size.label);
      for (const [name, sum] of Object.entries(probe.spans)) spanRows.set(name, [...(spanRows.get(name) ?? [name]), `${fmt(sum.p50)} / ${fmt(sum.p95)}`]);
      loads.push(`${size.label}: ${probe.load}`);
      ratioRows.push([size.label, probe.exact.p50, probe.exact.p95, `${fmt(probe.hybrid.p50 / probe.exact.p50, 3)}×`, `${fmt(probe.hybrid.p95 / probe.exact.p95, 3)}×`]);
      console.log(`[bench:search] ${size.label}: hybrid p50 ${fmt(probe.hybrid.p50)} ms, recall@50 ${fmt(probe.recallHybrid, 3)}, build ${fmt(build.ms / 1000)} s`);
    } finally {
      await env.cleanup();
      if (kept === undefined) rmSync(dir, { recursive: true, force: true });
    }
  }
  const product = effective({}, 0);
  const body = [
    `Corpus: the ${real.length.toLocaleString('en-US')} real Kim creators; larger sizes add perturbed copies of them (caption words dropped and`,
    `swapped, 8 words of another creator mixed in, follower/engagement numbers moved). Embedded default stack: the ${embedderLabel} embedder,`,
    'LanceDB on local disk with BM25 full-text index + HNSW-SQ vector index, legs fused by RRF. Build = embed + merge-insert in batches of',
    `${WRITE_BATCH} + optimise (compaction, FTS and vector index). ${queries.length} queries (8 niche briefs + 32 caption snippets), limit ${LIMIT}, no filters,`,
    `${ROUNDS} rounds, after a warm-up, in a separate process whose RSS is reported, started once the build's files are written back (sync). The hybrid latency and CPU here are the product's default`,
    'searched alone through one index, as an API process holds it (round 1 is each query\'s first search in the process, which scans its words\'',
    'word-vector neighbours; the rounds after repeat it); the curve below interleaves one index per setting. The exact answers are',
    `computed in a pass of their own after every timed search (up to commit 1c81527 both were interleaved with the timed searches). Recall@${LIMIT}: overlap with the same hybrid query answered`,
    'exactly (vector leg by brute-force scan, `bypassVectorIndex`; keyword leg as one boolean query of the brief\'s and the expansion words, which the',
    'product runs as two match queries whose scores it adds up); "vector recall" compares the vector legs alone, the ANN one with the',
    `product's parameters (leg depth ${product.legLimit}, ef ${productEf()}, ${product.refineFactor > 0 ? `refine × ${product.refineFactor}` : 'no refine: ranked by the SQ-quantised distances'}).`,
    '',
    table(
      ['creators', 'rows', 'build s', 'embed / write / optimise s', 'disk MB', 'query process RSS MB', 'build process RSS MB', 'hybrid p50 ms', 'hybrid p95 ms', 'first search of a query p50 / p95 ms', 'repeated p50 / p95 ms', 'CPU ms/search p50 / p95', `hybrid recall@${LIMIT}`, `vector recall@${LIMIT}`],
      rows,
    ),
    '',
    ...(importedSizes.length > 0
      ? [
          `¹ ${importedSizes.join(', ')}: the same scaled corpus, built once by \`bench:import --keep-index\` (the import benchmark's generated file) and`,
          '  queried here; its build time is that import (parse + embed + write / optimise) and its build RSS that of the import process.',
        ]
      : []),
    '',
    `Recall/latency trade-off of the vector leg's settings, all on the same index and interleaved query by query in one process, one index (and LanceDB connection) per setting`,
    `(hybrid search end to end, ${queries.length} queries × ${ROUNDS} rounds each; recall against the exact hybrid and exact vector legs as above).`,
    'CPU ms = CPU time of the query process (all threads, LanceDB\'s included) per search: on a loaded machine the wall times are',
    'mostly waiting for a core, the CPU time is not; with 2 cores and the two legs in parallel the quiet wall time is at least CPU ÷ 2.',
    '',
    table(['creators', 'setting', 'leg limit', 'ef', 'refine', 'hybrid p50 ms', 'hybrid p95 ms', 'CPU ms/search p50', 'CPU ms/search p95', `hybrid recall@${LIMIT}`, `vector recall@${LIMIT}`], curveRows),
    '',
    'Where the time of one default search goes: each step run alone, one after the other (ms, p50 / p95 over the queries; in the',
    'product the two legs run concurrently). The legs read keys, scores and row ids; the winners\' payloads are then taken by row id.',
    'For comparison: the two legs at once (what a search waits for at least, LanceDB\'s own time); the same with the legs reading',
    'every candidate\'s payload, as searches did before (the one-query keyword plan and the vector leg; above BOOLEAN_KEYWORD_MAX_ROWS',
    'the two-query keyword plan read keys only, and its winners were read by key afterwards, not timed here); and the third query',
    'searches made before the payload column existed: the winners read back by key from ~28 separate columns.',
    '',
    table(['step', ...spanSizes.map((l) => `${l} p50 / p95`)], [...spanRows.values()]),
    '',
    `Load average (1/5/15 min) on the 2 cores while each size was queried (before → after): ${loads.join('; ')}.`,
    '',
    'Baseline in the same run: the exact (brute-force) query; ratio = indexed ÷ exact latency:',
    '',
    table(['creators', 'exact p50 ms', 'exact p95 ms', 'hybrid ÷ exact p50', 'hybrid ÷ exact p95'], ratioRows),
  ].join('\n');
  writeSection('search', 'Search: hybrid latency, recall@50, build, disk and RSS', body);
}

await main();
process.exit(0);
