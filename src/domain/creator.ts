/** Platforms the service knows about. Index and search work for all; live profiles exist for IG and TikTok. */
export const platforms = ['instagram', 'tiktok', 'youtube'] as const;
export type Platform = (typeof platforms)[number];

/** `platform:handle`, lowercase handle: the identity of a creator everywhere in the service. */
export type CreatorKey = `${Platform}:${string}`;

export function creatorKey(platform: Platform, handle: string): CreatorKey {
  return `${platform}:${normalizeHandle(handle)}`;
}

export function normalizeHandle(handle: string): string {
  return handle.trim().replace(/^@/, '').toLowerCase();
}

export function parseCreatorKey(key: string): { platform: Platform; handle: string } | null {
  const i = key.indexOf(':');
  if (i <= 0) return null;
  const platform = key.slice(0, i) as Platform;
  const handle = normalizeHandle(key.slice(i + 1));
  if (!platforms.includes(platform) || !/^[a-z0-9._-]{1,100}$/.test(handle)) return null;
  return { platform, handle };
}

export function profileUrl(platform: Platform, handle: string): string {
  switch (platform) {
    case 'instagram':
      return `https://www.instagram.com/${handle}/`;
    case 'tiktok':
      return `https://www.tiktok.com/@${handle}`;
    case 'youtube':
      return `https://www.youtube.com/@${handle}`;
  }
}

/**
 * The niches inferred for every creator at import (src/import/niche-classifier.ts): the labelled
 * niches of the Kim data set, which the label-blind eval measures.
 */
export const inferredNiches = ['beauty', 'fashion', 'fitness', 'food', 'travel', 'pet', 'interior', 'family'] as const;
export type InferredNiche = (typeof inferredNiches)[number];

/** A creator passes `filters.niches` when its probability for one of the named niches is at least this. */
export const NICHE_FILTER_MIN_P = 0.4;
/** Niche probabilities below this are left off a creator's `niches` list (an index keeps every value). */
export const NICHE_LIST_MIN_P = 0.05;

/** How likely a creator belongs to one niche (0–1), inferred from the imported corpus itself. */
export interface NicheScore {
  niche: string;
  p: number;
}

/** A creator as stored in the index. Numbers are null when the source did not have them. */
export interface Creator {
  key: CreatorKey;
  platform: Platform;
  handle: string;
  displayName: string | null;
  /** bio or, where there is none, recent captions: the free text that search and scoring read */
  bio: string;
  /** niche labels from the source (e.g. Kim's category, Kaggle's Category_1/2), lowercase */
  categories: string[];
  /**
   * niche probabilities inferred at import from the creator's own text (never from `categories`
   * when an evaluation withholds them), highest first; absent on indexes built before inference
   */
  niches?: NicheScore[];
  /** hashtags and topic words, lowercase, without '#' */
  topics: string[];
  followers: number | null;
  following: number | null;
  postsCount: number | null;
  /** (avg likes + avg comments) / followers, as a fraction (0.034 = 3.4 %) */
  engagementRate: number | null;
  /** ISO 3166-1 alpha-2, upper case */
  country: string | null;
  /** ISO 639-1, lower case */
  language: string | null;
  verified: boolean;
  profileUrl: string;
  /** where this record came from (import source name) and when it was last written */
  source: string;
  updatedAt: string;
  /**
   * when the data describes the creator (ISO): the latest post date when the source has one, a
   * date the source states for its records, else the time it was written (see `observedAtBasis`)
   */
  observedAt: string;
  observedAtBasis: ObservedAtBasis;
}

/**
 * What `observedAt` rests on: `posts` the creator's latest post date, `source` a date the data
 * source states for its records (a data set's collection period, an `observed_at` column),
 * `fetch` the time a live profile was fetched, `import` only the time the record was written
 * (the source said nothing about when its data was true).
 */
export const observedAtBases = ['posts', 'source', 'fetch', 'import'] as const;
export type ObservedAtBasis = (typeof observedAtBases)[number];

/** Default of PROFILE_MAX_AGE_DAYS: profile data observed longer ago than this is `stale`. */
export const DEFAULT_PROFILE_MAX_AGE_DAYS = 180;

/** True when data observed at `observedAt` is older than `maxAgeDays` at `now`. */
export function isStale(observedAt: string, maxAgeDays: number, now: number = Date.now()): boolean {
  const t = Date.parse(observedAt);
  if (!Number.isFinite(t)) return true;
  return now - t > maxAgeDays * 86_400_000;
}

/** Hard filters: applied inside the index, never after the fact. */
export interface HardFilters {
  platforms?: Platform[];
  followersMin?: number;
  followersMax?: number;
  countries?: string[];
  languages?: string[];
  /**
   * creators whose country or language is unknown pass the `countries` / `languages` filters
   * (by default an unknown value never passes a filter on it)
   */
  includeUnknown?: boolean;
  minEngagementRate?: number;
  /** inferred niches: a creator passes with p ≥ NICHE_FILTER_MIN_P for at least one of them */
  niches?: InferredNiche[];
}

export interface HybridQuery {
  text: string;
  /** query vector from the configured embedder; the index embeds `text` itself when absent */
  vector?: number[];
  filters: HardFilters;
  limit: number;
  excludeKeys?: CreatorKey[];
}

export interface SearchHit {
  creator: Creator;
  /** fused relevance, higher is better; comparable only within one result list */
  score: number;
}
