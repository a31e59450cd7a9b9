import { inferredNiches, NICHE_FILTER_MIN_P } from '../domain/creator.js';
import type { Creator, CreatorKey, HardFilters, SearchHit } from '../domain/creator.js';
import type { AudienceNiche, BriefExpansion } from '../domain/job.js';
import { keysOf } from '../domain/job.js';
import { fuseRankings } from '../domain/rank-fusion.js';
import { AppError, ProviderError } from '../errors.js';
import type { CreatorIndex } from '../providers/search-index/creator-index.js';
import type { CallContext } from '../providers/ledger.js';

/**
 * Lookalike search: creators like a handful of seed creators. The seeds' stored vectors are the
 * query — their centroid (what they have in common) and each seed on its own (so a mixed seed
 * list still finds the lookalikes of every seed) — and their shared topics and inferred niches
 * read like a brief. Seeds are never results. Only the index's own fields are used (never the
 * source's category labels, which evaluations withhold).
 */

export const SEEDS_MAX = 10;

export interface Seed {
  creator: Creator;
  vector: number[];
}

/** Which seed a result is nearest to, and what they share: the rationale's first sentence. */
export interface Resemblance {
  seed: CreatorKey;
  /** cosine similarity of their vectors, 0–1 (rounded to 2 places) */
  similarity: number;
  /** topics (hashtags) both use */
  shared_topics: string[];
  /** inferred niches both belong to (p ≥ NICHE_FILTER_MIN_P) */
  shared_niches: string[];
}

/** Seeds found in the index with their vectors, in the order asked; `missing` names those that are not. */
export async function loadSeeds(
  index: CreatorIndex,
  keys: readonly CreatorKey[],
  ctx: CallContext,
): Promise<{ seeds: Seed[]; missing: CreatorKey[] }> {
  const unique = [...new Set(keys)];
  const [creators, vectors] = await Promise.all([index.get(unique, ctx), index.vectors(unique, ctx)]);
  const byKey = new Map(creators.map((c) => [c.key, c]));
  const seeds: Seed[] = [];
  const missing: CreatorKey[] = [];
  for (const key of unique) {
    const creator = byKey.get(key);
    const vector = vectors.get(key);
    if (creator && vector) seeds.push({ creator, vector });
    else missing.push(key);
  }
  return { seeds, missing };
}

/**
 * 422 naming every seed the index does not hold (`list` as the request sent it, `field` its name,
 * e.g. `similar_to`); 503 when the index cannot answer.
 */
export async function assertSeedsIndexed(index: CreatorIndex, list: readonly string[], field: string): Promise<void> {
  const keys = keysOf(list);
  let found: Set<string>;
  try {
    found = new Set((await index.get(keys, { jobId: null })).map((c) => c.key));
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    throw new AppError('service_unavailable', 'the creator index is unavailable right now; retry shortly', { retryAfterSeconds: 5 });
  }
  const missing = list.map((raw, i) => ({ key: keysOf([raw])[0]!, i })).filter(({ key }) => !found.has(key));
  if (missing.length === 0) return;
  throw new AppError('validation_failed', `unknown seed creator(s) in ${field}: ${[...new Set(missing.map((m) => m.key))].join(', ')}`, {
    errors: missing.map(({ key, i }) => ({ field: `${field}.${i}`, message: `${key} is not in the creator index` })),
  });
}

function norm(v: readonly number[]): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  const na = norm(a);
  const nb = norm(b);
  if (na === 0 || nb === 0 || a.length !== b.length) return 0;
  let d = 0;
  for (let i = 0; i < a.length; i++) d += a[i]! * b[i]!;
  return d / (na * nb);
}

/** Mean of the unit vectors: each seed counts the same whatever its vector's length. */
export function centroid(vectors: readonly (readonly number[])[]): number[] {
  const dim = vectors[0]?.length ?? 0;
  const out = new Array<number>(dim).fill(0);
  for (const v of vectors) {
    const n = norm(v) || 1;
    for (let i = 0; i < dim; i++) out[i]! += v[i]! / n / vectors.length;
  }
  return out;
}

/** The legs of a lookalike search, named for the candidates artifact: the centroid, then one per seed. */
export function seedLegNames(seeds: readonly Seed[]): string[] {
  return seeds.length > 1 ? ['centroid', ...seeds.map((s) => `seed:${s.creator.key}`)] : [`seed:${seeds[0]?.creator.key ?? ''}`];
}

/**
 * One vector-only search per leg (centroid and each seed; a single seed is its own centroid),
 * hard filters applied in the index, the seeds and `excludeKeys` left out.
 */
export async function searchSeedLegs(
  index: CreatorIndex,
  seeds: readonly Seed[],
  opts: { filters: HardFilters; limit: number; excludeKeys?: readonly CreatorKey[] },
  ctx: CallContext,
): Promise<SearchHit[][]> {
  const excludeKeys = [...new Set([...(opts.excludeKeys ?? []), ...seeds.map((s) => s.creator.key)])];
  const vectors = seeds.length > 1 ? [centroid(seeds.map((s) => s.vector)), ...seeds.map((s) => s.vector)] : seeds.map((s) => s.vector);
  return Promise.all(vectors.map((vector) => index.hybridSearch({ text: '', vector, filters: opts.filters, limit: opts.limit, excludeKeys }, ctx)));
}

const strongNiches = (c: Creator) => (c.niches ?? []).filter((s) => s.p >= NICHE_FILTER_MIN_P).map((s) => s.niche);

/** The seed each creator is nearest to (by stored vector), with what they share. Creators without a vector are left out. */
export async function resemblances(
  index: CreatorIndex,
  seeds: readonly Seed[],
  creators: readonly Creator[],
  ctx: CallContext,
): Promise<Map<CreatorKey, Resemblance>> {
  const vectors = await index.vectors(
    creators.map((c) => c.key),
    ctx,
  );
  const out = new Map<CreatorKey, Resemblance>();
  for (const c of creators) {
    const v = vectors.get(c.key);
    if (!v || seeds.length === 0) continue;
    let best = seeds[0]!;
    let bestSim = -Infinity;
    for (const s of seeds) {
      const sim = cosine(v, s.vector);
      if (sim > bestSim) [best, bestSim] = [s, sim];
    }
    const topics = new Set(best.creator.topics);
    const niches = new Set(strongNiches(best.creator));
    out.set(c.key, {
      seed: best.creator.key,
      similarity: Math.round(Math.max(0, bestSim) * 100) / 100,
      shared_topics: [...new Set(c.topics.filter((t) => topics.has(t)))].slice(0, 3),
      shared_niches: strongNiches(c).filter((n) => niches.has(n)),
    });
  }
  return out;
}

/** "Resembles instagram:foo (similarity 0.83): both post #vegan, #gym; both fitness" */
export function resemblanceText(r: Resemblance): string {
  const shared: string[] = [];
  if (r.shared_topics.length > 0) shared.push(`both post ${r.shared_topics.map((t) => `#${t}`).join(', ')}`);
  if (r.shared_niches.length > 0) shared.push(`both ${r.shared_niches.join(', ')}`);
  return `Resembles ${r.seed} (similarity ${r.similarity.toFixed(2)})${shared.length > 0 ? `: ${shared.join('; ')}` : ''}`;
}

const TOPICS_MAX = 10;
/** a niche the seeds share at this mean probability or more is one the lookalikes are wanted in */
const SEED_NICHE_MIN = 0.2;

/** The seeds' inferred niches, mean probability over the seeds, strongest first, weight 1 for the strongest. */
export function seedAudience(seeds: readonly Seed[]): AudienceNiche[] {
  const mean = inferredNiches
    .map((niche) => ({
      niche,
      p: seeds.reduce((s, seed) => s + (seed.creator.niches?.find((x) => x.niche === niche)?.p ?? 0), 0) / Math.max(1, seeds.length),
    }))
    .filter((x) => x.p >= SEED_NICHE_MIN)
    .sort((a, b) => b.p - a.p)
    .slice(0, 3);
  const top = mean[0]?.p ?? 1;
  return mean.map((x) => ({ niche: x.niche, weight: Math.round((x.p / top) * 100) / 100 }));
}

/** Topics used by the most seeds (at least two when there are several), most shared first. */
export function seedTopics(seeds: readonly Seed[]): string[] {
  const count = new Map<string, number>();
  for (const s of seeds) for (const t of new Set(s.creator.topics)) count.set(t, (count.get(t) ?? 0) + 1);
  const min = seeds.length > 1 ? 2 : 1;
  return [...count.entries()]
    .filter(([t, n]) => n >= min && t.length >= 3)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, TOPICS_MAX)
    .map(([t]) => t);
}

/**
 * What a lookalike job scores against when it has no brief: the seeds' niches as the audience,
 * their shared topics, and a keyword query made of those (searched beside the vector legs).
 */
export function seedExpansion(seeds: readonly Seed[]): { brief: string; expansion: BriefExpansion } {
  const audience = seedAudience(seeds);
  const topics = seedTopics(seeds);
  const niches = audience.map((a) => a.niche);
  const words = [...niches, ...topics.slice(0, 6)];
  const brief =
    `Creators similar to ${seeds.map((s) => s.creator.key).join(', ')}` +
    `${niches.length > 0 ? ` (${niches.join(', ')})` : ''}${topics.length > 0 ? `; topics: ${topics.join(', ')}` : ''}`;
  return {
    brief,
    expansion: { queries: words.length > 0 ? [words.join(' ')] : [], niches, topics, filters: {}, audience },
  };
}

/**
 * A brief's expansion with the seeds' niches and topics added: the brief's audience stays first,
 * seed niches it does not name come in at half weight, shared seed topics after the brief's own.
 */
export function withSeeds(expansion: BriefExpansion, seeds: readonly Seed[]): BriefExpansion {
  const fromSeeds = seedAudience(seeds);
  const audience = [...(expansion.audience ?? expansion.niches.map((niche, i) => ({ niche, weight: i === 0 ? 1 : 0.6 })))];
  for (const a of fromSeeds) if (!audience.some((x) => x.niche === a.niche)) audience.push({ niche: a.niche, weight: Math.round(a.weight * 50) / 100 });
  return {
    ...expansion,
    niches: [...new Set([...expansion.niches, ...fromSeeds.map((a) => a.niche)])],
    topics: [...new Set([...expansion.topics, ...seedTopics(seeds)])],
    audience,
  };
}

export interface SimilarHit {
  creator: Creator;
  /** fused relevance over the seed legs (reciprocal rank fusion), higher is better */
  score: number;
  resembles: Resemblance | null;
}

/**
 * Synchronous lookalike search (POST /search/similar): the seed legs fused by reciprocal rank, the
 * best `limit`, each with the seed it is nearest to. No brief, no scoring: the index's answer.
 */
export async function findSimilar(
  index: CreatorIndex,
  seeds: readonly Seed[],
  opts: { filters: HardFilters; limit: number },
  ctx: CallContext,
): Promise<SimilarHit[]> {
  const lists = await searchSeedLegs(index, seeds, opts, ctx);
  const top = fuseRankings(lists, (hit) => hit.creator.key, { tieBreak: (a, b) => a.creator.key.localeCompare(b.creator.key) })
    .slice(0, opts.limit)
    .map((f) => ({ creator: f.item.creator, score: f.score }));
  const near = await resemblances(index, seeds, top.map((t) => t.creator), ctx);
  return top.map((t) => ({ creator: t.creator, score: Math.round(t.score * 1e6) / 1e6, resembles: near.get(t.creator.key) ?? null }));
}
