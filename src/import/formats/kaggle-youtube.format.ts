import { countryCode } from '../../domain/countries-languages.js';
import { count, optionalText, RowError, uniqueLabels } from '../values.js';
import { buildCreator, datasetObservation, engagementOf, KAGGLE_2022_OBSERVED_AT } from './format.js';
import type { ImportFormat } from './format.js';

/**
 * Kaggle "social media influencers 2022", YouTube top 1000. Column names carry stray line breaks
 * (normalised away by headerKeys); "Youtube channel" is a channel name, so the handle is its slug.
 * Engagement = (average likes + comments per video) / subscribers; rows with no views at all have
 * no engagement data rather than zero engagement.
 */
export const kaggleYoutubeFormat: ImportFormat = {
  id: 'kaggle-youtube',
  kind: 'csv',
  required: ['youtube channel', 'followers'],
  matches: (keys) => ['youtube channel', 'youtuber name'].every((k) => keys.includes(k)),
  toCreator(r, ctx) {
    const channel = String(r['youtube channel'] ?? '');
    const handle = channelSlug(channel);
    if (!handle) throw new RowError(`youtube channel: "${channel.trim()}" has no Latin letters or digits to make a handle from`);
    const followers = count('followers', r['followers#2']) ?? count('followers', r.followers);
    const views = count('views (avg.)', r['views (avg.)#2']) ?? count('views (avg.)', r['views (avg.)']);
    const likes = count('likes (avg.)', r['likes (avg.)#2']) ?? count('likes (avg.)', r['likes (avg.)']);
    const comments = count('comments (avg.)', r['comments (avg.)#2']) ?? count('comments (avg.)', r['comments (avg.)']);
    const interactions = !views || likes === null ? null : likes + (comments ?? 0);
    return buildCreator(
      {
        platform: 'youtube',
        handle,
        displayName: optionalText(r['youtuber name']) ?? optionalText(channel),
        categories: uniqueLabels([String(r.category ?? ''), String(r['category-2'] ?? '')]),
        followers,
        engagementRate: engagementOf(interactions, followers),
        country: countryCode(String(r.country ?? '')),
        ...datasetObservation(KAGGLE_2022_OBSERVED_AT, ctx),
      },
      ctx,
    );
  },
};

/** "✿ Kids Diana Show" → "kidsdianashow": accents folded, everything outside [a-z0-9._-] dropped */
export function channelSlug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '')
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, 100);
}
