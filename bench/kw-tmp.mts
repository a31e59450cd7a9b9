import * as lancedb from '@lancedb/lancedb';
import { loadConfig } from '../src/config.js';
import { createEmbedder } from '../src/providers/embeddings/create-embedder.js';
import { KeywordExpansion, sumScores, EXPANSION_BOOST } from '../src/providers/search-index/lancedb/expansion.js';
import type { Ledger } from '../src/providers/ledger.js';
import { seededRandom } from '../src/import/seeded-random.js';
import { loadKimCreators } from './lib/corpus.js';
const ledger = { track: async (_c: unknown, _p: unknown, _o: unknown, fn: () => Promise<{ result: unknown }>) => (await fn()).result } as unknown as Ledger;
const config = loadConfig({ ...process.env, EMBEDDINGS_PROVIDER: 'wordvec', WORDVEC_DIR: 'data/bench-wordvec', DATA_DIR: '/work/data-exp', DATABASE_URL: 'postgres://x@127.0.0.1/x' });
const embedder = createEmbedder(config, ledger, { info: () => {}, warn: () => {} } as never);
await embedder.open?.();
const exp = new KeywordExpansion(embedder);
const db = await lancedb.connect(process.argv[2]!);
const table = await db.openTable('creators');
const real = await loadKimCreators();
const queries = ['fitness gym workout protein', 'vegan recipes healthy food', 'skincare makeup beauty routine', 'travel adventure beach hotel', 'dog puppy pet lover', 'interior design home decor', 'mom life kids family', 'street style fashion outfit'];
const random = seededRandom(11);
while (queries.length < 40) {
  const words = real[Math.floor(random() * real.length)]!.bio.split(/\s+/).filter((w) => /^[#\p{L}]{3,}$/u.test(w));
  if (words.length >= 6) queries.push(words.slice(0, 6).join(' '));
}
type R = { key: string; _score: number };
const rows = async (q: lancedb.FullTextQuery, n: number) => (await table.query().fullTextSearch(q).select(['key', '_score']).limit(n).toArray()) as R[];

const inList = (keys: string[]) => `key IN (${keys.map((k) => `'${k.replace(/'/g, "''")}'`).join(', ')})`;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
for (const [depth, fill] of [[100, false], [200, false], [100, true], [200, true]] as const) {
  let ov = 0, tot = 0; const ms: number[] = [];
  for (let round = 0; round < 2; round++) for (const text of queries) {
    const { base, expansion } = await exp.queries(table, text);
    const exact = await rows(await exp.query(table, text), 100);
    const t0 = performance.now();
    const [own, extra] = await Promise.all([rows(base, depth), expansion ? rows(expansion.query, depth) : Promise.resolve([] as R[])]);
    const ownS = new Map(own.map((r) => [r.key, r._score])); const extraS = new Map(extra.map((r) => [r.key, r._score]));
    if (fill && expansion) {
      const needExtra = own.map((r) => r.key).filter((k) => !extraS.has(k));
      const needOwn = extra.map((r) => r.key).filter((k) => !ownS.has(k));
      const run = async (q: lancedb.MatchQuery, keys: string[]) => keys.length ? (await table.query().fullTextSearch(q).where(inList(keys)).select(['key', '_score']).limit(keys.length).toArray()) as R[] : [];
      const [a, b] = await Promise.all([run(expansion.query, needExtra), run(base, needOwn)]);
      for (const r of a) extraS.set(r.key, r._score);
      for (const r of b) ownS.set(r.key, r._score);
    }
    const keys = [...new Set([...ownS.keys(), ...extraS.keys()])];
    const fused = sumScores([{ keys, scores: keys.map((k) => ownS.get(k) ?? 0), weight: 1 }, { keys, scores: keys.map((k) => extraS.get(k) ?? 0), weight: EXPANSION_BOOST }], 100);
    if (round === 1) {
      ms.push(performance.now() - t0);
      const want = new Set(exact.map((r) => r.key));
      ov += fused.filter((k) => want.has(k)).length; tot += exact.length;
    }
  }
  console.log('depth', depth, 'fill', fill, 'overlap@100', (ov / tot).toFixed(3), 'p50', pct(ms, 0.5).toFixed(1), 'p95', pct(ms, 0.95).toFixed(1));
}
