import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inferFilters } from '../../../src/providers/llm/brief-filters.js';

const f = (brief: string) => inferFilters(brief).filters;

describe('inferFilters', () => {
  it('reads the example brief: US audience, micro band', () => {
    assert.deepEqual(f('vegan protein bar launch for US gym-goers, 25–34, micro-influencers'), {
      countries: ['US'],
      followersMin: 10_000,
      followersMax: 100_000,
    });
  });

  it('finds platforms by name and nickname', () => {
    assert.deepEqual(f('beauty creators on TikTok and Instagram').platforms, ['instagram', 'tiktok']);
    assert.deepEqual(f('gaming YouTubers who stream').platforms, ['youtube']);
    assert.deepEqual(f('IG reels about coffee').platforms, ['instagram']);
    assert.equal(f('fitness coaches promoting protein snacks').platforms, undefined);
  });

  it('takes a country only where it describes the creators or audience', () => {
    assert.deepEqual(f('home decor creators based in Germany').countries, ['DE']);
    assert.deepEqual(f('American moms who bake').countries, ['US']);
    assert.deepEqual(f('UK-based fashion bloggers').countries, ['GB']);
    assert.deepEqual(f('Mexican creators and creators in Brazil').countries, ['BR', 'MX']);
    assert.equal(f('Italian recipes for busy weeknights').countries, undefined);
    assert.equal(f('travel to Japan on a budget').countries, undefined);
    assert.equal(f('help us find travel creators').countries, undefined, 'lower-case "us" is a pronoun');
  });

  it('does not read where the brand or product is as where its creators must be, and says so', () => {
    const hotel = inferFilters('A boutique hotel group in Portugal wants photographers sharing sunsets and hidden gems');
    assert.equal(hotel.filters.countries, undefined);
    assert.match(hotel.notes.join('\n'), /"in portugal" reads as where the brand or product is.*filters\.countries/);
    assert.equal(f('Premium olive oil from Spain for a gifting campaign').countries, undefined);
    assert.deepEqual(f('a skincare brand looking for beauty creators in Spain').countries, ['ES'], 'creators just before "in X"');
    assert.deepEqual(inferFilters('home decor creators based in Germany').notes, []);
  });

  it('reads languages from "-speaking", "in X" and language cues without inventing a country', () => {
    assert.deepEqual(f('Spanish-speaking beauty creators'), { languages: ['es'] });
    assert.deepEqual(f('skincare tutorials in English'), { languages: ['en'] });
    assert.deepEqual(f('francophone travel vloggers'), { languages: ['fr'] });
    assert.deepEqual(f('German-language content about cars'), { languages: ['de'] });
    assert.deepEqual(f('Spanish creators').countries, ['ES']);
  });

  it('maps influencer tiers to follower bands, joining several', () => {
    assert.deepEqual(f('nano influencers for a local bakery'), { followersMin: 1_000, followersMax: 10_000 });
    assert.deepEqual(f('nano or micro creators'), { followersMin: 1_000, followersMax: 100_000 });
    assert.deepEqual(f('mid-tier travel creators'), { followersMin: 100_000, followersMax: 500_000 });
    assert.deepEqual(f('macro influencers'), { followersMin: 500_000, followersMax: 1_000_000 });
    assert.deepEqual(f('mega influencers only'), { followersMin: 1_000_000 });
    assert.deepEqual(f('microinfluencers in pet care'), { followersMin: 10_000, followersMax: 100_000 });
  });

  it('reads explicit follower numbers, which win over tier words', () => {
    assert.deepEqual(f('creators with over 50k followers'), { followersMin: 50_000 });
    assert.deepEqual(f('between 10k and 50k followers'), { followersMin: 10_000, followersMax: 50_000 });
    assert.deepEqual(f('10k-100k followers, micro'), { followersMin: 10_000, followersMax: 100_000 });
    assert.deepEqual(f('under 1.5M followers'), { followersMax: 1_500_000 });
    assert.deepEqual(f('1,000+ followers'), { followersMin: 1_000 });
    assert.equal(f('ages 25-34 who love hiking').followersMin, undefined, 'an age range is not a follower band');
  });

  it('reads a minimum engagement rate', () => {
    assert.equal(f('at least 3% engagement').minEngagementRate, 0.03);
    assert.equal(f('engagement rate above 2.5%').minEngagementRate, 0.025);
    assert.equal(f('fitness coaches').minEngagementRate, undefined);
  });

  it('reports the words it used so they are not taken as topics', () => {
    const { consumed } = inferFilters('Spanish-speaking micro creators on TikTok');
    for (const w of ['spanish', 'micro', 'tiktok']) assert.ok(consumed.has(w), w);
  });
});
