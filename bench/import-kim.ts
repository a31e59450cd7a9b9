import { readdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Creator, HardFilters } from '../src/domain/creator.js';
import { importFile } from '../src/import/importer.js';
import type { ImportSummary } from '../src/import/importer.js';
import { noJob } from '../src/providers/ledger.js';
import { seededRandom } from '../src/import/seeded-random.js';
import { kimProfilesCsv } from '../test/helpers/shared-data.js';
import { benchContext, briefs } from './lib/bench-env.js';
import { runJsonChild } from './lib/child.js';
import { loadKimCreators } from './lib/corpus.js';
import { benchDir, flag } from './lib/results.js';
import type { ProbeResult, ProbeSpec } from './lib/search-probe.js';
import { fmt, mb, summarize, table } from './lib/stats.js';

/**
 * The index engineer's quick check on the real Kim corpus (23k Instagram creators), complementing
 * bench:import / bench:search: the full CSV through `importFile` (parse, map, hashing embeddings,
 * merge-insert batches, one optimize), on-disk size, and hybrid search p50/p95 over ~200 queries —
 * unfiltered in a separate process with recall against exact search, and with rotating hard
 * filters. Prints a markdown summary and writes bench/out/import-kim.json.
 */
const QUERIES = flag('queries', 200);
const LIMIT = flag('limit', 50);

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** Niche words, campaign briefs and pairs/triples of real hashtags (seeded), `n` in all. */
function queryMix(creators: Creator[], n: number): string[] {
  const random = seededRandom(11);
  const out = ['beauty', 'fashion', 'fitness', 'food', 'travel', 'pet', 'interior', 'family', ...briefs];
  while (out.length < n) {
    const c = creators[Math.floor(random() * creators.length)]!;
    if (c.topics.length < 2) continue;
    out.push(c.topics.slice(0, 2 + Math.floor(random() * 2)).join(' '));
  }
  return out.slice(0, n);
}

const filterMix: HardFilters[] = [
  { followersMin: 10_000, followersMax: 500_000 },
  { countries: ['US'] },
  { languages: ['en'], minEngagementRate: 0.02 },
  { countries: ['GB', 'DE', 'FR', 'IT', 'ES'], followersMin: 5_000 },
];

async function main(): Promise<void> {
  const t = await benchContext({ LOG_LEVEL: 'warn' });
  try {
    const load = () => os.loadavg()[0]!.toFixed(1);
    const loadBefore = load();
    const s: ImportSummary = await importFile(t.ctx, kimProfilesCsv());
    const importMs = s.durationMs - s.optimizeMs;
    const loadAfter = load();
    const bytes = await dirBytes(t.config.search.lancedbDir);

    const queries = queryMix(await loadKimCreators(), QUERIES);
    const probe = await runJsonChild<ProbeResult>('bench/lib/search-probe.ts', [
      JSON.stringify({ env: t.env, queries, limit: LIMIT, rounds: 2 } satisfies ProbeSpec),
    ]);
    const filteredMs: number[] = [];
    for (const [i, text] of queries.entries()) {
      const t0 = performance.now();
      await t.ctx.providers.index.hybridSearch({ text, filters: filterMix[i % filterMix.length]!, limit: LIMIT }, noJob);
      filteredMs.push(performance.now() - t0);
    }
    const filtered = summarize(filteredMs);

    const result = {
      read: s.read,
      imported: s.imported,
      skipped: s.skipped,
      importRate: (s.read / importMs) * 1000,
      optimizeSeconds: (s.durationMs - importMs) / 1000,
      endToEndRate: s.ratePerSec,
      sizeMiB: mb(bytes),
      hybrid: probe.hybrid,
      exact: probe.exact,
      filtered,
      recallHybrid: probe.recallHybrid,
      recallVector: probe.recallVector,
      searchRssMiB: mb(probe.rssBytes),
      loadAverage: { before: loadBefore, after: loadAfter },
    };
    await writeFile(path.join(benchDir, 'out', 'import-kim.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(
      [
        `Kim CSV: ${s.read} read, ${s.imported} imported, ${s.skipped} skipped; load average ${loadBefore} → ${loadAfter}`,
        '',
        table(['measure', 'value'], [
          ['import rate, parse + embed + write (records/s)', fmt(result.importRate)],
          ['optimize: compaction + FTS + scalar + HNSW_SQ (s)', fmt(result.optimizeSeconds)],
          ['end-to-end rate incl. optimize (records/s)', fmt(result.endToEndRate)],
          ['index size on disk (MiB)', fmt(result.sizeMiB)],
        ]),
        '',
        table(['search, limit ' + LIMIT + ' (ms)', 'n', 'p50', 'p95', 'p99'], [
          ['hybrid, no filter', probe.hybrid.n, probe.hybrid.p50, probe.hybrid.p95, probe.hybrid.p99],
          ['exact legs (brute-force vector), no filter', probe.exact.n, probe.exact.p50, probe.exact.p95, probe.exact.p99],
          ['hybrid with hard filters', filtered.n, filtered.p50, filtered.p95, filtered.p99],
        ]),
        '',
        `recall@${LIMIT}: hybrid ${fmt(probe.recallHybrid, 3)}, HNSW vector leg ${fmt(probe.recallVector, 3)}; search process RSS ${fmt(result.searchRssMiB)} MiB`,
      ].join('\n'),
    );
  } finally {
    await t.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
