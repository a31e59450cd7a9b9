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

test('type errors, URL errors and cross-field checks come together in one message', () => {
  const err = (() => {
    try {
      loadConfig({
        EMBEDDINGS_PROVIDER: 'openai',
        EMBEDDINGS_DIM: 'abc',
        EMBEDDINGS_BASE_URL: 'localhost:18412',
        EMBEDDINGS_MODEL: 'm',
        PRICES_JSON: '{"llmPromptPer1M":"free"}',
        LLM_PROVIDER: 'openai',
        LLM_BASE_URL: 'http://127.0.0.1:11434/v1',
        SEARCH_BACKEND: 'weaviate',
        WEAVIATE_URL: 'http://127.0.0.1:8080',
        WEAVIATE_GRPC_URL: 'ftp://127.0.0.1:50051',
        BRIGHTDATA_BASE_URL: 'https://',
        PORT: 'eighty',
      });
    } catch (e) {
      return e;
    }
    return null;
  })();
  assert.ok(err instanceof ConfigError);
  const lines = err.message.split('\n');
  const line = (name: string) => lines.find((l) => l.includes(`- ${name}:`)) ?? assert.fail(`${name} not reported:\n${err.message}`);
  assert.match(line('EMBEDDINGS_DIM'), /expected number.*\(got "abc"\)/);
  assert.match(line('EMBEDDINGS_BASE_URL'), /must be an http\/https URL with a host.*got "localhost:18412".*did you mean http:\/\/localhost:18412\?/);
  assert.match(line('PRICES_JSON'), /llmPromptPer1M/);
  assert.match(line('LLM_MODEL'), /required when LLM_PROVIDER=openai/);
  assert.match(line('WEAVIATE_GRPC_URL'), /http\/https\/grpc\/grpcs URL/);
  assert.match(line('BRIGHTDATA_BASE_URL'), /with a host/);
  assert.match(line('PORT'), /got "eighty"/);
  // an invalid variable is reported once, not again as "required"
  assert.equal(lines.filter((l) => l.includes('EMBEDDINGS_BASE_URL')).length, 1);
  // secrets are never echoed
  assert.throws(() => loadConfig({ NODE_ENV: 'production', ADMIN_KEY: 'short-secret-value' }), (e: unknown) => !String(e).includes('short-secret-value'));
  assert.equal(loadConfig({ WEAVIATE_GRPC_URL: 'grpcs://weaviate.example.com:443' }).search.weaviate.grpcUrl, 'grpcs://weaviate.example.com:443');
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
