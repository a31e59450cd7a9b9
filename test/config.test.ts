import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { ConfigError, configVariables, loadConfig } from '../src/config.js';

test('defaults need no configuration at all (embedded providers)', () => {
  const config = loadConfig({});
  assert.equal(config.search.backend, 'lancedb');
  assert.equal(config.llm.provider, 'heuristic');
  assert.equal(config.embeddings.provider, 'wordvec');
  assert.equal(config.profiles.source, 'index');
});

test('every bad variable is listed at once', () => {
  assert.throws(
    () =>
      loadConfig({
        PORT: 'eighty',
        SEARCH_BACKEND: 'elastic',
        LLM_PROVIDER: 'openai',
        WORKER_CONCURRENCY: '0',
      }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const text = err.problems.join('\n');
      for (const v of ['PORT', 'SEARCH_BACKEND', 'WORKER_CONCURRENCY']) assert.match(text, new RegExp(v));
      return true;
    },
  );
});

test('settings that come together are required together', () => {
  assert.throws(
    () => loadConfig({ LLM_PROVIDER: 'openai', PROFILE_SOURCE: 'brightdata', SEARCH_BACKEND: 'weaviate' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const text = err.problems.join('\n');
      for (const v of ['LLM_BASE_URL', 'LLM_MODEL', 'BRIGHTDATA_API_KEY', 'WEAVIATE_URL']) assert.match(text, new RegExp(v));
      return true;
    },
  );
  assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /ADMIN_KEY/);
  assert.throws(() => loadConfig({ PRICES_JSON: '{"llmPromptPer1M":-1}' }), /PRICES_JSON/);
  assert.equal(loadConfig({ PRICES_JSON: '{"llmPromptPer1M":2.5}' }).prices.llmPromptPer1M, 2.5);
});

test('every configuration variable is documented in deploy/.env.example', async () => {
  const example = await readFile(new URL('../deploy/.env.example', import.meta.url), 'utf8');
  const missing = configVariables.filter((v) => !new RegExp(`^#?\\s*${v}=`, 'm').test(example));
  assert.deepEqual(missing, [], `undocumented variables: ${missing.join(', ')}`);
});
