import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createScoutClient } from '@influencer-scout/client';
import { freePort, runCli, startProcess, waitForHttp } from '../helpers/processes.js';
import type { RunningProcess } from '../helpers/processes.js';
import { kimProfilesCsv } from '../helpers/shared-data.js';
import { createTestEnv } from '../helpers/test-env.js';
import type { TestEnv } from '../helpers/test-env.js';

/**
 * docs/providers.md, "Rehearse production locally", step by step: `npm run fakes`, paste the block
 * it prints, migrate, import a slice, start API and worker, create a key, run a job through the
 * API, and check the ledger query of step 3 against the fakes' counters — on LanceDB with the
 * OpenAI-compatible embeddings, then (step 4) on Weaviate.
 */

/** The SQL of step 3, verbatim. */
const LEDGER_SQL = `select service,
  coalesce(sum((units->>'prompt_tokens')::bigint), 0) as prompt_tokens,
  coalesce(sum((units->>'completion_tokens')::bigint), 0) as completion_tokens,
  coalesce(sum((units->>'tokens')::bigint), 0) as tokens,
  coalesce(sum((units->>'records')::bigint), 0) as records
from external_calls group by service order by service;`;

const WEAVIATE_MARKER = '# --- and to rehearse on Weaviate instead of LanceDB, add ---';

/** `KEY=VALUE` lines of a block of the fakes' output. */
function envLines(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** Steps 1–3 (and 4 when `onWeaviate`) of the docs, in one test file per backend. */
export function rehearsal(onWeaviate: boolean): void {
describe(`rehearse production locally on ${onWeaviate ? 'Weaviate' : 'LanceDB'} (docs/providers.md, followed literally)`, () => {
  let env: TestEnv;
  let fakes: RunningProcess;
  let first: Record<string, string>;
  let weaviate: Record<string, string>;
  const running: RunningProcess[] = [];
  let pool: pg.Pool;

  before(async () => {
    env = await createTestEnv();
    pool = new pg.Pool({ connectionString: env.env.DATABASE_URL, max: 2 });
    // 1. start the fakes (free ports: other test runs may be rehearsing at the same time)
    fakes = startProcess('test/fakes/serve.ts', { DATA_DIR: env.dataDir }, ['--port-base', '0']);
    const deadline = Date.now() + 60_000;
    while (!fakes.output().includes('# fakes ready; Ctrl-C stops them')) {
      if (Date.now() > deadline || fakes.child.exitCode !== null) throw new Error(`fakes did not start:\n${fakes.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const [head, tail] = fakes.output().split(WEAVIATE_MARKER);
    first = envLines(head!);
    weaviate = envLines(tail!);
  });
  after(async () => {
    for (const p of running.splice(0)) await p.stop();
    await fakes?.stop();
    await pool?.end();
    await env?.cleanup();
  });

  const stateOf = async (url: string) => (await (await fetch(`${url}/__fake/state`)).json()) as { billed: Record<string, number> };
  const origin = (u: string) => new URL(u).origin;

  async function rehearse(vars: Record<string, string>, brief: string) {
    const runEnv = { ...env.env, ...vars };
    // 2. migrate, import a slice, start API and worker, create a key, run a job
    assert.equal((await runCli(['migrate'], runEnv)).code, 0);
    const imported = await runCli(['import', kimProfilesCsv(), '--limit', '100'], runEnv);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /imported 100 of 100 records/);
    const port = String(await freePort());
    const api = startProcess('src/bin/api.ts', { ...runEnv, PORT: port });
    const worker = startProcess('src/bin/worker.ts', runEnv);
    running.push(api, worker);
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/health`, { proc: api, timeoutMs: 60_000 });
    const created = await runCli(['keys', 'create', '--name', 'rehearsal', '--json'], runEnv);
    assert.equal(created.code, 0, created.stderr);
    const key = (JSON.parse(created.stdout) as { key: string }).key;
    const client = createScoutClient({ baseUrl: base, apiKey: key });
    const { job_id: jobId } = await client.startJob({ brief, top_k: 5, candidate_limit: 25 });
    const results = await client
      .waitForResults(jobId, { signal: AbortSignal.timeout(120_000) })
      .catch((err: unknown) => assert.fail(`job ${jobId}: ${String(err)}\n${worker.output().slice(-2000)}`));
    // top_k is a maximum: the fake model scores by shared words, and only those reaching min_fit_score come back
    assert.ok(results.results.length >= 1 && results.results.length <= 5, `${results.results.length} results`);
    // fresh from the BrightData fake (or its cache, for a creator the first job already fetched)
    assert.ok(results.results.every((r) => ['brightdata', 'cache'].includes(r.data_source) && !r.stale), JSON.stringify(results.results));
    assert.ok(results.results.some((r) => r.data_source === 'brightdata'));
    assert.ok(results.results.every((r) => !r.score_fallback));

    // 3. the ledger against the fakes' counters
    const { rows } = await pool.query<{ service: string; prompt_tokens: string; completion_tokens: string; tokens: string; records: string }>(LEDGER_SQL);
    const row = (service: string) => rows.find((r) => r.service === service) ?? assert.fail(`no ${service} rows`);
    const llm = await stateOf(origin(vars.LLM_BASE_URL!));
    const embeddings = await stateOf(origin(vars.EMBEDDINGS_BASE_URL!));
    const brightdata = await stateOf(vars.BRIGHTDATA_BASE_URL!);
    assert.ok(llm.billed.promptTokens! > 0 && embeddings.billed.embeddingTokens! > 0 && brightdata.billed.records! > 0);
    assert.equal(Number(row('llm').prompt_tokens), llm.billed.promptTokens);
    assert.equal(Number(row('llm').completion_tokens), llm.billed.completionTokens);
    assert.equal(Number(row('embeddings').tokens), embeddings.billed.embeddingTokens);
    assert.equal(Number(row('brightdata').records), brightdata.billed.records);

    for (const p of [api, worker]) {
      assert.equal(await p.stop(), 0, p.output().slice(-2000));
      running.splice(running.indexOf(p), 1);
    }
  }

  if (!onWeaviate) {
    it('LanceDB with the OpenAI-compatible embeddings, LLM and BrightData fakes', { timeout: 240_000 }, async () => {
      assert.equal(first.EMBEDDINGS_PROVIDER, 'openai');
      assert.equal(first.SEARCH_BACKEND, undefined, 'the first part stays on LanceDB');
      await rehearse(first, 'fitness creators for a protein snack');
    });
  } else {
    it('Weaviate: the second part of the block added', { timeout: 240_000 }, async () => {
      assert.equal(weaviate.SEARCH_BACKEND, 'weaviate');
      await rehearse({ ...first, ...weaviate }, 'travel creators for a luggage brand');
      const state = (await (await fetch(`${weaviate.WEAVIATE_URL}/__fake/state`)).json()) as { collections: { name: string; objects: number }[] };
      assert.deepEqual(state.collections, [{ name: 'Creator', objects: 100 }]);
    });
  }
});
}
