import { countryCode, languageCode } from '../../domain/countries-languages.js';
import { bool, cleanText, count, labels, optionalText, rate, RowError, timestamp } from '../values.js';
import { buildCreator, parseHandle, parsePlatform } from './format.js';
import type { ImportFormat, RowContext } from './format.js';
import type { Creator } from '../../domain/creator.js';

/** The documented generic format (docs/import-format.md): our Creator fields in snake_case. */
export const genericColumns = [
  'platform',
  'handle',
  'display_name',
  'bio',
  'categories',
  'topics',
  'followers',
  'following',
  'posts_count',
  'engagement_rate',
  'country',
  'language',
  'verified',
  'profile_url',
  'last_post_at',
  'observed_at',
] as const;

function toCreator(r: Record<string, unknown>, ctx: RowContext): Creator {
  const platform = parsePlatform(r.platform);
  const rawCountry = optionalText(r.country);
  const country = rawCountry === null ? null : countryCode(rawCountry);
  if (rawCountry !== null && country === null) {
    throw new RowError(`country: "${rawCountry}" is not an ISO 3166-1 alpha-2 code or a known country name`);
  }
  const engagementRate = rate('engagement_rate', r.engagement_rate);
  if (engagementRate !== null && engagementRate > 10) {
    throw new RowError(`engagement_rate: ${engagementRate} is implausible (give a fraction like 0.034 or "3.4%")`);
  }
  const profileUrl = optionalText(r.profile_url);
  if (profileUrl !== null && !/^https?:\/\/\S+$/i.test(profileUrl)) {
    throw new RowError(`profile_url: "${profileUrl}" is not an http(s) URL`);
  }
  const lastPostAt = timestamp('last_post_at', r.last_post_at);
  const observedAt = timestamp('observed_at', r.observed_at);
  return buildCreator(
    {
      platform,
      handle: parseHandle(platform, r.handle),
      displayName: optionalText(r.display_name),
      bio: cleanText(r.bio),
      categories: labels('categories', r.categories),
      topics: labels('topics', r.topics),
      followers: count('followers', r.followers),
      following: count('following', r.following),
      postsCount: count('posts_count', r.posts_count),
      engagementRate,
      country,
      language: language(r.language),
      verified: bool('verified', r.verified),
      ...(profileUrl !== null ? { profileUrl } : {}),
      // the latest post says best when the data was true; a stated observation date comes next
      ...(lastPostAt !== null
        ? { observedAt: lastPostAt, observedAtBasis: 'posts' as const }
        : observedAt !== null
          ? { observedAt, observedAtBasis: 'source' as const }
          : {}),
    },
    ctx,
  );
}

function language(v: unknown): string | null {
  const raw = optionalText(v);
  if (raw === null) return null;
  const code = languageCode(raw);
  if (code) return code;
  throw new RowError(`language: "${raw}" is not an ISO 639-1 code (e.g. en, es, pt)`);
}

export const genericCsvFormat: ImportFormat = {
  id: 'csv',
  kind: 'csv',
  required: ['platform', 'handle'],
  matches: (keys) => keys.includes('platform') && keys.includes('handle'),
  toCreator,
};

export const genericJsonlFormat: ImportFormat = {
  id: 'jsonl',
  kind: 'jsonl',
  required: [],
  matches: () => false,
  toCreator,
};
