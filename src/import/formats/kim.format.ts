import { countryFromPlace } from '../../domain/countries-languages.js';
import { detectLanguage } from '../language.js';
import { bool, cleanText, count, optionalText, rate, uniqueLabels } from '../values.js';
import { buildCreator, datasetObservation, parseHandle } from './format.js';
import type { ImportFormat } from './format.js';

/**
 * The Kim data set's sampled posts date from 2013–2019 and its rows carry no dates: its creators
 * are observed at the end of that period at the latest (docs/import-format.md).
 */
export const KIM_OBSERVED_AT = '2019-12-31T00:00:00.000Z';

/**
 * Kim et al. Instagram influencers, `profiles_with_captions.csv`: no bio, so recent captions stand
 * in for it; top hashtags become topics. Country comes from post locations when they name one,
 * language from the captions when it is clear; otherwise both stay unknown.
 */
export const kimFormat: ImportFormat = {
  id: 'kim',
  kind: 'csv',
  required: ['username', 'category', 'followers', 'captions_text'],
  matches: (keys) => ['username', 'category', 'top_hashtags', 'captions_text'].every((k) => keys.includes(k)),
  toCreator(r, ctx) {
    const handle = parseHandle('instagram', r.username);
    const captions = cleanText(r.captions_text);
    return buildCreator(
      {
        platform: 'instagram',
        handle,
        displayName: optionalText(r.full_name),
        bio: captions,
        categories: kimCategory(String(r.category ?? '')),
        topics: uniqueLabels(String(r.top_hashtags ?? '').split(/\s+/)),
        followers: count('followers', r.followers),
        following: count('followees', r.followees),
        postsCount: count('posts_total', r.posts_total),
        engagementRate: rate('engagement_rate', r.engagement_rate),
        verified: bool('is_verified', r.is_verified),
        country: majorityCountry(String(r.locations ?? '')),
        language: detectLanguage(captions),
        ...datasetObservation(KIM_OBSERVED_AT, ctx),
      },
      ctx,
    );
  },
};

/** upstream typos: "fasion" and "fashion 0.5" are fashion */
function kimCategory(raw: string): string[] {
  const c = raw.trim().toLowerCase();
  if (c === '') return [];
  if (c.startsWith('fashion') || c === 'fasion') return ['fashion'];
  return [c];
}

/** locations of several posts joined by " | ": the country most of them name */
function majorityCountry(locations: string): string | null {
  const votes = new Map<string, number>();
  for (const place of locations.split('|')) {
    const code = countryFromPlace(place);
    if (code) votes.set(code, (votes.get(code) ?? 0) + 1);
  }
  let best: string | null = null;
  let bestVotes = 0;
  for (const [code, n] of votes) {
    if (n > bestVotes) {
      best = code;
      bestVotes = n;
    }
  }
  return best;
}
