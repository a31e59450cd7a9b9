/**
 * Embedding cost per creator on a real file: every creator document embedded by the hashing and
 * the wordvec embedders, CPU time measured (wall time on a shared machine says little), plus the
 * wordvec table's load time and heap/RSS growth.
 *   node --expose-gc --import tsx bench/embedder-throughput.ts FILE [DATA_DIR]
 */
import path from 'node:path';
import { creatorDocument } from '../src/providers/embeddings/embedder.js';
import { HashingEmbedder } from '../src/providers/embeddings/hashing.embedder.js';
import { ensureWordVectors } from '../src/providers/embeddings/wordvec/convert.js';
import { loadWordVectors } from '../src/providers/embeddings/wordvec/word-vectors.js';
import { WordVecEmbedder } from '../src/providers/embeddings/wordvec.embedder.js';
import { openSource } from '../src/import/records.js';
import type { Ledger } from '../src/providers/ledger.js';

const file = process.argv[2];
if (!file) throw new Error('usage: bench/embedder-throughput.ts FILE [DATA_DIR]');
const dataDir = path.resolve(process.argv[3] ?? 'data');
const logger = { info: (o: object, m: string) => console.log(m, o), warn: (o: object, m: string) => console.log(m, o) };

const docs: string[] = [];
const source = await openSource(file);
const ctx = { source: 'bench', now: new Date().toISOString() };
for await (const r of source.records) {
  if (r.error !== undefined) continue;
  try {
    const c = source.format.toCreator(r.values, ctx);
    c.categories = [];
    docs.push(creatorDocument(c));
  } catch {
    // skipped like the importer does
  }
}
source.close();
console.log(`${docs.length} creator documents, ${Math.round(docs.reduce((s, d) => s + d.length, 0) / docs.length)} chars on average`);

const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
const tableFile = await ensureWordVectors(path.join(dataDir, 'wordvec'), logger);
const wv = await loadWordVectors(tableFile);
const loadMs = performance.now() - t0;
gc?.();
console.log(`wordvec table: ${wv.size} words, loaded in ${Math.round(loadMs)} ms, RSS +${Math.round((process.memoryUsage().rss - rss0) / 1e6)} MB`);

const ledger = {} as Ledger;
const hashing = new HashingEmbedder({ dimension: 384 }, ledger);
const run = (name: string, embed: (t: string) => Float32Array) => {
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  for (const d of docs) embed(d);
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`${name.padEnd(22)} ${Math.round(docs.length / (cpuMs / 1000))} creators/s of CPU (${Math.round(cpuMs)} ms CPU, ${Math.round(performance.now() - w0)} ms wall)`);
};
run('hashing-v1:384', (t) => hashing.embedOne(t));
for (const fallbackDim of [0, 64]) {
  const e = new WordVecEmbedder({ dir: dataDir, fallbackDim, logger, vectors: wv }, ledger);
  run(e.id, (t) => e.embedWith(wv, t));
}
