import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Creator, CreatorKey, HardFilters, Platform } from '../../../src/domain/creator.js';
import { creatorKey, NICHE_FILTER_MIN_P, profileUrl } from '../../../src/domain/creator.js';
import type { Embedder } from '../../../src/providers/embeddings/embedder.js';
import { creatorDocument } from '../../../src/providers/embeddings/embedder.js';
import { HashingEmbedder } from '../../../src/providers/embeddings/hashing.embedder.js';
import type { Ledger } from '../../../src/providers/ledger.js';
import { noJob } from '../../../src/providers/ledger.js';
import { IndexEmbedderMismatchError } from '../../../src/providers/search-index/creator-index.js';
import type { CreatorIndex, IndexedCreator } from '../../../src/providers/search-index/creator-index.js';

/**
 * Behaviour every CreatorIndex backend must show, run against each one by its own test file
 * (`creatorIndexContract('weaviate', ...)`). Expected results are derived from the fixture with a
 * reference predicate, never written down by hand.
 */

export interface ContractStore {
  /** an index (not yet opened) on this store that uses `embedder` */
  build(embedder: Embedder): CreatorIndex;
}

export interface ContractHarness {
  ledger: Ledger;
  /** a fresh, empty store (its own directory / collection) */
  newStore(): Promise<ContractStore>;
  cleanup(): Promise<void>;
}

function creator(
  platform: Platform,
  handle: string,
  fields: Partial<Omit<Creator, 'key' | 'platform' | 'handle'>>,
): Creator {
  return {
    key: creatorKey(platform, handle),
    platform,
    handle,
    displayName: null,
    bio: '',
    categories: [],
    topics: [],
    followers: null,
    following: null,
    postsCount: null,
    engagementRate: null,
    country: null,
    language: null,
    verified: false,
    profileUrl: profileUrl(platform, handle),
    source: 'contract-fixture',
    updatedAt: '2026-01-02T03:04:05.000Z',
    observedAt: '2025-06-07T08:09:10.000Z',
    observedAtBasis: 'posts',
    ...fields,
  };
}

export const fixture: Creator[] = [
  creator('instagram', 'vegan_lifts', {
    displayName: 'Vegan Lifts',
    bio: 'Plant-based strength coach. Vegan protein recipes and gym workouts for busy people.',
    categories: ['fitness'],
    topics: ['vegan', 'protein', 'gym'],
    niches: [{ niche: 'fitness', p: 0.81 }, { niche: 'food', p: 0.15 }],
    followers: 85_000,
    following: 410,
    postsCount: 930,
    engagementRate: 0.045,
    country: 'US',
    language: 'en',
  }),
  creator('instagram', 'wander_ella', {
    displayName: 'Ella Wanders',
    bio: 'Travel photographer chasing sunsets. Backpacking guides and photography tips.',
    categories: ['travel'],
    topics: ['travel', 'photography', 'backpacking'],
    niches: [{ niche: 'travel', p: 0.7 }],
    followers: 240_000,
    engagementRate: 0.021,
    country: 'GB',
    language: 'en',
  }),
  creator('tiktok', 'glow_by_mia', {
    displayName: 'Mia',
    bio: 'Skincare routines, makeup tutorials and honest beauty reviews.',
    categories: ['beauty'],
    topics: ['skincare', 'makeup'],
    niches: [{ niche: 'beauty', p: 0.955 }, { niche: 'fashion', p: 0.4 }],
    followers: 1_200_000,
    engagementRate: 0.08,
    country: 'US',
    language: 'en',
    verified: true,
  }),
  creator('instagram', 'chef_lucas', {
    displayName: 'Lucas en cuisine',
    bio: 'Recettes maison, cuisine française et pâtisserie du dimanche.',
    categories: ['food'],
    topics: ['recettes', 'cuisine', 'patisserie'],
    niches: [{ niche: 'food', p: 0.9 }],
    followers: 30_000,
    engagementRate: 0.05,
    country: 'FR',
    language: 'fr',
    source: 'kim:profiles.csv',
    observedAt: '2019-12-31T00:00:00.000Z',
    observedAtBasis: 'source',
  }),
  creator('tiktok', 'runbarcelona', {
    displayName: 'Run Barcelona',
    bio: 'Marathon training, running tips and race day vlogs.',
    categories: ['fitness'],
    topics: ['running', 'marathon'],
    niches: [{ niche: 'fitness', p: 0.399 }, { niche: 'travel', p: 0.2 }],
    followers: 12_000,
    engagementRate: 0.06,
    country: 'ES',
    language: 'es',
  }),
  creator('instagram', 'mystery_fit', {
    source: 'kim:profiles.csv',
    observedAt: '2026-01-02T03:04:05.000Z',
    observedAtBasis: 'import',
    bio: 'Daily HIIT workouts and vegan meal prep.',
    categories: ['fitness'],
    topics: ['hiit', 'vegan'],
  }),
  creator('youtube', 'techtalk', {
    displayName: 'Tech Talk',
    bio: 'Smartphone and laptop reviews, gadgets and unboxings.',
    categories: ['tech'],
    topics: ['gadgets', 'reviews'],
    followers: 500_000,
    engagementRate: 0.01,
    country: 'US',
    language: 'en',
  }),
  creator('instagram', 'yoga_with_anna', {
    displayName: 'Anna',
    bio: 'Yoga flows, mindfulness and gentle stretching at home.',
    categories: ['fitness'],
    topics: ['yoga', 'mindfulness'],
    followers: 45_000,
    engagementRate: 0.035,
    country: 'DE',
    language: 'de',
  }),
];

/** The reference semantics of hard filters: an unknown value never passes a filter on it. */
export function passes(c: Creator, f: HardFilters, exclude: readonly CreatorKey[] = []): boolean {
  if (exclude.includes(c.key)) return false;
  if (f.platforms && !f.platforms.includes(c.platform)) return false;
  if (f.followersMin !== undefined && (c.followers === null || c.followers < f.followersMin)) return false;
  if (f.followersMax !== undefined && (c.followers === null || c.followers > f.followersMax)) return false;
  const unknownPasses = f.includeUnknown === true;
  if (f.countries && (c.country === null ? !unknownPasses : !f.countries.map((x) => x.toUpperCase()).includes(c.country))) return false;
  if (f.languages && (c.language === null ? !unknownPasses : !f.languages.map((x) => x.toLowerCase()).includes(c.language))) return false;
  if (f.minEngagementRate !== undefined && (c.engagementRate === null || c.engagementRate < f.minEngagementRate)) {
    return false;
  }
  // a creator never classified has no niche; one classified passes with p ≥ the threshold for one of them
  if (f.niches && !(c.niches ?? []).some((s) => f.niches!.includes(s.niche as never) && s.p >= NICHE_FILTER_MIN_P)) return false;
  return true;
}

export async function indexed(embedder: Embedder, creators: Creator[]): Promise<IndexedCreator[]> {
  const vectors = await embedder.embed(creators.map(creatorDocument), noJob);
  return creators.map((c, i) => ({ creator: c, vector: vectors[i]! }));
}

const sortedKeys = (cs: { key: string }[]) => cs.map((c) => c.key).sort();
const close = (a: number | null, b: number | null) => (a === null || b === null ? a === b : Math.abs(a - b) < 1e-6);

export function creatorIndexContract(backend: string, setup: () => Promise<ContractHarness>): void {
  describe(`CreatorIndex contract: ${backend}`, () => {
    let h: ContractHarness;
    let embedder: Embedder;
    const opened: CreatorIndex[] = [];

    before(async () => {
      h = await setup();
      embedder = new HashingEmbedder({ dimension: 64 }, h.ledger);
    });
    afterEach(async () => {
      for (const index of opened.splice(0)) await index.close();
    });
    after(async () => {
      await h.cleanup();
    });

    async function filled(store?: ContractStore, e: Embedder = embedder): Promise<CreatorIndex> {
      const index = (store ?? (await h.newStore())).build(e);
      opened.push(index);
      await index.open();
      await index.upsert(await indexed(e, fixture), noJob);
      return index;
    }

    async function search(index: CreatorIndex, text: string, filters: HardFilters = {}, excludeKeys: CreatorKey[] = []) {
      const [vector] = await embedder.embed([text], noJob);
      return index.hybridSearch({ text, vector, filters, limit: 50, excludeKeys }, noJob);
    }

    it('upserts, counts and returns creators field for field; unknown keys are left out', async () => {
      const index = await filled();
      assert.equal(await index.count(), fixture.length);
      const keys = [fixture[5]!.key, fixture[0]!.key, 'instagram:nobody' as CreatorKey];
      const got = await index.get(keys, noJob);
      assert.deepEqual(sortedKeys(got), sortedKeys([fixture[0]!, fixture[5]!]));
      for (const g of got) {
        const want = fixture.find((c) => c.key === g.key)!;
        assert.ok(close(g.engagementRate, want.engagementRate), `${g.key} engagement ${g.engagementRate}`);
        assert.deepEqual({ ...g, engagementRate: null }, { ...want, engagementRate: null });
      }
      const info = await index.info();
      assert.deepEqual(info, { backend: index.backend, embedder: embedder.id, dimension: embedder.dimension, count: fixture.length });
      await index.ping();
    });

    it('re-upserting a creator replaces it: the count stays, the new values win', async () => {
      const index = await filled();
      const changed = { ...fixture[1]!, bio: 'Now a full-time sourdough baker.', followers: 250_001 };
      await index.upsert(await indexed(embedder, [changed, changed]), noJob);
      await index.upsert(await indexed(embedder, fixture.slice(2, 4)), noJob);
      assert.equal(await index.count(), fixture.length);
      const [got] = await index.get([changed.key], noJob);
      assert.equal(got!.bio, changed.bio);
      assert.equal(got!.followers, 250_001);
    });

    it('ranks the creator that fits the query first', async () => {
      const index = await filled();
      for (const [text, expected] of [
        ['vegan protein gym workouts', 'instagram:vegan_lifts'],
        ['travel photography backpacking', 'instagram:wander_ella'],
        ['skincare makeup beauty', 'tiktok:glow_by_mia'],
      ] as const) {
        const hits = await search(index, text);
        assert.equal(hits[0]?.creator.key, expected, `${text} → ${hits.map((x) => x.creator.key).join(', ')}`);
        for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.score >= hits[i]!.score, 'scores descend');
      }
    });

    it('applies every hard filter inside the index; unknown values never pass', async () => {
      const index = await filled();
      const cases: { filters: HardFilters; exclude?: CreatorKey[] }[] = [
        { filters: { platforms: ['tiktok'] } },
        { filters: { platforms: ['instagram', 'youtube'] } },
        { filters: { followersMin: 40_000 } },
        { filters: { followersMax: 100_000 } },
        { filters: { followersMin: 40_000, followersMax: 300_000 } },
        { filters: { countries: ['us'] } },
        { filters: { countries: ['GB', 'FR', 'DE'] } },
        { filters: { languages: ['EN'] } },
        { filters: { minEngagementRate: 0.04 } },
        { filters: { minEngagementRate: 0 } },
        { filters: {}, exclude: ['instagram:vegan_lifts', 'tiktok:runbarcelona'] },
        { filters: { platforms: ['instagram'], countries: ['US', 'DE'], minEngagementRate: 0.03 }, exclude: ['instagram:yoga_with_anna'] },
        { filters: { niches: ['fitness'] } },
        { filters: { niches: ['fashion'] } },
        { filters: { niches: ['food', 'travel'] } },
        { filters: { niches: ['fitness', 'beauty'], platforms: ['tiktok'] } },
        { filters: { countries: ['US'], includeUnknown: true } },
        { filters: { languages: ['de'], includeUnknown: true }, exclude: ['instagram:vegan_lifts'] },
        { filters: { countries: ['US'], followersMin: 1, includeUnknown: true } },
      ];
      for (const { filters, exclude = [] } of cases) {
        const expected = fixture.filter((c) => passes(c, filters, exclude));
        assert.ok(expected.length > 0 && expected.length < fixture.length, `case ${JSON.stringify(filters)} must discriminate`);
        const hits = await search(index, 'fitness vegan travel beauty food running tech yoga', filters, exclude);
        assert.deepEqual(sortedKeys(hits.map((x) => x.creator)), sortedKeys(expected), JSON.stringify({ filters, exclude }));
      }
      const unknown = fixture.find((c) => c.country === null)!;
      const all = await search(index, unknown.bio);
      assert.ok(all.some((x) => x.creator.key === unknown.key), 'without a filter the creator with unknown fields is found');
    });

    it('returns the stored vectors by key; a vector-only search (no text) finds the nearest creators', async () => {
      const index = await filled();
      const want = await indexed(embedder, fixture);
      const keys = [fixture[0]!.key, fixture[2]!.key, 'instagram:nobody' as CreatorKey];
      const got = await index.vectors(keys, noJob);
      assert.deepEqual([...got.keys()].sort(), [fixture[0]!.key, fixture[2]!.key].sort());
      for (const [key, vector] of got) {
        const stored = want.find((w) => w.creator.key === key)!.vector;
        assert.equal(vector.length, stored.length);
        // LanceDB keeps float32: equal to the float64 input within its precision
        assert.ok(vector.every((x, i) => Math.abs(x - stored[i]!) < 1e-6), `vector of ${key}`);
      }
      assert.equal((await index.vectors([], noJob)).size, 0);
      const seed = got.get(fixture[0]!.key)!;
      const hits = await index.hybridSearch({ text: '', vector: seed, filters: {}, limit: 3, excludeKeys: [fixture[0]!.key] }, noJob);
      assert.ok(hits.length > 0 && !hits.some((x) => x.creator.key === fixture[0]!.key), 'the excluded seed is never returned');
      const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
        let d = 0, na = 0, nb = 0;
        for (let i = 0; i < a.length; i++) { d += a[i]! * b[i]!; na += a[i]! ** 2; nb += b[i]! ** 2; }
        return d / Math.sqrt(na * nb || 1);
      };
      const nearest = want.filter((w) => w.creator.key !== fixture[0]!.key).sort((a, b) => cosine(b.vector, seed) - cosine(a.vector, seed))[0]!;
      assert.equal(hits[0]!.creator.key, nearest.creator.key);
    });

    it('refuses to search or write with another embedder until reset', async () => {
      const store = await h.newStore();
      const first = await filled(store);
      await first.close();
      const other = new HashingEmbedder({ dimension: 32 }, h.ledger);
      const index = store.build(other);
      opened.push(index);
      await index.open();
      const [vector] = await other.embed(['vegan'], noJob);
      await assert.rejects(index.hybridSearch({ text: 'vegan', vector, filters: {}, limit: 5 }, noJob), IndexEmbedderMismatchError);
      await assert.rejects(index.upsert(await indexed(other, fixture.slice(0, 1)), noJob), IndexEmbedderMismatchError);
      await index.reset();
      assert.equal(await index.count(), 0);
      await index.upsert(await indexed(other, fixture), noJob);
      assert.deepEqual(await index.info(), { backend: index.backend, embedder: other.id, dimension: 32, count: fixture.length });
      const hits = await index.hybridSearch({ text: 'vegan', vector, filters: {}, limit: 5 }, noJob);
      assert.ok(hits.length > 0);
    });

    it('removes creators by key and by source: gone from count, lookups and searches at once', async () => {
      const index = await filled();
      const gone = fixture[0]!;
      assert.equal(await index.remove({ keys: [gone.key, 'instagram:nobody' as CreatorKey] }, noJob), 1);
      assert.equal(await index.remove({ keys: [gone.key] }, noJob), 0, 'a second removal finds nothing');
      assert.equal(await index.count(), fixture.length - 1);
      assert.deepEqual(await index.get([gone.key], noJob), []);
      assert.ok(!(await search(index, gone.bio)).some((x) => x.creator.key === gone.key), 'a removed creator is never found');

      const kim = fixture.filter((c) => c.source === 'kim:profiles.csv');
      assert.ok(kim.length >= 2);
      assert.equal(await index.remove({ source: 'kim:profiles.csv' }, noJob), kim.length);
      assert.equal(await index.count(), fixture.length - 1 - kim.length);
      assert.deepEqual(await index.get(kim.map((c) => c.key), noJob), []);
      assert.equal(await index.remove({ source: 'no-such-source' }, noJob), 0);

      // re-adding a removed creator works (no key is remembered as present)
      await index.upsert(await indexed(embedder, [gone]), noJob);
      assert.deepEqual(sortedKeys(await index.get([gone.key], noJob)), [gone.key]);
    });

    it('a second handle on the same store sees writes and removals without reopening', async () => {
      const store = await h.newStore();
      const writer = await filled(store);
      const reader = store.build(embedder);
      opened.push(reader);
      await reader.open();
      assert.equal(await reader.count(), fixture.length);
      const extra = { ...fixture[1]!, key: 'instagram:late_arrival' as CreatorKey, handle: 'late_arrival', source: 'api' };
      await writer.upsert(await indexed(embedder, [extra]), noJob);
      assert.deepEqual(sortedKeys(await reader.get([extra.key], noJob)), [extra.key]);
      assert.ok((await search(reader, extra.bio)).some((x) => x.creator.key === extra.key));
      await writer.remove({ keys: [extra.key] }, noJob);
      assert.deepEqual(await reader.get([extra.key], noJob), []);
      assert.ok(!(await search(reader, extra.bio)).some((x) => x.creator.key === extra.key));
    });

    it('stats count creators by source and platform and spread their observation dates', async () => {
      const index = await filled();
      const now = Date.parse('2026-06-01T00:00:00.000Z');
      const stats = await index.stats({ maxAgeDays: 180, now });
      const tally = (f: (c: Creator) => string) => fixture.reduce<Record<string, number>>((m, c) => ((m[f(c)] = (m[f(c)] ?? 0) + 1), m), {});
      assert.equal(stats.count, fixture.length);
      assert.deepEqual(stats.bySource, tally((c) => c.source));
      assert.deepEqual(stats.byPlatform, tally((c) => c.platform));
      assert.deepEqual(stats.bySourcePlatform['kim:profiles.csv'], { instagram: 2 });
      assert.deepEqual(stats.freshness.byBasis, tally((c) => c.observedAtBasis));
      const stale = fixture.filter((c) => now - Date.parse(c.observedAt) > 180 * 86_400_000).length;
      assert.ok(stale > 0 && stale < fixture.length, 'the fixture has stale and fresh creators');
      assert.equal(stats.freshness.stale, stale);
      assert.equal(stats.freshness.oldest, '2019-12-31T00:00:00.000Z');
      assert.equal(stats.freshness.newest, '2026-01-02T03:04:05.000Z');
      assert.equal(Object.values(stats.freshness.byAge).reduce((a, b) => a + b, 0), fixture.length);
      assert.equal(stats.freshness.byAge['> 3 years'], 1);
      if (stats.diskBytes !== null) assert.ok(stats.diskBytes > 0);
      await index.reset();
      assert.equal((await index.stats({ maxAgeDays: 180 })).count, 0);
    });

    it('reset empties the index; searching an empty index finds nothing', async () => {
      const index = await filled();
      await index.reset();
      assert.equal(await index.count(), 0);
      assert.deepEqual(await search(index, 'vegan'), []);
      assert.deepEqual(await index.get([fixture[0]!.key], noJob), []);
    });
  });
}
