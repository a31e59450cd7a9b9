import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { explainOperatorError } from '../../src/app/operator-error.js';
import { loadConfig } from '../../src/config.js';
import { ProviderError } from '../../src/errors.js';
import { startWeaviateFake } from '../fakes/weaviate.fake.js';
import type { WeaviateFake } from '../fakes/weaviate.fake.js';
import { freePort, runCli, startProcess } from '../helpers/processes.js';
import { createTestEnv } from '../helpers/test-env.js';
import type { TestEnv } from '../helpers/test-env.js';

/**
 * Operator errors end in one line that says what to check — never a stack trace — in the CLI and
 * at the boot of the API and worker processes.
 */
describe('operator errors: one clear line naming the variable, no stack trace', () => {
  let env: TestEnv;
  let weaviate: WeaviateFake;

  before(async () => {
    env = await createTestEnv();
    weaviate = await startWeaviateFake();
  });
  after(async () => {
    await weaviate.close();
    await env.cleanup();
  });

  const noStack = (text: string) => assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+\)?/, `a stack trace was printed:\n${text}`);

  it('scout migrate against a database that does not exist', async () => {
    const url = env.env.DATABASE_URL!.replace(/\/[^/]+$/, '/scout_does_not_exist_42');
    const run = await runCli(['migrate'], { ...env.env, DATABASE_URL: url });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^scout migrate: database "scout_does_not_exist_42" does not exist: check DATABASE_URL/);
    noStack(run.stderr);
  });

  it('scout migrate with Postgres unreachable names DATABASE_URL', async () => {
    const port = await freePort();
    const run = await runCli(['migrate'], { ...env.env, DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/x` });
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\): check DATABASE_URL`));
    noStack(run.stderr);
  });

  it('scout import of a file that is not there', async () => {
    await runCli(['migrate'], env.env);
    const run = await runCli(['import', '/nonexistent/creators.csv'], env.env);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /\/nonexistent\/creators\.csv/);
    noStack(run.stderr);
  });

  const weaviateEnv = (over: Record<string, string>) => ({
    ...env.env,
    ...weaviate.env(`Boot_${process.pid}`),
    PROVIDER_MAX_RETRIES: '0',
    PROVIDER_TIMEOUT_MS: '3000',
    ...over,
  });

  it('the API with the Weaviate gRPC port unreachable names WEAVIATE_GRPC_URL', async () => {
    const port = await freePort();
    const api = startProcess('src/bin/api.ts', { ...weaviateEnv({ WEAVIATE_GRPC_URL: `http://127.0.0.1:${port}` }), PORT: String(await freePort()) });
    const code = await api.exited;
    assert.equal(code, 1);
    assert.match(api.output(), /error: .*cannot connect to 127\.0\.0\.1:\d+ \(ECONNREFUSED\): check WEAVIATE_GRPC_URL/);
    noStack(api.output());
  });

  it('a wrong Weaviate API key names WEAVIATE_API_KEY', async () => {
    const run = await runCli(['demo'], weaviateEnv({ WEAVIATE_API_KEY: 'wrong-key' }));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /authentication failed \(check WEAVIATE_API_KEY\)/);
    noStack(run.stderr);
  });
});

describe('explainOperatorError', () => {
  const config = loadConfig({
    SEARCH_BACKEND: 'weaviate',
    WEAVIATE_URL: 'http://weaviate.internal:8080',
    LLM_PROVIDER: 'openai',
    LLM_BASE_URL: 'http://127.0.0.1:11434/v1',
    LLM_MODEL: 'llama3.1:8b',
    DATABASE_URL: 'postgres://scout@db.internal/scout',
  });
  const refused = (address: string, port: number) => Object.assign(new Error(`connect ECONNREFUSED ${address}:${port}`), { code: 'ECONNREFUSED', address, port });

  it('names the variable whose address was refused, including the unset gRPC default', () => {
    assert.match(explainOperatorError(refused('127.0.0.1', 11434), config)!, /check LLM_BASE_URL$/);
    assert.match(explainOperatorError(refused('db.internal', 5432), config)!, /check DATABASE_URL$/);
    const grpc = new ProviderError('weaviate', 'read_schema', 'unreachable: /grpc.health.v1.Health/Check UNAVAILABLE: connect ECONNREFUSED weaviate.internal:50051', { retryable: true });
    assert.equal(
      explainOperatorError(grpc, config),
      'weaviate.read_schema: cannot connect to weaviate.internal:50051 (ECONNREFUSED): check WEAVIATE_GRPC_URL (unset: the REST host, port 50051)',
    );
  });

  it('says nothing about a bug', () => {
    assert.equal(explainOperatorError(new TypeError('x is undefined'), config), null);
  });
});
