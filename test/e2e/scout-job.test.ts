import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { after, before, test } from 'node:test';
import { createScoutClient } from '@influencer-scout/client';
import type { JobEvent } from '@influencer-scout/client';
import { readCsv } from '../../src/import/csv-reader.js';
import { freePort, runCli, startProcess, waitForHttp } from '../helpers/processes.js';
import type { RunningProcess } from '../helpers/processes.js';
import { kimProfilesCsv } from '../helpers/shared-data.js';
import { createTestEnv } from '../helpers/test-env.js';
import type { TestEnv } from '../helpers/test-env.js';

/**
 * The whole service as a client meets it: real CLI import of real creators, real API and worker
 * processes, Postgres, Redis, BullMQ and LanceDB; one brief in, a ranked shortlist out.
 */
const IMPORT_ROWS = 3000;
let env: TestEnv;
let api: RunningProcess;
let worker: RunningProcess;
let base: string;
let apiKey: string;
const labels = new Map<string, string>();

async function readKimLabels(limit: number): Promise<void> {
  let header: string[] | null = null;
  for await (const rec of readCsv(createReadStream(kimProfilesCsv(), { encoding: 'utf8' }))) {
    if (!header) {
      header = rec.fields;
      continue;
    }
    const row = Object.fromEntries(header.map((h, i) => [h, rec.fields[i] ?? '']));
    labels.set(String(row.username).toLowerCase(), String(row.category));
    if (labels.size >= limit) break;
  }
}

before(async () => {
  const port = await freePort();
  env = await createTestEnv({ PORT: String(port), MIGRATE_ON_START: 'true', LOG_LEVEL: 'warn', SWEEP_INTERVAL_MS: '1000' });
  base = `http://127.0.0.1:${port}`;
  await readKimLabels(IMPORT_ROWS);

  const imported = await runCli(['import', kimProfilesCsv(), '--limit', String(IMPORT_ROWS)], env.env);
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, new RegExp(`imported ${IMPORT_ROWS.toLocaleString('en-US')} of`));

  const key = await runCli(['keys', 'create', '--name', 'e2e', '--json'], env.env);
  assert.equal(key.code, 0, key.stderr);
  apiKey = (JSON.parse(key.stdout) as { key: string }).key;

  worker = startProcess('src/bin/worker.ts', env.env);
  api = startProcess('src/bin/api.ts', env.env);
  await waitForHttp(`${base}/health`, { proc: api, timeoutMs: 60_000 });
});

after(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await env?.cleanup();
});

test('a brief goes in, a complete ranked shortlist mostly from the brief\'s niche comes out', async () => {
  const client = createScoutClient({ baseUrl: base, apiKey });
  const { job_id: jobId } = await client.startJob({ brief: 'fitness coach promoting protein snacks', top_k: 20 });
  assert.match(jobId, /^job_/);

  // The client follows the job's SSE stream (transport 'sse': no silent fallback to polling here).
  const events: JobEvent[] = [];
  for await (const event of client.watchJob(jobId, { transport: 'sse' })) events.push(event);
  assert.equal(events.at(-1)?.type, 'completed', JSON.stringify(events.at(-1)));
  assert.deepEqual(
    events.map((e) => e.seq),
    events.map((_, i) => i + 1),
    'events arrive once each, in sequence order',
  );
  const stagesStarted = events.filter((e) => e.type === 'stage_started').map((e) => e.data.stage);
  assert.deepEqual(stagesStarted, ['expand', 'search', 'enrich', 'score', 'rank']);
  assert.ok(events.some((e) => e.type === 'partial_results'), 'partial results are announced before the end');

  const status = await client.getJob(jobId);
  assert.equal(status.status, 'completed');
  assert.equal(status.progress, 1);

  const { results } = await client.getResults(jobId);
  assert.equal(results.length, 20);
  results.forEach((r, i) => {
    assert.equal(r.rank, i + 1);
    assert.equal(r.platform, 'instagram');
    assert.ok(labels.has(r.handle), `${r.handle} comes from the imported data`);
    assert.ok(r.fit_score >= 0 && r.fit_score <= 100);
    assert.ok(r.rationale.length > 10, 'each result has a rationale');
    assert.equal(r.data_source, 'index');
    assert.match(r.profile_url, /^https:\/\/www\.instagram\.com\//);
    assert.ok(r.followers !== null && r.followers !== undefined && r.followers > 0);
    if (i > 0) assert.ok(results[i - 1]!.fit_score >= r.fit_score, 'ordered by fit score');
  });
  const fitness = results.filter((r) => labels.get(r.handle) === 'fitness').length;
  assert.ok(fitness >= 14, `at least 70% of the shortlist is labelled fitness (got ${fitness}/20)`);

  for (const kind of ['candidates', 'progressive', 'remaining', 'timing'] as const) {
    assert.equal((await client.getArtifact(jobId, kind)).kind, kind, `artifact ${kind}`);
  }
});

test('the CLI runs a brief against the live service and prints the shortlist', async () => {
  const run = await runCli(['run', '--api-url', base, '--api-key', apiKey, '--top-k', '5', 'travel photographer for a hotel campaign'], env.env);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout, /▸ expand/);
  assert.match(run.stdout, /✓ rank/);
  const rows = run.stdout.split('\n').filter((l) => /^\s+\d+\.\s/.test(l));
  assert.equal(rows.length, 5);
});

test('both processes shut down cleanly on SIGTERM', async () => {
  assert.equal(await api.stop('SIGTERM'), 0, api.output());
  assert.equal(await worker.stop('SIGTERM'), 0, worker.output());
});
