import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { startBody } from '../../src/cli/run.command.js';
import { UsageError } from '../../src/cli/command.js';
import { resultColumns } from '../../src/export/results-csv.js';
import { startWorker } from '../../src/worker/start-worker.js';
import type { WorkerHandle } from '../../src/worker/start-worker.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';
import { freePort, runCli } from '../helpers/processes.js';
import { nicheCorpus, seedIndex } from '../pipeline/fixtures.js';

const noStack = (text: string) => assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+\)?/, `a stack trace was printed:\n${text}`);

describe('scout run', () => {
  it('maps every filter flag onto the request the API takes', () => {
    const body = startBody('vegan snacks for gym-goers', {
      'top-k': '10',
      platform: ['instagram', 'tiktok'],
      country: ['US', 'GB'],
      language: ['en'],
      'followers-min': '10000',
      'followers-max': '500000',
      'er-min': '0.03',
      'include-unknown': true,
      'similar-to': ['instagram:a', 'tiktok:b'],
    });
    assert.deepEqual(body, {
      brief: 'vegan snacks for gym-goers',
      similar_to: ['instagram:a', 'tiktok:b'],
      top_k: 10,
      platforms: ['instagram', 'tiktok'],
      filters: { followers_min: 10000, followers_max: 500000, countries: ['US', 'GB'], languages: ['en'], min_engagement_rate: 0.03, include_unknown: true },
    });
    assert.deepEqual(startBody('', { 'similar-to': ['instagram:a'] }), { similar_to: ['instagram:a'] });
    assert.throws(() => startBody('x', { 'followers-min': 'ten' }), UsageError);
    assert.throws(() => startBody('x', { 'er-min': '3' }), /--er-min must be a number ≥ 0 and ≤ 1/);
  });

  it('with no API listening: one line naming the URL and `npm start`, no stack trace', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await runCli(['run', '--api-url', url, '--api-key', 'isk_nothing', 'fitness coach promoting protein snacks'], {});
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr.trim().split('\n').at(-1), `scout run: cannot reach the API at ${url} — is \`npm start\` running?`);
    noStack(run.stderr);
  });

  it('without a brief or seeds it is a usage error', async () => {
    const run = await runCli(['run', '--api-key', 'isk_x'], {});
    assert.equal(run.code, 2);
    assert.match(run.stderr, /a brief is required \(or --similar-to seeds/);
  });

  describe('against a running API and worker', () => {
    let api: TestApi;
    let worker: WorkerHandle;
    let dir: string;
    before(async () => {
      api = await startTestApi();
      await api.ctx.providers.index.open();
      await seedIndex(api.ctx, nicheCorpus(5).map((c) => ({ ...c, niches: [{ niche: c.categories[0]!, p: 0.8 }] })));
      worker = startWorker(api.ctx);
      dir = await mkdtemp(path.join(os.tmpdir(), 'scout-run-'));
    });
    after(async () => {
      await worker.close();
      await api.cleanup();
      await rm(dir, { recursive: true, force: true });
    });

    it('a lookalike run with filters writes the shortlist as CSV', async () => {
      const { key } = await api.newKey();
      const file = path.join(dir, 'shortlist.csv');
      const run = await runCli(
        ['run', '--api-url', api.base, '--api-key', key, '--similar-to', 'instagram:pet_0', '--similar-to', 'instagram:pet_1', '--country', 'US', '--include-unknown', '--followers-min', '1000', '--top-k', '5', '--csv', file],
        {},
      );
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.match(run.stdout, /shortlist written to .*shortlist\.csv/);
      const rows = parse(await readFile(file, 'utf8')) as string[][];
      assert.deepEqual(rows[0], resultColumns.map((c) => c.name));
      assert.ok(rows.length >= 2 && rows.length <= 6, `${rows.length - 1} rows`);
      const country = rows[0]!.indexOf('country');
      const rationale = rows[0]!.indexOf('rationale');
      for (const r of rows.slice(1)) {
        assert.equal(r[country], 'US');
        assert.match(r[rationale]!, /^Resembles instagram:pet_[01]/);
      }
      const jobId = /job (job_\w+) started/.exec(run.stdout)?.[1];
      const job = await api.call<{ request: { similar_to: string[]; filters: Record<string, unknown>; top_k: number } }>(`/pipeline/jobs/${jobId}`, { key });
      assert.deepEqual(job.body.request.similar_to, ['instagram:pet_0', 'instagram:pet_1']);
      assert.deepEqual(job.body.request.filters, { followers_min: 1000, countries: ['US'], include_unknown: true });
      assert.equal(job.body.request.top_k, 5);
    });
  });
});
