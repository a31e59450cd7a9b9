import { creatorKey, normalizeHandle, parseCreatorKey, platforms, profileUrl } from '../../domain/creator.js';
import type { Creator, Platform } from '../../domain/creator.js';
import { RowError } from '../values.js';

export const formatIds = ['kim', 'kaggle-instagram', 'kaggle-youtube', 'csv', 'jsonl'] as const;
export type FormatId = (typeof formatIds)[number];

export interface RowContext {
  /** recorded on every creator: which import wrote it */
  source: string;
  /** ISO timestamp of the import */
  now: string;
  /**
   * when the file's data was true, for rows that do not say (`scout import --observed-at`);
   * without it such rows are observed at `now`, basis `import`
   */
  observedAt?: string;
}

/** One import source shape: how to recognise it and how to turn a record into a Creator. */
export interface ImportFormat {
  id: FormatId;
  kind: 'csv' | 'jsonl';
  /** true when a CSV header (normalised, see headerKeys) is this format's */
  matches(keys: string[]): boolean;
  /** header columns that must be present (CSV) */
  required: string[];
  /** one record (header key → value) to a Creator; throws RowError for a bad row */
  toCreator(record: Record<string, unknown>, ctx: RowContext): Creator;
}

export function parsePlatform(v: unknown): Platform {
  const p = String(v ?? '').trim().toLowerCase();
  if (!(platforms as readonly string[]).includes(p)) {
    throw new RowError(`platform: "${String(v ?? '')}" is not one of ${platforms.join(', ')}`);
  }
  return p as Platform;
}

export function parseHandle(platform: Platform, v: unknown): string {
  const raw = String(v ?? '').trim();
  if (raw === '') throw new RowError('handle: missing');
  const parsed = parseCreatorKey(`${platform}:${raw}`);
  if (!parsed) throw new RowError(`handle: "${raw}" may only contain a-z, 0-9, '.', '_' and '-' (1–100 characters)`);
  return parsed.handle;
}

/** A creator with everything the formats do not set filled in. */
export function buildCreator(
  fields: Pick<Creator, 'platform' | 'handle'> & Partial<Omit<Creator, 'key' | 'platform' | 'handle'>>,
  ctx: RowContext,
): Creator {
  const handle = normalizeHandle(fields.handle);
  return {
    key: creatorKey(fields.platform, handle),
    platform: fields.platform,
    handle,
    displayName: fields.displayName ?? null,
    bio: fields.bio ?? '',
    categories: fields.categories ?? [],
    topics: fields.topics ?? [],
    followers: fields.followers ?? null,
    following: fields.following ?? null,
    postsCount: fields.postsCount ?? null,
    engagementRate: fields.engagementRate ?? null,
    country: fields.country ?? null,
    language: fields.language ?? null,
    verified: fields.verified ?? false,
    profileUrl: fields.profileUrl ?? profileUrl(fields.platform, handle),
    source: fields.source ?? ctx.source,
    updatedAt: fields.updatedAt ?? ctx.now,
    ...observation(fields, ctx),
  };
}

/** The row's own observation date, else the one stated for the whole file, else the import time. */
function observation(fields: Partial<Pick<Creator, 'observedAt' | 'observedAtBasis'>>, ctx: RowContext): Pick<Creator, 'observedAt' | 'observedAtBasis'> {
  if (fields.observedAt !== undefined) return { observedAt: fields.observedAt, observedAtBasis: fields.observedAtBasis ?? 'source' };
  if (ctx.observedAt !== undefined) return { observedAt: ctx.observedAt, observedAtBasis: 'source' };
  return { observedAt: ctx.now, observedAtBasis: 'import' };
}

/** engagement per post over followers, null when either is unknown or there are no followers */
export function engagementOf(interactions: number | null, followers: number | null): number | null {
  if (interactions === null || followers === null || followers <= 0) return null;
  return Math.round((interactions / followers) * 1e6) / 1e6;
}

/**
 * For a data set whose rows carry no dates but whose collection period is documented: its end,
 * basis `source` (an upper bound: the data is at least that old), unless the import states one.
 */
export function datasetObservation(isoDate: string, ctx: RowContext): Pick<Creator, 'observedAt' | 'observedAtBasis'> | Record<string, never> {
  return ctx.observedAt !== undefined ? {} : { observedAt: isoDate, observedAtBasis: 'source' };
}

/** The Kaggle "social media influencers 2022" lists are a December 2022 snapshot. */
export const KAGGLE_2022_OBSERVED_AT = '2022-12-31T00:00:00.000Z';
