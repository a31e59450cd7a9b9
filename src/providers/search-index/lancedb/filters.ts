import { NICHE_FILTER_MIN_P } from '../../../domain/creator.js';
import type { CreatorKey, HardFilters } from '../../../domain/creator.js';
import { nicheColumn } from './arrow.js';

/**
 * Hard filters as one SQL predicate that LanceDB evaluates inside both search legs (prefilter).
 * SQL three-valued logic does the NULL handling we want: a creator whose country, language,
 * follower count or engagement rate is unknown does not pass a filter on that field — unless
 * `includeUnknown` asks to keep unknown countries and languages.
 */
export function buildWhere(filters: HardFilters, excludeKeys: readonly CreatorKey[] = []): string | null {
  const clauses: string[] = [];
  if (filters.platforms && filters.platforms.length > 0) clauses.push(`platform IN (${list(filters.platforms)})`);
  if (filters.followersMin !== undefined) clauses.push(`followers >= ${int(filters.followersMin)}`);
  if (filters.followersMax !== undefined) clauses.push(`followers <= ${int(filters.followersMax)}`);
  const orUnknown = (column: string, clause: string) => (filters.includeUnknown ? `${clause} OR ${column} IS NULL` : clause);
  if (filters.countries && filters.countries.length > 0) {
    clauses.push(orUnknown('country', `country IN (${list(filters.countries.map((c) => c.toUpperCase()))})`));
  }
  if (filters.languages && filters.languages.length > 0) {
    clauses.push(orUnknown('language', `language IN (${list(filters.languages.map((l) => l.toLowerCase()))})`));
  }
  if (filters.minEngagementRate !== undefined) clauses.push(`engagement_rate >= ${float(filters.minEngagementRate)}`);
  if (filters.niches && filters.niches.length > 0) {
    clauses.push(filters.niches.map((n) => `${nicheColumn(n)} >= ${float(NICHE_FILTER_MIN_P)}`).join(' OR '));
  }
  if (excludeKeys.length > 0) clauses.push(`key NOT IN (${list(excludeKeys)})`);
  return clauses.length > 0 ? clauses.map((c) => `(${c})`).join(' AND ') : null;
}

/** Exact-match predicate for lookups by key. */
export function keysWhere(keys: readonly string[]): string {
  return `key IN (${list(keys)})`;
}

export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function list(values: readonly string[]): string {
  return values.map(sqlString).join(', ');
}

function int(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`filter value must be a finite number, got ${n}`);
  return String(Math.trunc(n));
}

function float(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`filter value must be a finite number, got ${n}`);
  // fixed notation: the SQL parser must never see "1e-7"
  return n.toFixed(12);
}
