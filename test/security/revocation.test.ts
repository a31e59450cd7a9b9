import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { runPipeline } from '../../src/pipeline/run-pipeline.js';
import { raw } from '../helpers/admin-http.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';
import { createJob, nicheCorpus, seedIndex } from '../pipeline/fixtures.js';

/** Finding 4: revoking a key stops its work in flight. */

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(async () => {
  await api.cleanup();
});

const revoke = (id: string) =>
  raw(api.base, `/admin/api/keys/${id}/revoke`, { method: 'POST', headers: { 'X-Admin-Key': api.config.adminKey!, 'Content-Type': 'application/json' }, body: '{}' });

/** Opens an SSE stream; resolves `ended` with the elapsed ms when the server ends it. */
function openStream(path: string, key: string): Promise<{ ended: Promise<{ atMs: number; tail: string }> }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${api.base}${path}`, { headers: { 'X-API-Key': key, Accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      let text = '';
      res.setEncoding('utf8');
      const ended = new Promise<{ atMs: number; tail: string }>((done) => {
        res.on('data', (c: string) => (text += c));
        res.on('end', () => done({ atMs: performance.now(), tail: text.slice(-300) }));
        res.on('close', () => done({ atMs: performance.now(), tail: text.slice(-300) }));
      });
      resolve({ ended });
    });
    req.on('error', reject);
  });
}

describe('revoking an API key', () => {
  it('cancels its pending and running jobs (events say why) and closes its open streams within a second', async () => {
    const victim = await api.newKey();
    const bystander = await api.newKey();
    const pending = await api.insertJob(victim.row.id);
    const running = await api.insertJob(victim.row.id, { status: 'running' });
    const othersJob = await api.insertJob(bystander.row.id);
    const stream = await openStream(`/pipeline/jobs/${running.id}/events`, victim.key);
    const othersStream = await openStream(`/pipeline/jobs/${othersJob.id}/events`, bystander.key);
    let othersEnded = false;
    void othersStream.ended.then(() => (othersEnded = true));
    await new Promise((r) => setTimeout(r, 100));

    const t0 = performance.now();
    assert.equal((await revoke(victim.row.id)).status, 200);
    const { atMs, tail } = await Promise.race([
      stream.ended,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('stream still open after 1 s')), 1_000)),
    ]);
    assert.ok(atMs - t0 < 1_000, `closed after ${Math.round(atMs - t0)} ms`);
    assert.match(tail, /revoked/);

    const p = (await api.ctx.repos.jobs.get(pending.id))!;
    assert.equal(p.status, 'cancelled');
    const pEvents = await api.ctx.jobEvents.list(pending.id, 0, 100);
    assert.equal(pEvents.at(-1)!.type, 'cancelled');
    assert.match(String(pEvents.at(-1)!.data.reason), /revoked/);

    const r = (await api.ctx.repos.jobs.get(running.id))!;
    assert.equal(r.cancelRequested, true, 'the running job is told to stop at its next safe point');

    assert.equal((await api.ctx.repos.jobs.get(othersJob.id))!.status, 'pending', "another key's job is untouched");
    assert.equal(othersEnded, false, "another key's stream stays open");
  });
});

describe('the worker checks the key', () => {
  it('a job whose key was revoked after it was queued does no provider work and says why', async () => {
    await seedIndex(api.ctx, nicheCorpus(3));
    const jobId = await createJob(api.ctx, { brief: 'fitness creators for a protein brand', top_k: 5, candidate_limit: 10 });
    const job = (await api.ctx.repos.jobs.get(jobId))!;
    // revoked directly in the database (e.g. by another process that crashed before cancelling)
    await api.ctx.repos.apiKeys.revoke(job.apiKeyId);
    const outcome = await runPipeline(api.ctx, jobId);
    assert.equal(outcome.status, 'cancelled');
    const events = await api.ctx.jobEvents.list(jobId, 0, 100);
    assert.ok(!events.some((e) => e.type === 'stage_started'), `no stage ran: ${events.map((e) => e.type).join(',')}`);
    assert.match(String(events.at(-1)!.data.reason), /revoked/);
    assert.deepEqual(await api.ctx.repos.calls.listForJob(jobId), [], 'no provider call was made');
  });

  it('a key revoked while the job runs stops it at the next stage boundary', async () => {
    const jobId = await createJob(api.ctx, { brief: 'travel creators for a luggage brand', top_k: 5, candidate_limit: 10 });
    const job = (await api.ctx.repos.jobs.get(jobId))!;
    const stop = api.ctx.jobEvents.observe((id, e) => {
      if (id === jobId && e.type === 'stage_completed' && e.data.stage === 'expand') void api.ctx.pool.query('update api_keys set revoked_at = now() where id = $1', [job.apiKeyId]);
    });
    try {
      const outcome = await runPipeline(api.ctx, jobId);
      assert.equal(outcome.status, 'cancelled');
    } finally {
      stop();
    }
    const events = await api.ctx.jobEvents.list(jobId, 0, 100);
    const started = events.filter((e) => e.type === 'stage_started').map((e) => e.data.stage);
    assert.ok(!started.includes('enrich') && !started.includes('score'), `stopped early: ${started.join(',')}`);
    assert.match(String(events.at(-1)!.data.reason), /revoked/);
  });
});
