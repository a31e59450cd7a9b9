import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { RankedResult } from '../../src/domain/job.js';
import { loadDemoIndexIfEmpty } from '../../src/import/demo.js';
import { WebhookDeliveriesRepository } from '../../src/repositories/webhook-deliveries.repository.js';
import { verifySignature } from '../../src/webhooks/webhook-signature.js';
import { startWorker } from '../../src/worker/start-worker.js';
import type { WorkerHandle } from '../../src/worker/start-worker.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';
import { CLOSED, TestEventSource } from '../helpers/event-source.js';
import { waitFor, waitUntil } from '../helpers/wait.js';

/** The API and the real pipeline worker in one process: a job from start to webhook, watched live. */
describe('a live job through the API and the real worker', () => {
  let api: TestApi;
  let worker: WorkerHandle;
  let receiver: http.Server;
  const hooks: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  before(async () => {
    api = await startTestApi({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_MS: '50', SSE_HEARTBEAT_MS: '1000' });
    await loadDemoIndexIfEmpty(api.ctx);
    worker = startWorker(api.ctx);
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        hooks.push({ headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
  });
  after(async () => {
    receiver.close();
    await worker.close();
    await api.cleanup();
  });

  test('SSE sees every event in order and ends; results, artifacts and the signed webhook follow', async () => {
    const { key, row } = await api.newKey();
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/scout`;
    const started = await api.call<{ job_id: string }>('/pipeline/start', {
      key,
      body: { brief: 'fitness coach promoting protein snacks to gym-goers', top_k: 10, webhook_url: hookUrl },
    });
    assert.equal(started.status, 202, started.text);
    const jobId = started.body.job_id;

    const es = new TestEventSource(`${api.base}/pipeline/jobs/${jobId}/events`, { headers: { 'X-API-Key': key }, maxReconnectMs: 50 });
    try {
      await waitUntil(() => es.readyState === CLOSED, 60_000);
    } finally {
      es.close();
    }
    const seqs = es.events.map((e) => Number(e.lastEventId));
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'contiguous, each once');
    const types = es.events.map((e) => e.type);
    assert.equal(types.at(-1), 'completed');
    for (const t of ['stage_started', 'stage_completed', 'partial_results']) assert.ok(types.includes(t), t);
    const batch = await api.call<{ events: { seq: number; type: string }[] }>(`/pipeline/jobs/${jobId}/events?format=json&limit=500`, { key });
    assert.deepEqual(batch.body.events.map((e) => e.type), types, 'the JSON batch holds the same events');

    const job = await api.call<{ status: string; progress: number; meta: { scored: number; cost_usd: number } }>(`/pipeline/jobs/${jobId}`, { key });
    assert.equal(job.body.status, 'completed');
    assert.equal(job.body.progress, 1);
    assert.ok(job.body.meta.scored > 0);

    const results = await api.call<{ results: RankedResult[] }>(`/pipeline/jobs/${jobId}/results`, { key });
    assert.equal(results.status, 200);
    assert.ok(results.body.results.length > 0 && results.body.results.length <= 10);
    assert.deepEqual(results.body.results.map((r) => r.rank), results.body.results.map((_, i) => i + 1));
    for (const kind of ['candidates', 'progressive', 'timing']) {
      assert.equal((await api.call(`/pipeline/jobs/${jobId}/artifacts/${kind}`, { key })).status, 200, kind);
    }

    const deliveries = new WebhookDeliveriesRepository(api.ctx.pool);
    const [delivery] = await waitFor(() => deliveries.listForJob(jobId), (rows) => rows.length > 0, { what: 'the webhook delivery', ms: 15_000 });
    assert.equal(delivery?.outcome, 'delivered');
    const hook = hooks.find((h) => h.body.includes(jobId))!;
    assert.equal(hook.headers['scout-event'], 'job.completed');
    assert.ok(verifySignature(row.webhookSecret, String(hook.headers['scout-signature']), hook.body));
  });
});
