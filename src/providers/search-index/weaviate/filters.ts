import weaviate, { Filters } from 'weaviate-client';
import type { FilterValue } from 'weaviate-client';
import { NICHE_FILTER_MIN_P } from '../../../domain/creator.js';
import type { CreatorKey, HardFilters } from '../../../domain/creator.js';
import { nicheProperty } from './schema.js';

const by = (name: string) => weaviate.filter.byProperty(name);

/**
 * Hard filters as one Weaviate filter, evaluated inside both legs of the hybrid search. A creator
 * whose country, language, follower count or engagement rate is unknown has no value for that
 * property, so it never passes a filter on it (the same answer as SQL NULL in the LanceDB index),
 * unless `includeUnknown` keeps unknown countries and languages.
 */
export function buildFilter(filters: HardFilters, excludeKeys: readonly CreatorKey[] = []): FilterValue | undefined {
  const parts: FilterValue[] = [];
  if (filters.platforms && filters.platforms.length > 0) parts.push(by('platform').containsAny([...filters.platforms]));
  if (filters.followersMin !== undefined) parts.push(by('followers').greaterOrEqual(Math.ceil(finite(filters.followersMin))));
  if (filters.followersMax !== undefined) parts.push(by('followers').lessOrEqual(Math.floor(finite(filters.followersMax))));
  // an unknown value is a missing property: IsNull finds it (the collection indexes null state)
  const orUnknown = (name: string, f: FilterValue) => (filters.includeUnknown ? Filters.or(f, by(name).isNull(true)) : f);
  if (filters.countries && filters.countries.length > 0) {
    parts.push(orUnknown('country', by('country').containsAny(filters.countries.map((c) => c.toUpperCase()))));
  }
  if (filters.languages && filters.languages.length > 0) {
    parts.push(orUnknown('language', by('language').containsAny(filters.languages.map((l) => l.toLowerCase()))));
  }
  if (filters.minEngagementRate !== undefined) parts.push(atLeastNumber('engagement_rate', finite(filters.minEngagementRate)));
  if (filters.niches && filters.niches.length > 0) {
    const any = filters.niches.map((n) => atLeastNumber(nicheProperty(n), NICHE_FILTER_MIN_P));
    parts.push(any.length === 1 ? any[0]! : Filters.or(...any));
  }
  // NotEqual per key rather than ContainsNone/Not, which older servers (< 1.33) do not know
  for (const key of new Set(excludeKeys)) parts.push(by('key').notEqual(key));
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : Filters.and(...parts);
}

/** Every creator written by one import source (`source` uses field tokenization: exact match). */
export function sourceFilter(source: string): FilterValue {
  return by('source').equal(source);
}

/** Lookup by creator keys (exact match: `key` uses field tokenization). */
export function keysFilter(keys: readonly string[]): FilterValue {
  return by('key').containsAny([...keys]);
}

/**
 * `property >= n` on a number property. The client sends whole numbers as `valueInt`, which the
 * server refuses on a `number` property, so a whole bound becomes `> nextDown(n)`: the same set.
 */
function atLeastNumber(property: string, n: number): FilterValue {
  return Number.isInteger(n) ? by(property).greaterThan(nextDown(n)) : by(property).greaterOrEqual(n);
}

/** The largest double below `x`. */
export function nextDown(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  const f = new Float64Array([x]);
  const bits = new BigInt64Array(f.buffer);
  bits[0] = x > 0 ? bits[0]! - 1n : bits[0]! + 1n;
  return f[0]!;
}

function finite(n: number): number {
  if (!Number.isFinite(n)) throw new RangeError(`filter value must be a finite number, got ${n}`);
  return n;
}
