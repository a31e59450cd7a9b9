import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { creatorKey, profileUrl } from '../../src/domain/creator.js';
import type { Creator } from '../../src/domain/creator.js';
import { genericColumns } from '../../src/import/formats/generic.format.js';
import { openSource } from '../../src/import/records.js';
import { seededRandom } from '../../src/import/seeded-random.js';
import { kimProfilesCsv } from '../../test/helpers/shared-data.js';

/** Build figures the import benchmark leaves beside an index it keeps (--keep-index), for bench:search --prebuilt. */
export const BUILD_META = 'bench-build.json';
export interface BuildMeta {
  rows: number;
  buildMs: number;
  optimiseMs: number;
  rssBytes: number;
  diskBytes: number;
  how: string;
}

/** Every creator of the real Kim data set, as the importer maps them. */
export async function loadKimCreators(): Promise<Creator[]> {
  const source = await openSource(kimProfilesCsv());
  const ctx = { source: 'bench:kim', now: new Date().toISOString() };
  const out: Creator[] = [];
  try {
    for await (const r of source.records) {
      if (r.error !== undefined) continue;
      try {
        out.push(source.format.toCreator(r.values, ctx));
      } catch {
        // rows the importer rejects are not part of the corpus either
      }
    }
  } finally {
    source.close();
  }
  return out;
}

/**
 * A perturbed copy of a real creator, so scaled corpora keep real vocabulary and niche mix without
 * being exact duplicates: new handle, its caption words partly dropped and shuffled within a small
 * window, some words from another real creator mixed in, follower and engagement numbers moved.
 */
export function perturbedCopy(c: Creator, copy: number, donor: Creator, random: () => number): Creator {
  const words = c.bio.split(/\s+/).filter(() => random() > 0.2);
  for (let i = 0; i + 1 < words.length; i++) if (random() < 0.15) [words[i], words[i + 1]] = [words[i + 1]!, words[i]!];
  const donorWords = donor.bio.split(/\s+/);
  const start = Math.floor(random() * Math.max(1, donorWords.length - 8));
  const bio = `${words.join(' ')} ${donorWords.slice(start, start + 8).join(' ')}`.trim();
  const handle = `${c.handle}.${copy.toString(36)}`;
  const scale = 0.5 + random() * 1.5;
  return {
    ...c,
    key: creatorKey(c.platform, handle),
    handle,
    bio,
    followers: c.followers === null ? null : Math.max(1, Math.round(c.followers * scale)),
    engagementRate: c.engagementRate === null ? null : Math.round(c.engagementRate * (0.7 + random() * 0.6) * 1e5) / 1e5,
    profileUrl: profileUrl(c.platform, handle),
    source: 'bench:scaled',
  };
}

/** `total` creators: the real ones first, then perturbed copies of them (deterministic for a seed). */
export function* scaledCorpus(real: Creator[], total: number, seed = 7): Generator<Creator> {
  const random = seededRandom(seed);
  for (let i = 0; i < total; i++) {
    const base = real[i % real.length]!;
    const copy = Math.floor(i / real.length);
    yield copy === 0 ? base : perturbedCopy(base, copy, real[Math.floor(random() * real.length)]!, random);
  }
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : Array.isArray(v) ? v.join('|') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Writes `total` creators as a CSV in the documented generic import format. */
export async function writeGenericCsv(file: string, creators: Iterable<Creator>): Promise<number> {
  const out = createWriteStream(file);
  out.write(`${genericColumns.join(',')}\n`);
  let n = 0;
  for (const c of creators) {
    // last_post_at and observed_at stay empty (unknown; observed when imported), but every header column gets a cell
    const row = [c.platform, c.handle, c.displayName, c.bio, c.categories, c.topics, c.followers, c.following, c.postsCount, c.engagementRate, c.country, c.language, c.verified, c.profileUrl, null, null];
    if (row.length !== genericColumns.length) throw new Error(`writeGenericCsv writes ${row.length} cells for ${genericColumns.length} columns`);
    if (!out.write(`${row.map(csvCell).join(',')}\n`)) await once(out, 'drain');
    n++;
  }
  out.end();
  await once(out, 'finish');
  return n;
}
