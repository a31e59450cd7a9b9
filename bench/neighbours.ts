/**
 * Micro-benchmark of WordVectors.neighbours, the nearest-word scan of keyword expansion:
 * `bash scripts/node.sh bench/neighbours.ts [FILE] [--dump]` scans the neighbours of 200 words
 * (ranks spread over the searched vocabulary) with the expansion's parameters and prints the CPU
 * time per call (fastest of five rounds); `--dump` prints every result (to compare two builds' output byte for byte).
 */
import { loadWordVectors } from '../src/providers/embeddings/wordvec/word-vectors.js';

const file = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'data/wordvec/wink-sg100d-v1.bin';
const dump = process.argv.includes('--dump');
const wv = await loadWordVectors(file);
const opts = { k: 6, minCosine: 0.65, searchSize: 60_000 };
const ids: number[] = [];
for (let i = 0; i < 200; i++) ids.push(400 + Math.floor((i * 59_000) / 200));
// warm-up (JIT)
for (const id of ids.slice(0, 20)) wv.neighbours(id, opts);
// five rounds, the fastest counts (the machine is shared)
let fastest = Number.POSITIVE_INFINITY;
const out: string[] = [];
for (let round = 0; round < 5; round++) {
  const t0 = process.cpuUsage();
  for (const id of ids) {
    const ns = wv.neighbours(id, opts);
    if (round === 0) out.push(`${wv.word(id)}\t${ns.map((n) => `${n.word}:${n.cosine}`).join(' ')}`);
  }
  const cpu = process.cpuUsage(t0);
  fastest = Math.min(fastest, (cpu.user + cpu.system) / 1000 / ids.length);
}
if (dump) console.log(out.join('\n'));
console.error(`neighbours: ${ids.length} calls × 5 rounds, fastest round ${fastest.toFixed(2)} ms CPU per call`);
