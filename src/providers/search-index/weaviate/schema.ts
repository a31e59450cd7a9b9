import weaviate, { generateUuid5 } from 'weaviate-client';
import type { CollectionConfigCreate, PropertyConfigCreate, WeaviateField } from 'weaviate-client';
import { inferredNiches } from '../../../domain/creator.js';
import type { Creator, ObservedAtBasis, Platform } from '../../../domain/creator.js';
import { nicheScoreList } from '../niche-columns.js';

/** one probability property per inferred niche; absent = never classified */
export const nicheProperty = (niche: string) => `niche_${niche}`;

/**
 * How a creator lives in Weaviate: one object per creator, its id a UUIDv5 of the creator key (so
 * a re-import replaces instead of duplicating), our own vector under the named vector `default`
 * (no vectorizer module), and properties with only the indexes the service uses: BM25 on the
 * creator document and categories, filters on the hard-filter fields.
 */

export const VECTOR_NAME = 'default';
/** BM25 fields of the keyword leg; a category hit counts double over a mention in the document */
export const QUERY_PROPERTIES = ['doc', 'categories^2'];
const UUID_NAMESPACE = 'influencer-scout:creator';

export function creatorUuid(key: string): string {
  return generateUuid5(key, UUID_NAMESPACE);
}

const text = (name: string, idx: { filter?: boolean; search?: boolean; tokenization?: 'word' | 'field' } = {}) =>
  ({
    name,
    dataType: 'text',
    tokenization: idx.tokenization ?? 'field',
    indexFilterable: idx.filter ?? false,
    indexSearchable: idx.search ?? false,
  }) as PropertyConfigCreate<undefined>;

const plain = (name: string, dataType: 'int' | 'number' | 'boolean' | 'date', range = false) =>
  ({ name, dataType, indexFilterable: range || dataType === 'boolean', indexRangeFilters: range }) as PropertyConfigCreate<undefined>;

export const creatorProperties: PropertyConfigCreate<undefined>[] = [
  text('key', { filter: true }),
  text('platform', { filter: true }),
  text('handle', { filter: true }),
  text('display_name'),
  text('bio'),
  { name: 'categories', dataType: 'text[]', tokenization: 'word', indexFilterable: true, indexSearchable: true } as PropertyConfigCreate<undefined>,
  { name: 'topics', dataType: 'text[]', tokenization: 'word', indexFilterable: true, indexSearchable: false } as PropertyConfigCreate<undefined>,
  plain('followers', 'int', true),
  plain('following', 'int'),
  plain('posts_count', 'int'),
  plain('engagement_rate', 'number', true),
  text('country', { filter: true }),
  text('language', { filter: true }),
  plain('verified', 'boolean'),
  text('profile_url'),
  text('source', { filter: true }),
  plain('updated_at', 'date', true),
  plain('observed_at', 'date', true),
  text('observed_at_basis', { filter: true }),
  text('doc', { search: true, tokenization: 'word' }),
  ...inferredNiches.map((n) => plain(nicheProperty(n), 'number', true)),
];

export const returnProperties = creatorProperties.map((p) => p.name).filter((n) => n !== 'doc');

export interface IndexMeta {
  embedder: string | null;
  dimension: number | null;
}

/** The embedder that built the vectors is recorded in the collection description. */
export function describe(meta: { embedder: string; dimension: number }): string {
  return `Creators of influencer-scout-api. embedder=${meta.embedder}; dimension=${meta.dimension}`;
}

export function parseDescription(description: string | undefined): IndexMeta {
  const embedder = /embedder=([^;\s]+)/.exec(description ?? '')?.[1] ?? null;
  const dim = /dimension=(\d+)/.exec(description ?? '')?.[1];
  return { embedder, dimension: dim === undefined ? null : Number(dim) };
}

export function collectionConfig(name: string, meta: { embedder: string; dimension: number }): CollectionConfigCreate {
  return {
    name,
    description: describe(meta),
    properties: creatorProperties,
    // `filters.include_unknown` finds creators without a country/language with IsNull, which needs this
    invertedIndex: weaviate.configure.invertedIndex({ indexNullState: true }),
    vectorizers: weaviate.configure.vectors.selfProvided({
      name: VECTOR_NAME,
      vectorIndexConfig: weaviate.configure.vectorIndex.hnsw({ distanceMetric: 'cosine' }),
    }),
  };
}

/** Weaviate stores no nulls: unknown values are left out and come back absent. */
export function toProperties(c: Creator, doc: string): Record<string, WeaviateField> {
  const props: Record<string, WeaviateField | null> = {
    key: c.key,
    platform: c.platform,
    handle: c.handle,
    display_name: c.displayName,
    bio: c.bio,
    categories: c.categories,
    topics: c.topics,
    followers: intOrNull(c.followers),
    following: intOrNull(c.following),
    posts_count: intOrNull(c.postsCount),
    engagement_rate: c.engagementRate,
    country: c.country,
    language: c.language,
    verified: c.verified,
    profile_url: c.profileUrl,
    source: c.source,
    updated_at: new Date(c.updatedAt).toISOString(),
    observed_at: new Date(c.observedAt).toISOString(),
    observed_at_basis: c.observedAtBasis,
    doc,
  };
  if (c.niches !== undefined) {
    for (const n of inferredNiches) props[nicheProperty(n)] = c.niches.find((s) => s.niche === n)?.p ?? 0;
  }
  return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== null && v !== undefined)) as Record<
    string,
    WeaviateField
  >;
}

function intOrNull(n: number | null): number | null {
  return n === null || !Number.isFinite(n) ? null : Math.round(n);
}

export function fromProperties(p: Record<string, unknown>): Creator {
  const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : null);
  const num = (k: string) => (typeof p[k] === 'number' ? (p[k] as number) : null);
  const list = (k: string) => (Array.isArray(p[k]) ? (p[k] as unknown[]).map(String) : []);
  const updated = p.updated_at;
  const updatedAt = updated instanceof Date ? updated.toISOString() : (str('updated_at') ?? new Date(0).toISOString());
  const observed = p.observed_at;
  const niches = nicheScoreList(inferredNiches.map((n) => ({ niche: n, p: num(nicheProperty(n)) })));
  return {
    key: str('key') as Creator['key'],
    platform: str('platform') as Platform,
    handle: str('handle') ?? '',
    displayName: str('display_name'),
    bio: str('bio') ?? '',
    categories: list('categories'),
    topics: list('topics'),
    followers: num('followers'),
    following: num('following'),
    postsCount: num('posts_count'),
    engagementRate: num('engagement_rate'),
    country: str('country'),
    language: str('language'),
    verified: p.verified === true,
    profileUrl: str('profile_url') ?? '',
    source: str('source') ?? '',
    updatedAt,
    // objects written before observed_at existed were, as far as we know, observed when written
    observedAt: observed instanceof Date ? observed.toISOString() : (str('observed_at') ?? updatedAt),
    observedAtBasis: (str('observed_at_basis') ?? 'import') as ObservedAtBasis,
    ...(niches ? { niches } : {}),
  };
}
