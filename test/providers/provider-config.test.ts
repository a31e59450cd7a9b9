import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { HashingEmbedder } from '../../src/providers/embeddings/hashing.embedder.js';
import { createCreatorIndex } from '../../src/providers/search-index/create-index.js';
import { DEFAULT_SEARCH_TUNING, LanceDbIndex } from '../../src/providers/search-index/lancedb.index.js';

describe('production provider settings', () => {
  it('requires EMBEDDINGS_DIM to be stated for EMBEDDINGS_PROVIDER=openai', () => {
    const env = { EMBEDDINGS_PROVIDER: 'openai', EMBEDDINGS_BASE_URL: 'http://127.0.0.1:11434/v1', EMBEDDINGS_MODEL: 'nomic-embed-text' };
    assert.throws(
      () => loadConfig(env),
      (err: unknown) => err instanceof ConfigError && err.problems.some((p) => p.startsWith('EMBEDDINGS_DIM: required')),
    );
    const c = loadConfig({ ...env, EMBEDDINGS_DIM: '768', EMBEDDINGS_SEND_DIMENSIONS: 'true', EMBEDDINGS_ENCODING: 'base64' });
    assert.deepEqual(
      { dim: c.embeddings.dim, send: c.embeddings.sendDimensions, enc: c.embeddings.encoding },
      { dim: 768, send: true, enc: 'base64' },
    );
  });

  it('keeps the 429 guard strictly below the 25 that get BrightData to block the IP', () => {
    assert.throws(() => loadConfig({ BRIGHTDATA_MAX_429_PER_5MIN: '25' }), /BRIGHTDATA_MAX_429_PER_5MIN/);
    assert.equal(loadConfig({}).profiles.brightdata.max429Per5Min, 10);
  });

  it('has retry and breaker defaults for every provider', () => {
    const c = loadConfig({});
    assert.deepEqual(c.providers, {
      maxRetries: 3,
      timeoutMs: 30_000,
      retryBaseMs: 500,
      retryMaxDelayMs: 30_000,
      breakerThreshold: 5,
      breakerCooldownMs: 30_000,
    });
    assert.equal(c.profiles.brightdata.retryBaseMs, 2000);
  });
});

describe('search tuning settings (SEARCH_*)', () => {
  it('leaves the index its defaults for unset variables, gives it the set ones and names bad ones', () => {
    const ledger = { track: () => Promise.reject(new Error('no calls expected')) } as never;
    const indexOf = (env: Record<string, string>) => {
      const index = createCreatorIndex(loadConfig(env), new HashingEmbedder({ dimension: 8 }, ledger), ledger);
      assert.ok(index instanceof LanceDbIndex);
      return index;
    };
    assert.deepEqual(indexOf({}).tuning, DEFAULT_SEARCH_TUNING);
    // an empty value (VAR= in an env file) is unset too
    assert.deepEqual(indexOf({ SEARCH_EF_PER_RESULT: '', SEARCH_LARGE_MIN_ROWS: ' ' }).tuning, DEFAULT_SEARCH_TUNING);
    assert.deepEqual(indexOf({ SEARCH_LEG_DEPTH: '1.5', SEARCH_EF_PER_RESULT: '12', SEARCH_REFINE_FACTOR: '1', SEARCH_LARGE_EF_PER_RESULT: '12' }).tuning, {
      legDepth: 1.5,
      efPerResult: 12,
      refineFactor: 1,
      large: { minRows: DEFAULT_SEARCH_TUNING.large!.minRows, efPerResult: 12 },
    });
    assert.throws(
      () => loadConfig({ SEARCH_LEG_DEPTH: '0.5', SEARCH_EF_PER_RESULT: '1.5', SEARCH_REFINE_FACTOR: '-1', SEARCH_LARGE_MIN_ROWS: 'many', SEARCH_LARGE_EF_PER_RESULT: '0' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const names = err.problems.map((p) => p.slice(0, p.indexOf(':')));
        assert.deepEqual(names.sort(), ['SEARCH_EF_PER_RESULT', 'SEARCH_LARGE_EF_PER_RESULT', 'SEARCH_LARGE_MIN_ROWS', 'SEARCH_LEG_DEPTH', 'SEARCH_REFINE_FACTOR']);
        return true;
      },
    );
  });
});
