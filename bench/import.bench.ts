import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createContext } from '../src/app/context.js';
import type { AppContext } from '../src/app/context.js';
import type { OptimizeReport } from '../src/providers/search-index/lancedb/maintenance.js';
import { createLogger } from '../src/app/logger.js';
import { importFile } from '../src/import/importer.js';
import { defaultImportThreads } from '../src/import/creator-work.js';
import type { ImportProgress } from '../src/import/importer.js';
import { openSource } from '../src/import/records.js';
import { createTestEnv } from '../test/helpers/test-env.js';
import { kimProfilesCsv } from '../test/helpers/shared-data.js';
import { BUILD_META, loadKimCreators, scaledCorpus, writeGenericCsv } from './lib/corpus.js';
import { benchEmbedderEnv } from './lib/bench-env.js';
import { flag, writeSection } from './lib/results.js';
import { fmt, mb, table } from './lib/stats.js';

/**
 * Import throughput (`scout import` = importFile): the real Kim CSV and a generated CSV in the
 * generic format (real creators plus perturbed copies, --rows, default 200k). The baseline in the
 * same run is reading and mapping the same file without touching the index, so the ratio shows what
 * embedding, writing and index optimisation cost on top of parsing.
 */
// 1M rows (--rows=1000000) takes the better part of an hour on 2 cores, most of it in index optimisation.
const ROWS = flag('rows', 200_000);
/**
 * --keep-index=DIR keeps the generated file's index in DIR (with its build figures in
 * bench-build.json) so `bench:search --prebuilt=<size>=DIR` can query it instead of building the
 * same corpus a second time: the generated corpus is the search benchmark's scaled corpus.
 */
const KEEP_INDEX = flag('keep-index', '');

async function parseOnly(file: string): Promise<{ rows: number; ms: number }> {
  const t0 = performance.now();
  const source = await openSource(file);
  const ctx = { source: 'bench', now: new Date().toISOString() };
  let rows = 0;
  try {
    for await (const r of source.records) {
      if (r.error !== undefined) continue;
      try {
        source.format.toCreator(r.values, ctx);
        rows++;
      } catch {
        // counted as read by the importer too, but not mapped
      }
    }
  } finally {
    source.close();
  }
  return { rows, ms: performance.now() - t0 };
}

async function importOnce(label: string, file: string, keepDir = '') {
  const dir = keepDir === '' ? mkdtempSync(path.join(os.tmpdir(), 'scout-import-')) : path.resolve(keepDir);
  if (keepDir !== '') {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  const env = await createTestEnv({ LANCEDB_DIR: dir, LOG_LEVEL: 'warn', ...benchEmbedderEnv() });
  const ctx = await createContext(env.config, { role: 'cli', logger: createLogger('warn'), migrate: false });
  const stages = timeStages(ctx.providers);
  try {
    const base = await parseOnly(file);
    let importingEndMs = 0;
    let lastLog = 0;
    const cpuStart = cpuSeconds();
    let cpuAtOptimise = Number.NaN;
    const summary = await importFile(ctx, file, {}, (p: ImportProgress) => {
      if (p.phase === 'optimizing' && importingEndMs === 0) {
        importingEndMs = p.elapsedMs;
        cpuAtOptimise = cpuSeconds();
      }
      if (p.phase === 'importing' && p.elapsedMs - lastLog > 30_000) {
        lastLog = p.elapsedMs;
        console.log(`[bench:import] ${label}: ${p.imported} imported after ${fmt(p.elapsedMs / 1000)} s`);
      }
    });
    const cpuEnd = cpuSeconds();
    if (importingEndMs === 0) {
      importingEndMs = summary.durationMs;
      cpuAtOptimise = cpuEnd;
    }
    const cpu = { importing: cpuAtOptimise - cpuStart, optimising: cpuEnd - cpuAtOptimise };
    console.log(`[bench:import] ${label}: ${summary.imported} in ${fmt(summary.durationMs / 1000)} s = ${fmt(summary.ratePerSec)}/s`);
    const rss = process.memoryUsage().rss;
    if (keepDir !== '') {
      const meta = {
        rows: summary.imported,
        buildMs: summary.durationMs,
        optimiseMs: summary.durationMs - importingEndMs,
        rssBytes: rss,
        diskBytes: Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]),
        how: 'scout import of the generated generic CSV (parse + embed + write + optimise)',
      };
      writeFileSync(path.join(dir, BUILD_META), JSON.stringify(meta, null, 2));
      console.log(`[bench:import] kept the index in ${dir}`);
    }
    const threads = ctx.providers.embedder.local ? defaultImportThreads() : 1;
    return { label, file, base, summary, importingEndMs, cpu, rss, sizeMb: mb(statSync(file).size), stages, embedderId: ctx.providers.embedder.id, threads };
  } finally {
    await ctx.close();
    await env.cleanup();
    if (keepDir === '') rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU time of the whole process so far: the importer's thread, its worker threads and LanceDB's own threads. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Times the index writes where they run (later batches are classified and embedded while earlier
 * ones are written, so the two overlap in wall time; each is its own busy time; the importer reports
 * the classify-and-embed time itself, summed over its threads)
 * and every index write, and keeps the optimise report (compaction and each index build).
 */
function timeStages(providers: AppContext['providers']) {
  const stages = { writeMs: 0, optimize: null as OptimizeReport | null };
  const { index } = providers;
  const upsert = index.upsert.bind(index);
  index.upsert = async (...args) => {
    const t0 = performance.now();
    try {
      return await upsert(...args);
    } finally {
      stages.writeMs += performance.now() - t0;
    }
  };
  const optimize = index.optimize?.bind(index);
  if (optimize) {
    index.optimize = async () => {
      const report = await optimize();
      if (report && typeof report === 'object' && 'steps' in report) stages.optimize = report as OptimizeReport;
      return report;
    };
  }
  return stages;
}

async function main(): Promise<void> {
  const results = [await importOnce('Kim CSV (real)', kimProfilesCsv())];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'scout-gen-'));
  try {
    const gen = path.join(tmp, `generated-${ROWS}.csv`);
    console.log(`[bench:import] generating ${ROWS} rows`);
    await writeGenericCsv(gen, scaledCorpus(await loadKimCreators(), ROWS));
    results.push(await importOnce(`generated generic CSV, ${ROWS.toLocaleString('en-US')} rows`, gen, KEEP_INDEX));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const body = [
    `\`importFile\` (what \`scout import\` runs) into a fresh on-disk LanceDB index with the embedder \`${results[0]!.embedderId}\`: stream and map rows,`,
    `classify and embed them in batches of 1,000 on ${results[0]!.threads} worker thread(s), write groups of 10,000 (later batches are prepared while earlier`,
    'ones are written), then optimise (compaction + BM25 and HNSW-SQ indexes). Baseline in the same run: reading and mapping the same file only (no index).',
    '',
    table(
      ['file', 'MB', 'rows imported', 'skipped', 'total s', 'creators/s (end to end)', 'creators/s before optimise', 'optimise s', 'parse-only rows/s (baseline)', 'end-to-end ÷ baseline', 'RSS MB'],
      results.map((r) => [
        r.label,
        fmt(r.sizeMb),
        r.summary.imported,
        r.summary.skipped,
        fmt(r.summary.durationMs / 1000),
        r.summary.ratePerSec,
        (r.summary.imported / r.importingEndMs) * 1000,
        fmt((r.summary.durationMs - r.importingEndMs) / 1000),
        (r.base.rows / r.base.ms) * 1000,
        `${fmt(r.summary.ratePerSec / ((r.base.rows / r.base.ms) * 1000), 3)}×`,
        fmt(mb(r.rss)),
      ]),
    ),
    '',
    'Creators per second of each stage (its own busy time, summed over threads: classifying and embedding later batches overlaps writing earlier ones; parse =',
    'the parse-only baseline; learn niches = the first read of the file that trains the niche model; vocabulary = reading every document once for the vocabulary of the keyword expansion; index = the optimise step after the last write):',
    '',
    table(
      ['file', 'parse /s', 'learn niches s', 'classify + embed /s (per thread)', 'write /s', 'compaction s', 'FTS index s', 'vector index s', 'scalar indexes s', 'vocabulary s', 'index /s (optimise)'],
      results.map((r) => {
        const steps = r.stages.optimize?.steps ?? {};
        const scalar = Object.entries(steps).filter(([k]) => !['compact+update', 'doc_idx', 'vector_idx', 'vocabulary'].includes(k)).reduce((a, [, v]) => a + v, 0);
        const rows = r.summary.imported;
        return [
          r.label,
          (r.base.rows / r.base.ms) * 1000,
          fmt(r.summary.classifyMs / 1000),
          (rows / r.summary.prepareMs) * 1000,
          (rows / r.stages.writeMs) * 1000,
          fmt((steps['compact+update'] ?? 0) / 1000),
          steps.doc_idx === undefined ? 'built while writing' : fmt(steps.doc_idx / 1000),
          steps.vector_idx === undefined ? 'none' : fmt(steps.vector_idx / 1000),
          fmt(scalar / 1000),
          steps.vocabulary === undefined ? 'none' : fmt(steps.vocabulary / 1000),
          r.summary.optimizeMs > 0 ? (rows / r.summary.optimizeMs) * 1000 : 'n/a',
        ];
      }),
    ),
    '',
    `Where the CPU goes: CPU seconds of the whole process (the importer, its worker threads and LanceDB's threads) before and during optimise, and`,
    `cores busy = CPU s ÷ wall s, of the ${os.availableParallelism()} this machine has: a phase near ${os.availableParallelism()} is bound by CPU, and only less work makes it faster here.`,
    '',
    table(
      ['file', 'before optimise: wall s', 'CPU s', 'cores busy', 'optimise: wall s', 'CPU s', 'cores busy'],
      results.map((r) => {
        const optimiseS = (r.summary.durationMs - r.importingEndMs) / 1000;
        return [
          r.label,
          fmt(r.importingEndMs / 1000),
          fmt(r.cpu.importing),
          fmt(r.cpu.importing / (r.importingEndMs / 1000), 2),
          fmt(optimiseS),
          fmt(r.cpu.optimising),
          optimiseS > 0 ? fmt(r.cpu.optimising / optimiseS, 2) : 'n/a',
        ];
      }),
    ),
    '',
    `Load average (1/5/15 min) at the end: ${execFileSync('uptime', { encoding: 'utf8' }).replace(/.*load averages?:\s*/, '').trim()} on ${os.availableParallelism()} cores.`,
  ].join('\n');
  writeSection('import', 'Import: creators per second', body);
}

await main();
process.exit(0);
