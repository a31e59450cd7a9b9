import type { AppContext } from '../../src/app/context.js';
import { creatorKey, DEFAULT_PROFILE_MAX_AGE_DAYS, profileUrl } from '../../src/domain/creator.js';
import type { Creator, Platform } from '../../src/domain/creator.js';
import { newJobId } from '../../src/domain/ids.js';
import { emptyMeta, toJobParams, startJobSchema } from '../../src/domain/job.js';
import type { Profile } from '../../src/domain/profile.js';
import { creatorDocument } from '../../src/providers/embeddings/embedder.js';
import { profileFromCreator } from '../../src/providers/profiles/index-profile.source.js';
import { noJob } from '../../src/providers/ledger.js';

/** A creator with sensible defaults; tests override what they care about. */
export function makeCreator(p: Partial<Creator> & { handle: string }): Creator {
  const platform: Platform = p.platform ?? 'instagram';
  return {
    key: creatorKey(platform, p.handle),
    platform,
    handle: p.handle,
    displayName: p.displayName ?? null,
    bio: p.bio ?? '',
    categories: p.categories ?? [],
    topics: p.topics ?? [],
    followers: p.followers === undefined ? 20_000 : p.followers,
    following: p.following ?? 300,
    postsCount: p.postsCount ?? 500,
    engagementRate: p.engagementRate === undefined ? 0.03 : p.engagementRate,
    country: p.country === undefined ? null : p.country,
    language: p.language === undefined ? null : p.language,
    verified: p.verified ?? false,
    profileUrl: profileUrl(platform, p.handle),
    source: p.source ?? 'test',
    updatedAt: p.updatedAt ?? '2026-01-01T00:00:00.000Z',
    // observed today unless a test says otherwise: fixtures are fresh (not stale) by default
    observedAt: p.observedAt ?? new Date().toISOString(),
    observedAtBasis: p.observedAtBasis ?? 'source',
    ...(p.niches ? { niches: p.niches } : {}),
  };
}

export function makeProfile(p: Partial<Creator> & { handle: string }): Profile {
  return profileFromCreator(makeCreator(p), { maxAgeDays: DEFAULT_PROFILE_MAX_AGE_DAYS });
}

/** Captions in the style of real niche accounts (words and hashtags), to build a labelled corpus. */
export const nicheCaptions: Record<string, string[]> = {
  fitness: [
    'Leg day done 💪 squats and deadlifts #fitness #gym #fitfam',
    'Morning HIIT workout before work, protein shake after #workout #fitspo',
    'Coaching clients on strength and mobility #personaltrainer #gymlife',
  ],
  beauty: [
    'New lipstick swatches from my vanity #makeup #beauty #mua',
    'Glowy skin routine: serum, moisturizer and sunscreen #skincare',
    'Smokey eyeshadow tutorial with brushes #makeupartist #motd',
  ],
  fashion: [
    'Today’s outfit: denim jacket and white sneakers #ootd #fashion',
    'Street style at fashion week #streetstyle #fashionblogger',
    'Spring dresses under $50 #liketkit #whatiwore #styleinspo',
  ],
  food: [
    'Homemade pasta with a spicy tomato sauce #foodie #recipe',
    'Vegan chocolate cake, recipe on the blog #vegan #dessert #feedfeed',
    'Sunday brunch plates #instafood #foodphotography',
  ],
  travel: [
    'Sunset over the island after a long hike #travel #wanderlust',
    'Packing for a two week road trip #travelblogger #roadtrip',
    'Hidden beaches and tiny hotels #travelgram #beautifuldestinations',
  ],
  pet: [
    'My golden retriever found the biggest stick #dogsofinstagram #puppy',
    'Cat nap on the sofa again #catsofinstagram #meow',
    'Adopted this rescue dog a year ago today #adoptdontshop #dogs',
  ],
  interior: [
    'Living room refresh with a new rug and lamp #interiordesign #homedecor',
    'Kitchen renovation week three #renovation #interior',
    'Scandinavian bedroom corner #interiorstyling #myhome',
  ],
  family: [
    'Weekend with the kids at the park #momlife #family',
    'Toddler bedtime stories #motherhood #parenting',
    'Baby’s first steps today #babyboy #momsofinstagram',
  ],
};

export const corpusNiches = Object.keys(nicheCaptions);

/**
 * A labelled synthetic corpus: `perNiche` creators for each niche, varied in size, engagement and
 * country, each with its niche's captions plus one off-niche caption, and its niche as category.
 */
export function nicheCorpus(perNiche: number, opts: { prefix?: string } = {}): Creator[] {
  const out: Creator[] = [];
  const countries = ['US', 'GB', 'DE', 'US', 'FR'];
  corpusNiches.forEach((niche, n) => {
    for (let i = 0; i < perNiche; i++) {
      const own = nicheCaptions[niche]!;
      const other = nicheCaptions[corpusNiches[(n + 1 + (i % 7)) % corpusNiches.length]!]!;
      const captions = [own[i % own.length]!, own[(i + 1) % own.length]!, other[i % other.length]!];
      out.push(
        makeCreator({
          handle: `${opts.prefix ?? ''}${niche}_${i}`,
          displayName: `${niche} creator ${i}`,
          bio: captions.join(' || '),
          categories: [niche],
          topics: (captions.join(' ').match(/#\w+/g) ?? []).map((h) => h.slice(1).toLowerCase()),
          followers: 2_000 + ((i * 7919 + n * 104_729) % 400_000),
          engagementRate: 0.01 + ((i * 37 + n * 11) % 60) / 1000,
          country: countries[(i + n) % countries.length]!,
          language: 'en',
        }),
      );
    }
  });
  return out;
}

/** Puts creators into the context's index, embedded with its embedder, in one batch. */
export async function seedIndex(ctx: AppContext, creators: Creator[]): Promise<void> {
  for (let i = 0; i < creators.length; i += 500) {
    const batch = creators.slice(i, i + 500);
    const vectors = await ctx.providers.embedder.embed(batch.map(creatorDocument), noJob);
    await ctx.providers.index.upsert(batch.map((creator, j) => ({ creator, vector: vectors[j]! })), noJob);
  }
}

/** An API key row and a pending job for it, as POST /pipeline/start would leave them. */
export async function createJob(ctx: AppContext, body: Record<string, unknown>): Promise<string> {
  const apiKeyId = `key_${Math.random().toString(36).slice(2, 10)}`;
  await ctx.repos.apiKeys.insert({
    id: apiKeyId,
    name: 'test',
    prefix: 'isk_test',
    keyHash: Buffer.from(apiKeyId.padEnd(32, 'x')),
    webhookSecret: 'whsec_test',
  });
  const params = toJobParams(startJobSchema.parse(body));
  const id = newJobId();
  await ctx.repos.jobs.insert({ id, apiKeyId, params, meta: emptyMeta() });
  return id;
}
