import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FOLLOWER_TIERS, followerTier, tierNamed, tierOfBand } from '../../src/domain/follower-tiers.js';
import { inferFilters } from '../../src/providers/llm/brief-filters.js';

describe('follower tiers: one table', () => {
  it('puts every count in exactly one tier; a band includes its lower bound and excludes its upper one', () => {
    const at = (n: number) => followerTier(n).name;
    assert.deepEqual([0, 999, 1_000, 9_999, 10_000, 99_999, 100_000, 499_999, 500_000, 999_999, 1_000_000, 5e8].map(at), [
      'nano', 'nano', 'nano', 'nano', 'micro', 'micro', 'mid-tier', 'mid-tier', 'macro', 'macro', 'mega', 'mega',
    ]);
  });

  it('has bands that meet without gaps, and finds a tier by its exact band', () => {
    for (let i = 1; i < FOLLOWER_TIERS.length; i++) assert.equal(FOLLOWER_TIERS[i]!.min, FOLLOWER_TIERS[i - 1]!.max);
    assert.equal(tierOfBand(10_000, 100_000)?.name, 'micro');
    assert.equal(tierOfBand(1_000_000, undefined)?.name, 'mega');
    assert.equal(tierOfBand(10_000, 500_000), undefined);
    assert.deepEqual(tierNamed('mid-tier'), { name: 'mid-tier', min: 100_000, max: 500_000 });
  });

  it('is the band the brief reader sets for a named tier', () => {
    for (const [text, tier] of [
      ['micro-influencers for a snack brand', 'micro'],
      ['mid tier creators', 'mid-tier'],
      ['megainfluencer wanted', 'mega'],
    ] as const) {
      const { filters } = inferFilters(text);
      const t = tierNamed(tier);
      assert.deepEqual([filters.followersMin, filters.followersMax], [t.min, t.max], text);
    }
  });
});
