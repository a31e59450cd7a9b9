import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Schema, Utf8 } from 'apache-arrow';
import { createLogger } from '../src/app/logger.js';
import { creatorDocument } from '../src/providers/embeddings/embedder.js';
import { createEmbedder } from '../src/providers/embeddings/create-embedder.js';
import { Ledger, noJob } from '../src/providers/ledger.js';
import { seededRandom } from '../src/import/seeded-random.js';
import { createTestEnv } from '../test/helpers/test-env.js';
import { benchEmbedderEnv } from './lib/bench-env.js';
import { loadKimCreators, scaledCorpus } from './lib/corpus.js';
import { VECTOR_GRAPH } from '../src/providers/search-index/lancedb/maintenance.js';
import { flag, writeSection } from './lib/results.js';
import { fmt, summarize, table } from './lib/stats.js';

/**
 * Which vector index, measured: one table of creator vectors (the scaled corpus of bench:search,
 * the default embedder), each index kind LanceDB offers built on it in turn (build wall and CPU
 * time of this process, LanceDB's threads included), then the vector leg alone queried at several
 * settings: latency, CPU and recall@50 against the exact scan. It justifies the product's choice
 * (one HNSW-SQ graph, src/providers/search-index/lancedb/maintenance.ts) against partitioned ones.
 *   npm run bench:vector-index [-- --rows=100000]
 */
const ROWS = flag('rows', 100_000);
const LIMIT = 50;
const LEG = 100;
const ROUNDS = 2;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
type ArrowRows = { numRows: number; getChild(n: string): { get(i: number): unknown } | null };
const keysOf = (t: ArrowRows) => Array.from({ length: t.numRows }, (_, i) => t.getChild('key')!.get(i) as string);

interface Kind {
  label: string;
  index: lancedb.Index;
  settings: { label: string; apply: (q: lancedb.VectorQuery) => lancedb.VectorQuery }[];
}

function kinds(rows: number, dim: number): Kind[] {
  const sqrtN = Math.round(Math.sqrt(rows));
  const hnsw = (p: number, m: number, efc: number, probes: number[], efs: number[]) => ({
    label: `HNSW-SQ, ${p === 1 ? 'one graph' : `${p} IVF partitions`}, m ${m}, ef_construction ${efc}${p === 1 && m === VECTOR_GRAPH.m && efc === VECTOR_GRAPH.efConstruction ? ' (the product)' : ''}`,
    index: lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: p, m, efConstruction: efc }),
    settings: probes.flatMap((np) => efs.map((ef) => ({ label: `${p > 1 ? `nprobes ${np}, ` : ''}ef ${ef}`, apply: (q: lancedb.VectorQuery) => (p > 1 ? q.nprobes(np) : q).ef(ef) }))),
  });
  return [
    hnsw(1, VECTOR_GRAPH.m, VECTOR_GRAPH.efConstruction, [1], [400, 800]),
    hnsw(1, 20, 100, [1], [400, 800]),
    hnsw(1, 20, 150, [1], [400, 800]),
    hnsw(1, 16, 100, [1], [400, 800]),
    hnsw(8, 20, 150, [4, 8], [800]),
    hnsw(32, 20, 150, [8, 16, 32], [800]),
    {
      label: `IVF-flat, ${sqrtN} partitions`,
      index: lancedb.Index.ivfFlat({ distanceType: 'cosine', numPartitions: sqrtN }),
      settings: [20, 40, 80].map((np) => ({ label: `nprobes ${np}`, apply: (q) => q.nprobes(np) })),
    },
    {
      label: `IVF-PQ, ${sqrtN} partitions, ${dim / 4} sub-vectors`,
      index: lancedb.Index.ivfPq({ distanceType: 'cosine', numPartitions: sqrtN, numSubVectors: dim / 4 }),
      settings: [
        [40, 10],
        [80, 10],
      ].map(([np, rf]) => ({ label: `nprobes ${np}, refine × ${rf}`, apply: (q) => q.nprobes(np!).refineFactor(rf!) })),
    },
  ];
}

async function main(): Promise<void> {
  const env = await createTestEnv({ LOG_LEVEL: 'warn', ...benchEmbedderEnv() });
  const dir = path.join(env.dataDir, 'vectors');
  try {
    const ledger = Ledger.silent(env.config.prices);
    const embedder = createEmbedder(env.config, ledger, createLogger('warn'));
    await embedder.open?.();
    const dim = embedder.dimension;
    const real = await loadKimCreators();
    console.log(`[bench:vector-index] embedding ${ROWS} creators (${embedder.id})`);
    const keys: string[] = [];
    const vectors: number[][] = [];
    let docs: string[] = [];
    const flush = async () => {
      vectors.push(...(await embedder.embed(docs, noJob)));
      docs = [];
    };
    for (const c of scaledCorpus(real, ROWS)) {
      keys.push(c.key);
      docs.push(creatorDocument({ ...c, categories: [] }));
      if (docs.length === 2000) await flush();
    }
    await flush();

    const queries = ['fitness gym workout protein', 'vegan recipes healthy food', 'skincare makeup beauty routine', 'travel adventure beach hotel'];
    const random = seededRandom(11);
    while (queries.length < 40) {
      const words = real[Math.floor(random() * real.length)]!.bio.split(/\s+/).filter((w) => /^[#\p{L}]{3,}$/u.test(w));
      if (words.length >= 6) queries.push(words.slice(0, 6).join(' '));
    }
    const qvecs = await embedder.embed(queries, noJob);

    const db = await lancedb.connect(dir);
    const schema = new Schema([new Field('key', new Utf8(), false), new Field('vector', new FixedSizeList(dim, new Field('item', new Float32(), true)), false)]);
    let t: lancedb.Table | null = null;
    for (let i = 0; i < ROWS; i += 50_000) {
      const data = lancedb.makeArrowTable(keys.slice(i, i + 50_000).map((key, j) => ({ key, vector: vectors[i + j]! })), { schema });
      if (t) await t.add(data);
      else t = await db.createTable('v', data);
    }
    const tbl = t!;
    await tbl.optimize();
    const exact: Set<string>[] = [];
    for (const q of qvecs) exact.push(new Set(keysOf(await tbl.vectorSearch(q).distanceType('cosine').bypassVectorIndex().select(['key', '_distance']).limit(LEG).toArrow()).slice(0, LIMIT)));

    const rows: (string | number)[][] = [];
    for (const kind of kinds(ROWS, dim)) {
      console.log(`[bench:vector-index] ${kind.label}`);
      const w0 = performance.now();
      const c0 = cpuMs();
      await tbl.createIndex('vector', { config: kind.index, name: 'vector_idx', replace: true });
      const buildS = (performance.now() - w0) / 1000;
      const buildCpuS = (cpuMs() - c0) / 1000;
      for (const s of kind.settings) {
        const ms: number[] = [];
        const cpu: number[] = [];
        let hit = 0;
        for (let round = 0; round < ROUNDS; round++) {
          for (const [i, q] of qvecs.entries()) {
            const s0 = performance.now();
            const sc = cpuMs();
            const got = keysOf(await s.apply(tbl.vectorSearch(q).distanceType('cosine')).select(['key', '_distance']).limit(LEG).toArrow()).slice(0, LIMIT);
            // the first round warms the index's pages
            if (round === ROUNDS - 1) {
              ms.push(performance.now() - s0);
              cpu.push(cpuMs() - sc);
              hit += got.filter((k) => exact[i]!.has(k)).length;
            }
          }
        }
        const wall = summarize(ms);
        rows.push([kind.label, fmt(buildS), fmt(buildCpuS), s.label, wall.p50, wall.p95, summarize(cpu).p50, fmt(hit / (qvecs.length * LIMIT), 3)]);
      }
    }
    const body = [
      `${ROWS.toLocaleString('en-US')} creators of the scaled corpus (bench:search's), embedded by \`${embedder.id}\` (${dim}-d), in a LanceDB table of keys and`,
      'vectors; each index kind built on it in turn (build: wall and CPU seconds of this process, LanceDB\'s threads included), then the',
      `vector leg alone (limit ${LEG}, ${queries.length} queries, the last of ${ROUNDS} rounds) at each setting; recall@${LIMIT} against the exact scan.`,
      '',
      table(['index', 'build s', 'build CPU s', 'setting', 'p50 ms', 'p95 ms', 'CPU ms p50', `recall@${LIMIT}`], rows),
      '',
      `Load average (1/5/15 min) at the end: ${execFileSync('uptime', { encoding: 'utf8' }).replace(/.*load averages?:\s*/, '').trim()} on ${os.availableParallelism()} cores.`,
    ].join('\n');
    writeSection('vector-index', 'Vector index kinds: build cost, latency and recall', body);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await env.cleanup();
  }
}

await main();
process.exit(0);
