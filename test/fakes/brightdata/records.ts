import type { FakeBrightDataOptions } from './options.js';
import type { FakeCreatorProfile } from './profiles.js';

// The records the fake delivers, in the field names of each real dataset variant.

/**
 * The record BrightData delivers for one input URL: a dead_page error record for an unknown or dead
 * handle, a private stub, or the profile in the platform's (and for Instagram the configured
 * variant's) field names.
 */
export function profileRecord(
  options: FakeBrightDataOptions,
  creators: ReadonlyMap<string, FakeCreatorProfile>,
  platform: 'instagram' | 'tiktok',
  url: string,
): Record<string, unknown> {
  const handle = handleOf(platform, url);
  const c = handle ? creators.get(`${platform}:${handle}`) : undefined;
  if (!handle || !c || options.dead.includes(handle)) {
    return { input: { url }, error: 'Page does not exist or is no longer available', error_code: 'dead_page', status_code: 404 };
  }
  const input = options.echoInput ? { input: { url } } : {};
  if (options.private.includes(handle)) {
    return platform === 'instagram'
      ? { ...input, account: handle, is_private: true, followers: c.followers ?? 0, posts: [] }
      : { ...input, account_id: handle, url: `https://www.tiktok.com/@${handle}`, is_private: true };
  }
  if (platform === 'tiktok') return { ...input, ...tiktokRecord(c) };
  const variant = options.instagramVariant === 'mixed' ? (handle.length % 2 === 0 ? 'catalog' : 'short') : options.instagramVariant;
  return { ...input, ...(variant === 'catalog' ? instagramCatalog(c) : instagramShort(c)) };
}

/** The handle an input URL names (lowercase), or null when it names none. */
export function handleOf(platform: 'instagram' | 'tiktok', url: string): string | null {
  try {
    const first = new URL(url).pathname.split('/').filter(Boolean)[0];
    if (!first) return null;
    if (platform === 'tiktok') return first.startsWith('@') ? first.slice(1).toLowerCase() : null;
    return first.toLowerCase();
  } catch {
    return null;
  }
}

/** The dataset catalog's field names (brightdata-scraper-types instagram-profiles). */
function instagramCatalog(c: FakeCreatorProfile): Record<string, unknown> {
  return {
    account: c.handle,
    id: String(hash(c.handle)),
    fbid: String(hash(c.handle) * 7),
    full_name: c.fullName ?? null,
    profile_name: c.fullName ?? null,
    biography: c.bio ?? '',
    followers: c.followers ?? 0,
    following: c.following ?? 0,
    posts_count: c.posts ?? 0,
    is_verified: c.verified ?? false,
    is_private: false,
    is_business_account: c.email !== undefined,
    email_address: c.email ?? null,
    ...(c.engagement === undefined ? {} : { avg_engagement: c.engagement }),
    category_name: 'Creator',
    region: c.country ?? null,
    post_hashtags: ['#fitness', '#vegan'].filter(() => (c.bio ?? '').toLowerCase().includes('fitness')),
    profile_url: `https://www.instagram.com/${c.handle}`,
    url: `https://www.instagram.com/${c.handle}/`,
    profile_image_link: `https://cdn.example/${c.handle}.jpg`,
    posts: (c.recent ?? []).map((p, i) => ({
      id: `${hash(c.handle)}_${i}`,
      caption: p.caption,
      datetime: new Date(Date.UTC(2025, 0, 10 - i)).toISOString(),
      likes: p.likes,
      comments: p.comments,
      content_type: i % 2 ? 'Video' : 'Photo',
      url: `https://www.instagram.com/p/${hash(c.handle + i).toString(36)}/`,
      is_pinned: false,
    })),
  };
}

/** The docs' short example: user_name, numbers as display strings, no engagement figure. */
function instagramShort(c: FakeCreatorProfile): Record<string, unknown> {
  return {
    user_name: `@${c.handle}`,
    profile_pic_url: `https://cdn.example/${c.handle}.jpg`,
    full_name: c.fullName ?? null,
    bio: c.bio ?? '',
    followers: display(c.followers ?? 0),
    following: String(c.following ?? 0),
    posts_count: (c.posts ?? 0).toLocaleString('en-US'),
    verified: c.verified ?? false,
    business_email: c.email ?? null,
    country_code: c.country ?? null,
    latest_posts: (c.recent ?? []).map((p, i) => ({
      caption: p.caption,
      likes_count: p.likes,
      comments_count: p.comments,
      date_posted: new Date(Date.UTC(2025, 0, 10 - i)).toISOString(),
    })),
  };
}

/** The TikTok profiles dataset (collect-by-url example), including its "awg_engagement_rate" spelling. */
function tiktokRecord(c: FakeCreatorProfile): Record<string, unknown> {
  return {
    account_id: c.handle,
    nickname: c.fullName ?? c.handle,
    biography: c.bio ?? '',
    bio_link: null,
    is_verified: c.verified ?? false,
    followers: c.followers ?? 0,
    following: c.following ?? 0,
    likes: (c.followers ?? 0) * 12,
    videos_count: c.posts ?? 0,
    create_time: '2020-03-01T10:00:00.000Z',
    url: `https://www.tiktok.com/@${c.handle}`,
    profile_pic_url: `https://cdn.example/${c.handle}.jpeg`,
    ...(c.engagement === undefined ? {} : { awg_engagement_rate: c.engagement }),
    is_private: false,
    region: c.country ?? null,
    predicted_lang: 'en',
    top_videos: (c.recent ?? []).map((p, i) => ({
      video_id: `${hash(c.handle)}${i}`,
      video_url: `https://www.tiktok.com/@${c.handle}/video/${hash(c.handle)}${i}`,
      diggcount: p.likes,
      commentcount: p.comments,
      playcount: p.likes * 20,
      share_count: 1,
      create_date: new Date(Date.UTC(2025, 0, 10 - i)).toISOString(),
      description: p.caption,
    })),
  };
}

function display(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}
