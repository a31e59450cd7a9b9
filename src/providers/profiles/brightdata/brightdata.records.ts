import { creatorKey, normalizeHandle, profileUrl } from '../../../domain/creator.js';
import type { Platform } from '../../../domain/creator.js';
import type { Profile, RecentPost } from '../../../domain/profile.js';

/**
 * Lenient reading of BrightData profile records. Field names differ between the dataset catalog,
 * the docs' examples and the TikTok dataset (`followers` vs `followers_count`, `biography` vs
 * `signature`, `avg_engagement` vs `awg_engagement_rate`, numbers sent as "12.3K"), so every field is
 * looked up under each name we know and anything we cannot read becomes null rather than an error.
 */

export type RawRecord = Record<string, unknown>;

export type ParsedRecord =
  | { kind: 'profile'; handle: string; profile: Profile }
  | { kind: 'error'; handle: string | null; code: string; message: string }
  | { kind: 'unknown' };

/** A BrightData error record (`include_errors=true`): not billed, recorded, skipped. */
export function isErrorRecord(r: RawRecord): boolean {
  return (typeof r.error === 'string' && r.error !== '') || (typeof r.error_code === 'string' && r.error_code !== '');
}

export function parseRecord(platform: Platform, r: RawRecord, now: Date = new Date()): ParsedRecord {
  const handle = recordHandle(platform, r);
  if (isErrorRecord(r)) {
    return {
      kind: 'error',
      handle,
      code: str(r.error_code) ?? 'error',
      message: str(r.error) ?? str(r.error_code) ?? 'BrightData could not collect this profile',
    };
  }
  if (!handle) return { kind: 'unknown' };
  if (bool(pick(r, 'is_private', 'private', 'isPrivate'))) {
    return { kind: 'error', handle, code: 'private', message: 'the profile is private' };
  }
  const followers = num(pick(r, 'followers', 'followers_count', 'follower_count', 'followerCount'));
  const recentPosts = readPosts(r);
  return {
    kind: 'profile',
    handle,
    profile: {
      key: creatorKey(platform, handle),
      platform,
      handle,
      displayName: str(pick(r, 'full_name', 'profile_name', 'nickname', 'name', 'display_name')),
      bio: str(pick(r, 'biography', 'bio', 'signature', 'description')) ?? '',
      categories: labels([pick(r, 'category_name', 'business_category_name', 'category')].flat()),
      topics: labels([pick(r, 'bio_hashtags'), pick(r, 'post_hashtags'), pick(r, 'hashtags')].flat()),
      followers,
      following: num(pick(r, 'following', 'following_count', 'followings', 'followingCount')),
      postsCount: num(pick(r, 'posts_count', 'post_count', 'media_count', 'videos_count', 'video_count', 'videoCount')),
      engagementRate: engagement(r, followers, recentPosts),
      country: countryCode(pick(r, 'country_code', 'country', 'region')),
      language: languageCode(pick(r, 'predicted_lang', 'language', 'lang')),
      verified: bool(pick(r, 'is_verified', 'verified', 'isVerified')),
      isPrivate: false,
      email: email(pick(r, 'email_address', 'business_email', 'public_email', 'email')),
      profileUrl: profileUrl(platform, handle),
      recentPosts,
      dataSource: 'brightdata',
      // a live profile describes the creator as of now: its counts are current whatever its last post
      observedAt: now.toISOString(),
      observedAtBasis: 'fetch',
      stale: false,
      fetchedAt: now.toISOString(),
    },
  };
}

/** The URL we send for a creator (the datasets' collect-by-url input). */
export function inputUrl(platform: Platform, handle: string): string {
  return profileUrl(platform, handle);
}

/** Handle from a profile URL (instagram.com/<h>/, tiktok.com/@<h>), or null. */
export function handleFromUrl(platform: Platform, value: unknown): string | null {
  if (typeof value !== 'string') return null;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return null;
  }
  const first = u.pathname.split('/').filter(Boolean)[0];
  if (!first) return null;
  if (platform === 'tiktok' && !first.startsWith('@')) return null;
  const h = normalizeHandle(first.replace(/^@/, ''));
  return /^[a-z0-9._-]{1,100}$/.test(h) ? h : null;
}

function recordHandle(platform: Platform, r: RawRecord): string | null {
  const input = r.input && typeof r.input === 'object' ? (r.input as RawRecord) : null;
  const fromInput = handleFromUrl(platform, input?.url);
  if (fromInput) return fromInput;
  const named = str(pick(r, 'account', 'user_name', 'username', 'unique_id', 'handle', 'account_id'));
  if (named && /^@?[a-z0-9._-]{1,100}$/i.test(named)) return normalizeHandle(named);
  return handleFromUrl(platform, pick(r, 'profile_url', 'url')) ?? handleFromUrl(platform, input?.url);
}

function readPosts(r: RawRecord): RecentPost[] {
  const list = [pick(r, 'posts'), pick(r, 'top_videos'), pick(r, 'top_posts_data'), pick(r, 'latest_posts')].find(Array.isArray) as
    | RawRecord[]
    | undefined;
  if (!list) return [];
  return list
    .filter((p): p is RawRecord => p !== null && typeof p === 'object')
    .slice(0, 12)
    .map((p) => ({
      caption: (str(pick(p, 'caption', 'description', 'desc', 'text', 'title')) ?? '').slice(0, 2000),
      likes: num(pick(p, 'likes', 'likes_count', 'diggcount', 'digg_count', 'like_count')),
      comments: num(pick(p, 'comments', 'num_comments', 'comments_count', 'commentcount', 'comment_count')),
      postedAt: isoDate(pick(p, 'datetime', 'date_posted', 'timestamp', 'create_date', 'create_time', 'taken_at')),
      url: str(pick(p, 'url', 'post_url', 'video_url')),
    }));
}

/**
 * Engagement as a fraction: the dataset's own figure when it has one (a value above 1 is read as a
 * percentage), else the mean of likes + comments over recent posts divided by followers.
 */
function engagement(r: RawRecord, followers: number | null, posts: RecentPost[]): number | null {
  const given = num(pick(r, 'avg_engagement', 'awg_engagement_rate', 'avg_engagement_rate', 'engagement_rate'));
  if (given !== null && given >= 0) {
    if (given <= 1) return given;
    if (given <= 100) return given / 100;
  }
  const counted = posts.filter((p) => p.likes !== null);
  if (!followers || followers <= 0 || counted.length === 0) return null;
  const mean = counted.reduce((s, p) => s + (p.likes ?? 0) + (p.comments ?? 0), 0) / counted.length;
  return Math.round((mean / followers) * 1e6) / 1e6;
}

function pick(r: RawRecord, ...names: string[]): unknown {
  for (const n of names) if (r[n] !== undefined && r[n] !== null && r[n] !== '') return r[n];
  return undefined;
}

function str(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() === '' ? null : v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** 12345, "12,345", "12.3K", "1.2M", "3B" → number; anything else → null. */
export function num(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  const m = /^([0-9][0-9,]*(?:\.[0-9]+)?)\s*([kmb])?$/i.exec(v.trim().replace(/\s+/g, ''));
  if (!m) return null;
  const n = Number(m[1]!.replace(/,/g, ''));
  const mult = { k: 1e3, m: 1e6, b: 1e9 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'b'] ?? 1;
  return Number.isFinite(n) ? Math.round(n * mult * 1e6) / 1e6 : null;
}

function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === 1 || v === 'True';
}

function labels(values: unknown[]): string[] {
  const out = new Set<string>();
  for (const v of values) {
    if (typeof v !== 'string') continue;
    const t = v.trim().replace(/^#/, '').toLowerCase();
    if (t.length > 0 && t.length <= 60) out.add(t);
  }
  return [...out].slice(0, 30);
}

function countryCode(v: unknown): string | null {
  return typeof v === 'string' && /^[a-z]{2}$/i.test(v.trim()) ? v.trim().toUpperCase() : null;
}

function languageCode(v: unknown): string | null {
  return typeof v === 'string' && /^[a-z]{2}$/i.test(v.trim()) ? v.trim().toLowerCase() : null;
}

function email(v: unknown): string | null {
  return typeof v === 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim()) ? v.trim() : null;
}

function isoDate(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v < 1e12 ? v * 1000 : v).toISOString();
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}
