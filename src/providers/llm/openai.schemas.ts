import { z } from 'zod';
import { platforms } from '../../domain/creator.js';
import type { HardFilters } from '../../domain/creator.js';
import { scoreParts } from '../../domain/job.js';
import type { AudienceNiche, BriefExpansion, ScoreBreakdown } from '../../domain/job.js';

/**
 * The JSON schemas sent as `response_format: json_schema` (strict: every property required, no
 * extra properties, nullable through a type union) and the zod schemas that check the answer again
 * on our side: a server may not enforce the schema (Ollama Cloud does not), so we never trust it.
 */

export const FIT_SCORES_NAME = 'fit_scores';

/**
 * The parts of a fit score and the points each may carry (docs/api.md); they add up to the score.
 * Relevance (niche + topics) carries at most 80: niche up to 72 and topics up to 8 when the brief
 * names niches, topics up to 48 when it names none. The rule-based scorer gives the same parts.
 */
export const scorePartMax: Readonly<ScoreBreakdown> = { niche: 72, topics: 48, audience: 8, engagement: 9, freshness: 3 };

const partDescriptions: Record<keyof ScoreBreakdown, string> = {
  niche: 'how much the creator is about the niches of the people who would use the product',
  topics: "the campaign's own topic words found in the creator's posts",
  audience: 'follower count against the wanted band, country, language and other filters met',
  engagement: "engagement rate against creators of the same size",
  freshness: 'how current the creator data and posts are',
};
export const BRIEF_EXPANSION_NAME = 'brief_expansion';

const stringArray = { type: 'array', items: { type: 'string' } } as const;

export const fitScoresJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['scores'],
  properties: {
    scores: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'score', 'breakdown', 'rationale', 'matched_topics'],
        properties: {
          id: { type: 'string', description: 'the creator id exactly as given in the data' },
          score: { type: 'integer', minimum: 0, maximum: 100, description: '0 = no fit, 100 = perfect fit; the sum of breakdown' },
          breakdown: {
            type: 'object',
            additionalProperties: false,
            required: [...scoreParts],
            properties: Object.fromEntries(
              scoreParts.map((k) => [k, { type: 'integer', minimum: 0, maximum: scorePartMax[k], description: partDescriptions[k] }]),
            ),
          },
          rationale: { type: 'string', description: 'one sentence, at most 300 characters' },
          matched_topics: { ...stringArray, description: 'topics of the brief this creator covers' },
        },
      },
    },
  },
} as const;

export const briefExpansionJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['queries', 'niches', 'audience', 'topics', 'filters'],
  properties: {
    queries: { ...stringArray, description: '1-5 short search queries; the first condenses the brief' },
    niches: { ...stringArray, description: 'lowercase niche labels such as fitness, beauty, food, travel' },
    audience: {
      type: 'array',
      description:
        'who should promote what is sold: niches of the people who use the product, weight 1 for the primary audience and less for side audiences (protein powder: fitness 1, food 0.3)',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['niche', 'weight'],
        properties: {
          niche: { type: 'string', description: 'a lowercase niche label, one of niches' },
          weight: { type: 'number', minimum: 0, maximum: 1 },
        },
      },
    },
    topics: { ...stringArray, description: 'lowercase topic words and hashtags without #' },
    filters: {
      type: 'object',
      additionalProperties: false,
      required: ['platforms', 'countries', 'languages', 'followers_min', 'followers_max', 'min_engagement_rate'],
      properties: {
        platforms: { type: 'array', items: { type: 'string', enum: [...platforms] } },
        countries: { ...stringArray, description: 'ISO 3166-1 alpha-2 codes stated in the brief' },
        languages: { ...stringArray, description: 'ISO 639-1 codes stated in the brief' },
        followers_min: { type: ['integer', 'null'] },
        followers_max: { type: ['integer', 'null'] },
        min_engagement_rate: { type: ['number', 'null'], description: 'a fraction, 0.02 = 2 %' },
      },
    },
  },
} as const;

export const fitScoresAnswer = z.object({
  scores: z.array(
    z.object({
      id: z.string(),
      score: z.number().min(0).max(100),
      breakdown: z.object({
        niche: z.number().min(0).max(scorePartMax.niche),
        topics: z.number().min(0).max(scorePartMax.topics),
        audience: z.number().min(0).max(scorePartMax.audience),
        engagement: z.number().min(0).max(scorePartMax.engagement),
        freshness: z.number().min(0).max(scorePartMax.freshness),
      }),
      rationale: z.string(),
      matched_topics: z.array(z.string()),
    }),
  ),
});

export const briefExpansionAnswer = z.object({
  queries: z.array(z.string()),
  niches: z.array(z.string()),
  // optional: a server that does not enforce the schema may leave it out; the niches' order stands in
  audience: z.array(z.object({ niche: z.string(), weight: z.number().min(0).max(1) })).optional(),
  topics: z.array(z.string()),
  filters: z.object({
    platforms: z.array(z.string()),
    countries: z.array(z.string()),
    languages: z.array(z.string()),
    followers_min: z.number().nullable(),
    followers_max: z.number().nullable(),
    min_engagement_rate: z.number().nullable(),
  }),
});
export type BriefExpansionAnswer = z.infer<typeof briefExpansionAnswer>;

const clean = (list: string[], max: number, maxLength: number) => [
  ...new Set(list.map((s) => s.trim().toLowerCase()).filter((s) => s.length > 0 && s.length <= maxLength)),
].slice(0, max);

/**
 * Our BriefExpansion from a validated answer. Values that are well-formed JSON but make no sense
 * (a country "USA", a negative follower count, min above max) are dropped rather than trusted.
 */
export function toBriefExpansion(answer: BriefExpansionAnswer, brief: string): BriefExpansion {
  const queries = [...new Set(answer.queries.map((q) => q.trim().slice(0, 200)).filter((q) => q.length > 0))].slice(0, 5);
  if (queries.length === 0) queries.push(brief.trim().slice(0, 200));
  const f = answer.filters;
  const filters: HardFilters = {};
  const plats = [...new Set(f.platforms.map((p) => p.toLowerCase()))].filter((p): p is (typeof platforms)[number] =>
    (platforms as readonly string[]).includes(p),
  );
  if (plats.length > 0) filters.platforms = plats;
  const countries = [...new Set(f.countries.map((c) => c.trim().toUpperCase()))].filter((c) => /^[A-Z]{2}$/.test(c));
  if (countries.length > 0) filters.countries = countries;
  const languages = [...new Set(f.languages.map((l) => l.trim().toLowerCase()))].filter((l) => /^[a-z]{2}$/.test(l));
  if (languages.length > 0) filters.languages = languages;
  const count = (n: number | null) => (n !== null && Number.isFinite(n) && n >= 0 ? Math.round(n) : undefined);
  const min = count(f.followers_min);
  const max = count(f.followers_max);
  if (min === undefined || max === undefined || min <= max) {
    if (min !== undefined) filters.followersMin = min;
    if (max !== undefined) filters.followersMax = max;
  }
  let er = f.min_engagement_rate;
  if (er !== null && er > 1 && er <= 100) er = er / 100; // a percentage where a fraction was asked for
  if (er !== null && er >= 0 && er <= 1) filters.minEngagementRate = er;
  const out: BriefExpansion = {
    queries,
    niches: clean(answer.niches, 10, 40),
    topics: clean(answer.topics, 20, 40),
    filters,
  };
  const audience = audienceOf(answer.audience ?? []);
  if (audience.length > 0) out.audience = audience;
  return out;
}

/** The answer's audience weights: one per niche (its highest), none at 0, the strongest scaled to 1, strongest first. */
function audienceOf(list: { niche: string; weight: number }[]): AudienceNiche[] {
  const best = new Map<string, number>();
  for (const a of list) {
    const niche = a.niche.trim().toLowerCase();
    if (niche.length === 0 || niche.length > 40 || !(a.weight > 0)) continue;
    best.set(niche, Math.max(best.get(niche) ?? 0, a.weight));
  }
  const max = Math.max(0, ...best.values());
  return [...best.entries()]
    .map(([niche, w]) => ({ niche, weight: Math.round((w / max) * 100) / 100 }))
    .sort((a, b) => b.weight - a.weight)
    .slice(0, 6);
}

/** Whole-point parts of an answer and the score they add up to (the parts win over a score that disagrees). */
export function toBreakdown(parts: ScoreBreakdown): { breakdown: ScoreBreakdown; score: number } {
  const breakdown = Object.fromEntries(scoreParts.map((k) => [k, Math.round(parts[k])])) as unknown as ScoreBreakdown;
  // relevance is at most 80 points: an answer that claims more loses it from its topics
  breakdown.topics = Math.max(0, Math.min(breakdown.topics, 80 - breakdown.niche));
  return { breakdown, score: scoreParts.reduce((sum, k) => sum + breakdown[k], 0) };
}
