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
  };
}

/** engagement per post over followers, null when either is unknown or there are no followers */
export function engagementOf(interactions: number | null, followers: number | null): number | null {
  if (interactions === null || followers === null || followers <= 0) return null;
  return Math.round((interactions / followers) * 1e6) / 1e6;
}
