import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

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
