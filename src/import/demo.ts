import { creatorKey, profileUrl } from '../domain/creator.js';
import type { Creator, Platform } from '../domain/creator.js';
import { creatorDocument } from '../providers/embeddings/embedder.js';
import { noJob } from '../providers/ledger.js';
import { nicheDoc, nicheScores, significantNiches, trainNicheModel } from './niche-classifier.js';
import { bioTemplates, demoCountries, demoNiches, firstNames, vocabulary } from './demo-vocabulary.js';
import type { DemoNiche } from './demo-vocabulary.js';
import { seededRandom } from './seeded-random.js';
import { DEMO_SOURCE } from './demo-source.js';
import { hasHeldRealData, optimizeIndex } from '../services/creator-index.service.js';
import type { IndexOpsDeps } from '../services/creator-index.service.js';

export { DEMO_SOURCE } from './demo-source.js';

const DEFAULT_PER_NICHE = 40;
const SEED = 0x5c0017;
/** a fixed timestamp keeps generated creators identical from run to run */
const GENERATED_AT = '2025-01-01T00:00:00.000Z';

/**
 * A small, fictional creator index the project owns, generated deterministically (seeded PRNG),
 * so that a fresh install can run briefs without any data set: `perNiche` creators in each of ten
 * niches, across three platforms and thirteen countries, with plausible follower counts,
 * engagement, bios and hashtags. A few have no known country or language, as real data does.
 */
export function generateDemoCreators(perNiche = DEFAULT_PER_NICHE): Creator[] {
  const rand = seededRandom(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const used = new Set<string>();
  const out: Creator[] = [];
  for (const niche of demoNiches) {
    const v = vocabulary[niche];
    for (let i = 0; i < perNiche; i++) {
      const platform = pickPlatform(rand());
      const country = pickCountry(rand());
      const name = pick(firstNames);
      const handle = uniqueHandle(used, `${name.toLowerCase()}${pick(['.', '_', ''])}${pick(v.handleParts)}`, rand);
      const second: DemoNiche | null = rand() < 0.3 ? pick(v.neighbours) : null;
      const subject = pick(v.subjects);
      let subject2 = pick(second ? vocabulary[second].subjects : v.subjects);
      if (subject2 === subject) subject2 = pick(v.subjects);
      const followers = Math.round(Math.exp(Math.log(2_000) + rand() * (Math.log(2_500_000) - Math.log(2_000))));
      // smaller accounts engage more: ~7 % at 2k followers down to ~1 % at 2.5M, with noise
      const engagement = Math.max(0.002, (0.09 - 0.0055 * Math.log(followers)) * (0.6 + rand() * 0.8));
      const unknownPlace = rand() < 0.06;
      const bio = pick(bioTemplates)
        .replace('{role}', pick(v.roles))
        .replace('{subject}', subject)
        .replace('{subject2}', subject2)
        .replace('{hello}', country.hello);
      const tags = shuffle([...v.hashtags], rand).slice(0, 4 + Math.floor(rand() * 4));
      if (second) tags.push(...shuffle([...vocabulary[second].hashtags], rand).slice(0, 2));
      out.push({
        key: creatorKey(platform, handle),
        platform,
        handle,
        displayName: `${name} ${capitalize(pick(v.handleParts))}`,
        bio,
        categories: second ? [niche, second] : [niche],
        topics: [...new Set(tags)],
        followers,
        following: Math.round(100 + rand() * 1500),
        postsCount: Math.round(50 + rand() * 3000),
        engagementRate: Math.round(engagement * 1e4) / 1e4,
        country: unknownPlace ? null : country.code,
        language: unknownPlace ? null : country.language,
        verified: followers > 500_000 && rand() < 0.6,
        profileUrl: profileUrl(platform, handle),
        source: DEMO_SOURCE,
        updatedAt: GENERATED_AT,
        observedAt: GENERATED_AT,
        observedAtBasis: 'import',
      });
    }
  }
  return out;
}

/**
 * Loads the demo creators when the index is empty (fresh install) and has never held real data;
 * does nothing otherwise, and says why. Safe to call from several processes at once: the rows are
 * identical and upserts merge on the key.
 */
export async function loadDemoIndexIfEmpty(ctx: IndexOpsDeps): Promise<{ loaded: number; skipped?: 'not_empty' | 'held_real_data' }> {
  const { index, embedder } = ctx.providers;
  if ((await index.count()) > 0) return { loaded: 0, skipped: 'not_empty' };
  if (await hasHeldRealData(ctx)) return { loaded: 0, skipped: 'held_real_data' };
  const loadedAt = new Date().toISOString();
  // what the generator makes is fixed; when it went into this index is not, and is all we know
  const creators = generateDemoCreators().map((c) => ({ ...c, updatedAt: loadedAt, observedAt: loadedAt }));
  // niches inferred from the demo creators' own text, as an import does (their categories unread)
  const docs = creators.map(nicheDoc);
  const model = trainNicheModel(docs);
  creators.forEach((c, i) => (c.niches = significantNiches(nicheScores(model, docs[i]!))));
  const vectors = await embedder.embed(creators.map(creatorDocument), noJob);
  await index.upsert(creators.map((creator, i) => ({ creator, vector: vectors[i]! })), noJob);
  await optimizeIndex(ctx);
  return { loaded: creators.length };
}

function pickPlatform(r: number): Platform {
  return r < 0.6 ? 'instagram' : r < 0.9 ? 'tiktok' : 'youtube';
}

const totalWeight = demoCountries.reduce((s, c) => s + c.weight, 0);
function pickCountry(r: number) {
  let x = r * totalWeight;
  for (const c of demoCountries) {
    x -= c.weight;
    if (x < 0) return c;
  }
  return demoCountries[0]!;
}

function uniqueHandle(used: Set<string>, base: string, rand: () => number): string {
  let handle = base;
  while (used.has(handle)) handle = `${base}${Math.floor(rand() * 90 + 10)}`;
  used.add(handle);
  return handle;
}

function shuffle<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
