import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CreatorKey } from '../../../src/domain/creator.js';
import { buildWhere } from '../../../src/providers/search-index/lancedb/filters.js';

describe('LanceDB filter SQL', () => {
  it('is null without filters and ANDs one clause per filter', () => {
    assert.equal(buildWhere({}), null);
    assert.equal(buildWhere({ platforms: [], countries: [] }), null);
    assert.equal(
      buildWhere(
        { platforms: ['instagram', 'tiktok'], followersMin: 1000.7, followersMax: 5e5, countries: ['us', 'GB'], languages: ['EN'], minEngagementRate: 0.02 },
        ['instagram:foo' as CreatorKey],
      ),
      "(platform IN ('instagram', 'tiktok')) AND (followers >= 1000) AND (followers <= 500000) AND (country IN ('US', 'GB')) " +
        "AND (language IN ('en')) AND (engagement_rate >= 0.020000000000) AND (key NOT IN ('instagram:foo'))",
    );
  });

  it('quotes values so they stay data, and refuses non-finite numbers', () => {
    assert.equal(buildWhere({ countries: ["x') OR ('1'='1"] }), "(country IN ('X'') OR (''1''=''1'))");
    assert.throws(() => buildWhere({ followersMin: Number.NaN }), RangeError);
    assert.equal(buildWhere({ minEngagementRate: 1e-7 }), '(engagement_rate >= 0.000000100000)');
  });
});
