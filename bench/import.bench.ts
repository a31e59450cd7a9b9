import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createContext } from '../src/app/context.js';
import { createLogger } from '../src/app/logger.js';
import { importFile } from '../src/import/importer.js';
import type { ImportProgress } from '../src/import/importer.js';
import { openSource } from '../src/import/records.js';
import { createTestEnv } from '../test/helpers/test-env.js';
import { kimProfilesCsv } from '../test/helpers/shared-data.js';
import { BUILD_META, loadKimCreators, scaledCorpus, writeGenericCsv } from './lib/corpus.js';
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
  const env = await createTestEnv({ LANCEDB_DIR: dir, LOG_LEVEL: 'warn' });
  const ctx = await createContext(env.config, { role: 'cli', logger: createLogger('warn'), migrate: false });
  try {
    const base = await parseOnly(file);
    let importingEndMs = 0;
    let lastLog = 0;
    const summary = await importFile(ctx, file, {}, (p: ImportProgress) => {
      if (p.phase === 'optimizing' && importingEndMs === 0) importingEndMs = p.elapsedMs;
      if (p.phase === 'importing' && p.elapsedMs - lastLog > 30_000) {
        lastLog = p.elapsedMs;
        console.log(`[bench:import] ${label}: ${p.imported} imported after ${fmt(p.elapsedMs / 1000)} s`);
      }
    });
    if (importingEndMs === 0) importingEndMs = summary.durationMs;
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
    return { label, file, base, summary, importingEndMs, rss, sizeMb: mb(statSync(file).size) };
  } finally {
    await ctx.close();
    await env.cleanup();
    if (keepDir === '') rmSync(dir, { recursive: true, force: true });
  }
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
    '`importFile` (what `scout import` runs) into a fresh on-disk LanceDB index with the default hashing embedder: stream and map rows,',
    'embed in batches, merge-insert batches of 1,000 (the next batch is embedded while the previous one is written), then optimise',
    '(compaction + BM25 and HNSW-SQ indexes). Baseline in the same run: reading and mapping the same file only (no index).',
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
  ].join('\n');
  writeSection('import', 'Import: creators per second', body);
}

await main();
process.exit(0);
