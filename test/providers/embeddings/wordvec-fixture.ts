import { writeFile } from 'node:fs/promises';
import { seededRandom } from '../../../src/import/seeded-random.js';
import { convertWordVectors } from '../../../src/providers/embeddings/wordvec/convert.js';
import { loadWordVectors } from '../../../src/providers/embeddings/wordvec/word-vectors.js';
import type { WordVectors } from '../../../src/providers/embeddings/wordvec/word-vectors.js';

/**
 * A small synthetic word-vector source in the wink JSON layout (`[x0..x(d-1), l2norm, rank]` per
 * word, in frequency order): topic clusters whose words sit near their cluster's centre, common
 * words spread at random, plus entries the converter must drop (punctuation, phrases) or fold.
 */
export const DIM = 16;
export const clusters: Record<string, string[]> = {
  pet: ['dog', 'puppy', 'cat', 'kitten', 'dogs', 'vet', 'leash'],
  fitness: ['gym', 'workout', 'protein', 'fitness', 'squats', 'muscle', 'training'],
  food: ['recipe', 'pasta', 'garlic', 'dinner', 'cooking', 'olive', 'kitchen'],
  travel: ['beach', 'hotel', 'travel', 'flight', 'island'],
};
export const common = ['of', 'my', 'love', 'day', 'new', 'today', 'life', 'instagram', 'insta', 'motivation'];

export interface SourceEntry {
  word: string;
  vector: number[];
}

export function syntheticEntries(): SourceEntry[] {
  const rand = seededRandom(7);
  const gauss = () => (rand() + rand() + rand() - 1.5) * 2;
  const out: SourceEntry[] = [];
  for (const w of common) out.push({ word: w, vector: Array.from({ length: DIM }, gauss) });
  out.push({ word: ',', vector: Array.from({ length: DIM }, gauss) });
  out.push({ word: 'café', vector: Array.from({ length: DIM }, gauss) });
  Object.values(clusters).forEach((words, c) => {
    for (const w of words) {
      // the cluster's own axis pair plus some noise: same-cluster cosine ≈ 0.8, across ≈ 0
      out.push({ word: w, vector: Array.from({ length: DIM }, (_, d) => (d === c * 2 || d === c * 2 + 1 ? 3 : 0) + gauss() * 0.5) });
    }
  });
  out.push({ word: 'e.g.', vector: Array.from({ length: DIM }, gauss) });
  out.push({ word: 'cafe', vector: Array.from({ length: DIM }, gauss) });
  out.push({ word: 'rareword', vector: Array.from({ length: DIM }, gauss) });
  return out;
}

/** the wink JSON text of `entries` (rank = position) */
export function winkJson(entries: SourceEntry[]): string {
  const vectors = entries.map((e, rank) => {
    const norm = Math.sqrt(e.vector.reduce((s, x) => s + x * x, 0));
    return `${JSON.stringify(e.word)}:[${[...e.vector.map((x) => x.toFixed(6)), norm.toFixed(6), rank].join(',')}]`;
  });
  return (
    `{"precision":6,"l2NormIndex":${DIM},"wordIndex":${DIM + 1},"size":${entries.length},"dimensions":${DIM},` +
    `"words":${JSON.stringify(entries.map((e) => e.word))},"vectors":{${vectors.join(',')}},"unkVector":[${new Array(DIM).fill(0).join(',')}]}`
  );
}

/** writes the synthetic source into `dir` and converts it (everything but `rareword`, the last) */
export async function syntheticTable(dir: string): Promise<{ source: string; table: string; vectors: WordVectors }> {
  const entries = syntheticEntries();
  const source = `${dir}/source.json`;
  const table = `${dir}/table.bin`;
  await writeFile(source, winkJson(entries));
  await convertWordVectors(source, table, { maxSourceRank: entries.length - 1, commonSample: common.length });
  return { source, table, vectors: await loadWordVectors(table) };
}
