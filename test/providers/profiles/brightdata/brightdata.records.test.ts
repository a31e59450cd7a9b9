import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handleFromUrl, num, parseRecord } from '../../../../src/providers/profiles/brightdata/brightdata.records.js';

const now = new Date('2025-02-01T00:00:00Z');

describe('parseRecord (lenient BrightData field names)', () => {
  it('reads an Instagram record in the catalog shape', () => {
    const r = parseRecord('instagram', {
      account: 'FitWithAna',
      full_name: 'Ana',
      biography: 'Coach. DM for collabs',
      followers: 48200,
      following: 310,
      posts_count: 512,
      is_verified: true,
      is_private: false,
      email_address: 'ana@example.com',
      avg_engagement: 0.0345,
      category_name: 'Fitness Trainer',
      post_hashtags: ['#Gym', 'vegan'],
      region: 'us',
      posts: [{ caption: 'leg day', likes: 1000, comments: 50, datetime: '2025-01-05T10:00:00Z', url: 'https://www.instagram.com/p/x/' }],
    }, now);
    assert.equal(r.kind, 'profile');
    if (r.kind !== 'profile') return;
    const p = r.profile;
    assert.equal(p.key, 'instagram:fitwithana');
    assert.equal(p.displayName, 'Ana');
    assert.equal(p.bio, 'Coach. DM for collabs');
    assert.deepEqual([p.followers, p.following, p.postsCount], [48200, 310, 512]);
    assert.equal(p.engagementRate, 0.0345);
    assert.equal(p.verified, true);
    assert.equal(p.email, 'ana@example.com');
    assert.equal(p.country, 'US');
    assert.deepEqual(p.categories, ['fitness trainer']);
    assert.deepEqual(p.topics, ['gym', 'vegan']);
    assert.equal(p.recentPosts[0]!.caption, 'leg day');
    assert.equal(p.recentPosts[0]!.postedAt, '2025-01-05T10:00:00.000Z');
    assert.equal(p.dataSource, 'brightdata');
    assert.equal(p.stale, false);
    assert.equal(p.fetchedAt, now.toISOString());
    assert.equal(p.profileUrl, 'https://www.instagram.com/fitwithana/');
  });

  it("reads the docs' short shape: user_name, display-string numbers, engagement computed from posts", () => {
    const r = parseRecord('instagram', {
      user_name: '@chef.mo',
      bio: 'Street food',
      followers: '12.5K',
      following: '1,204',
      posts_count: '2,001',
      business_email: 'not-an-email',
      latest_posts: [
        { caption: 'tacos', likes_count: 400, comments_count: 100 },
        { caption: 'ramen', likes_count: 200, comments_count: 50 },
      ],
    });
    assert.equal(r.kind, 'profile');
    if (r.kind !== 'profile') return;
    assert.equal(r.profile.handle, 'chef.mo');
    assert.deepEqual([r.profile.followers, r.profile.following, r.profile.postsCount], [12500, 1204, 2001]);
    assert.equal(r.profile.engagementRate, 0.03); // (500 + 250) / 2 / 12500
    assert.equal(r.profile.email, null);
  });

  it('reads a TikTok record with awg_engagement_rate, region and top_videos', () => {
    const r = parseRecord('tiktok', {
      account_id: 'dancewithleo',
      nickname: 'Leo',
      biography: 'dance',
      followers: 900000,
      following: 12,
      videos_count: 340,
      awg_engagement_rate: 0.0432,
      region: 'GB',
      predicted_lang: 'en',
      url: 'https://www.tiktok.com/@dancewithleo',
      top_videos: [{ diggcount: 5000, commentcount: 40, create_date: '2025-01-01T00:00:00Z', video_url: 'https://www.tiktok.com/@dancewithleo/video/1', description: 'new move' }],
    });
    assert.equal(r.kind, 'profile');
    if (r.kind !== 'profile') return;
    assert.equal(r.profile.key, 'tiktok:dancewithleo');
    assert.equal(r.profile.engagementRate, 0.0432);
    assert.equal(r.profile.country, 'GB');
    assert.equal(r.profile.language, 'en');
    assert.equal(r.profile.postsCount, 340);
    assert.equal(r.profile.recentPosts[0]!.likes, 5000);
    assert.equal(r.profile.recentPosts[0]!.caption, 'new move');
  });

  it('reads an engagement above 1 as a percentage', () => {
    const r = parseRecord('instagram', { account: 'a1', followers: 10, avg_engagement: 4.5 });
    assert.equal(r.kind === 'profile' && r.profile.engagementRate, 0.045);
  });

  it('turns error records into errors keyed by the input URL', () => {
    const r = parseRecord('instagram', {
      input: { url: 'https://www.instagram.com/gone_user/' },
      error: 'Page does not exist',
      error_code: 'dead_page',
      status_code: 404,
    });
    assert.deepEqual(r, { kind: 'error', handle: 'gone_user', code: 'dead_page', message: 'Page does not exist' });
  });

  it('turns a private profile into an error', () => {
    const r = parseRecord('tiktok', { account_id: 'secret', is_private: true });
    assert.deepEqual(r, { kind: 'error', handle: 'secret', code: 'private', message: 'the profile is private' });
  });

  it('gives up on a record it cannot attribute to anyone', () => {
    assert.deepEqual(parseRecord('instagram', { followers: 10 }), { kind: 'unknown' });
  });

  it('does not invent values it cannot read', () => {
    const r = parseRecord('instagram', { account: 'x_y', followers: 'lots', region: 'United States', is_verified: 'nope' });
    assert.equal(r.kind, 'profile');
    if (r.kind !== 'profile') return;
    assert.equal(r.profile.followers, null);
    assert.equal(r.profile.country, null);
    assert.equal(r.profile.verified, false);
    assert.equal(r.profile.engagementRate, null);
  });
});

describe('num / handleFromUrl', () => {
  it('parses counts as BrightData writes them', () => {
    assert.equal(num(12), 12);
    assert.equal(num('12,345'), 12345);
    assert.equal(num('1.2M'), 1_200_000);
    assert.equal(num('3b'), 3e9);
    assert.equal(num('12.3 K'), 12300);
    assert.equal(num(''), null);
    assert.equal(num('n/a'), null);
    assert.equal(num(Number.NaN), null);
  });

  it('takes handles from profile URLs', () => {
    assert.equal(handleFromUrl('instagram', 'https://www.instagram.com/Some.One/'), 'some.one');
    assert.equal(handleFromUrl('tiktok', 'https://www.tiktok.com/@dancer?lang=en'), 'dancer');
    assert.equal(handleFromUrl('tiktok', 'https://www.tiktok.com/dancer'), null);
    assert.equal(handleFromUrl('instagram', 'not a url'), null);
  });
});
