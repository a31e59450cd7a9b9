import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CreatorKey } from '../../../src/domain/creator.js';
import { buildWhere } from '../../../src/providers/search-index/lancedb/filters.js';
import { DEFAULT_SEARCH_TUNING, legParams, resolveTuning } from '../../../src/providers/search-index/lancedb.index.js';

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

describe('LanceDB leg parameters', () => {
  it('goes twice as deep as the caller wants, ef × 8 and no refine below the large-table size', () => {
    assert.deepEqual(legParams(50, 23_000), { legLimit: 100, ef: 800, refineFactor: 0 });
    assert.deepEqual(legParams(50, 499_999), { legLimit: 100, ef: 800, refineFactor: 0 });
  });

  it('searches the graph three times as broadly from the large-table size on, unless the tuning turns that off', () => {
    const minRows = DEFAULT_SEARCH_TUNING.large!.minRows;
    assert.deepEqual(legParams(50, minRows), { legLimit: 100, ef: 2400, refineFactor: 0 });
    assert.deepEqual(legParams(50, 1_000_000, { ...DEFAULT_SEARCH_TUNING, large: null }), { legLimit: 100, ef: 800, refineFactor: 0 });
    assert.deepEqual(legParams(50, 1_000_000, { ...DEFAULT_SEARCH_TUNING, large: { minRows: 2_000_000, efPerResult: 32 } }), { legLimit: 100, ef: 800, refineFactor: 0 });
  });

  it('keeps ef at least 100 and at least the refined candidates, and the leg at most 2,000 deep', () => {
    assert.deepEqual(legParams(5, 1_000_000, { legDepth: 2, efPerResult: 1, refineFactor: 1, large: null }), { legLimit: 10, ef: 100, refineFactor: 1 });
    assert.deepEqual(legParams(50, 10, { legDepth: 2, efPerResult: 1, refineFactor: 4, large: null }), { legLimit: 100, ef: 400, refineFactor: 4 });
    assert.equal(legParams(5_000, 10).legLimit, 2_000);
  });
});

describe('LanceDB search tuning from settings', () => {
  it('is the default when nothing is set, undefined fields included', () => {
    assert.deepEqual(resolveTuning(), DEFAULT_SEARCH_TUNING);
    assert.deepEqual(resolveTuning({ legDepth: undefined, efPerResult: undefined, large: { minRows: undefined, efPerResult: undefined } }), DEFAULT_SEARCH_TUNING);
  });

  it('replaces only what is set, the large-table breadth field by field', () => {
    assert.deepEqual(resolveTuning({ efPerResult: 12, refineFactor: 2 }), { ...DEFAULT_SEARCH_TUNING, efPerResult: 12, refineFactor: 2 });
    assert.deepEqual(resolveTuning({ large: { minRows: 100_000 } }), { ...DEFAULT_SEARCH_TUNING, large: { minRows: 100_000, efPerResult: DEFAULT_SEARCH_TUNING.large!.efPerResult } });
    assert.deepEqual(resolveTuning({ large: { efPerResult: 24 } }), { ...DEFAULT_SEARCH_TUNING, large: { minRows: DEFAULT_SEARCH_TUNING.large!.minRows, efPerResult: 24 } });
    assert.equal(resolveTuning({ large: null }).large, null);
  });

  it('gives a large-table breadth to defaults that have none only when one is set', () => {
    const oneBreadth = { ...DEFAULT_SEARCH_TUNING, large: null };
    assert.equal(resolveTuning({ efPerResult: 4 }, oneBreadth).large, null);
    assert.deepEqual(resolveTuning({ large: { efPerResult: 20 } }, oneBreadth).large, { minRows: 0, efPerResult: 20 });
  });
});

