import { countryCode } from '../../domain/countries-languages.js';
import { count, optionalText, uniqueLabels } from '../values.js';
import { buildCreator, datasetObservation, engagementOf, KAGGLE_2022_OBSERVED_AT, parseHandle } from './format.js';
import type { ImportFormat } from './format.js';

/**
 * Kaggle "social media influencers 2022", Instagram top 1000. Every metric appears twice, as text
 * ("409.8M") and as a number; the number wins, the text is the fallback. `country` is the
 * audience's main country. Engagement = average engagement per post / followers.
 */
export const kaggleInstagramFormat: ImportFormat = {
  id: 'kaggle-instagram',
  kind: 'csv',
  required: ['name', 'instagram name', 'followers'],
  matches: (keys) => ['instagram name', 'category_1'].every((k) => keys.includes(k)),
  toCreator(r, ctx) {
    const followers = count('followers', r['followers#2']) ?? count('followers', r.followers);
    const engagement = count('eng. (avg.)', r['eng. (avg.)#2']) ?? count('eng. (avg.)', r['eng. (avg.)']);
    return buildCreator(
      {
        platform: 'instagram',
        handle: parseHandle('instagram', r.name),
        displayName: optionalText(r['instagram name']),
        categories: uniqueLabels([String(r.category_1 ?? ''), String(r.category_2 ?? '')]),
        followers,
        engagementRate: engagementOf(engagement, followers),
        country: countryCode(String(r.country ?? '')),
        ...datasetObservation(KAGGLE_2022_OBSERVED_AT, ctx),
      },
      ctx,
    );
  },
};
