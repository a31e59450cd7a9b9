import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebhookDeliveriesRepository } from '../../src/repositories/webhook-deliveries.repository.js';
import type { WebhookDeliveryRow } from '../../src/repositories/webhook-deliveries.repository.js';
import { verifySignature } from '../../src/webhooks/webhook-signature.js';
import { enqueueJobWebhook } from '../../src/queue/webhook.queue.js';
import { startWebhookWorker } from '../../src/worker/webhook.worker.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';
import { waitFor } from '../helpers/wait.js';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on loopback whose answer per request is scripted by the test. */
async function receiver(answer: (req: Received, n: number) => number | 'hang') {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const r = { path: req.url ?? '', headers: req.headers, body };
      received.push(r);
      const a = answer(r, received.length);
      if (a === 'hang') return;
      res.writeHead(a, a === 302 ? { Location: 'http://127.0.0.1:1/elsewhere' } : {}).end('thanks');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: (path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    received,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('webhooks: queue, signed delivery, retries, records', () => {
  let api: TestApi;
  let worker: { close(): Promise<void> };
  let deliveries: WebhookDeliveriesRepository;
  before(async () => {
    // every receiver here shares one origin: keep its circuit breaker out of the way of these tests
    api = await startTestApi({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_ATTEMPTS: '3', WEBHOOK_BACKOFF_MS: '20', WEBHOOK_TIMEOUT_MS: '300', WEBHOOK_BREAKER_THRESHOLD: '1000' });
    worker = startWebhookWorker(api.ctx);
    deliveries = new WebhookDeliveriesRepository(api.ctx.pool);
  });
  after(async () => {
    await worker.close();
    await api.cleanup();
  });

  const rowsOf = (jobId: string, n: number) => waitFor(() => deliveries.listForJob(jobId), (r: WebhookDeliveryRow[]) => r.length >= n, { ms: 15_000 });

  test('a finished job is announced once, signed with the key secret; failures are retried with backoff and recorded', async () => {
    const rx = await receiver((_r, n) => (n < 3 ? 503 : 204));
    try {
      const { row } = await api.newKey();
      const job = await api.insertJob(row.id, { status: 'completed', webhookUrl: rx.url('/hooks/scout') });
      assert.equal(await enqueueJobWebhook(api.ctx, job.id), true);
      assert.equal(await enqueueJobWebhook(api.ctx, job.id), true, 'a second call is harmless');
      const rows = await rowsOf(job.id, 3);
      assert.deepEqual(rows.map((r) => [r.attempt, r.outcome, r.httpStatus]), [
        [1, 'failed', 503],
        [2, 'failed', 503],
        [3, 'delivered', 204],
      ]);
      assert.equal(new Set(rows.map((r) => r.deliveryId)).size, 1, 'one delivery id across retries');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(rx.received.length, 3, 'no duplicate deliveries');

      const last = rx.received[2]!;
      assert.equal(last.path, '/hooks/scout');
      assert.equal(last.headers['content-type'], 'application/json');
      assert.equal(last.headers['scout-event'], 'job.completed');
      assert.equal(last.headers['scout-delivery'], rows[0]!.deliveryId);
      const signature = String(last.headers['scout-signature']);
      assert.equal(verifySignature(row.webhookSecret, signature, last.body), true);
      assert.equal(signature.startsWith(`t=${String(last.headers['scout-timestamp'])},`), true);
      const payload = JSON.parse(last.body) as { id: string; type: string; data: { job_id: string; status: string } };
      assert.equal(payload.type, 'job.completed');
      assert.equal(payload.id, rows[0]!.deliveryId);
      assert.equal(payload.data.job_id, job.id);
      assert.equal(payload.data.status, 'completed');
      assert.ok(!last.body.includes(row.webhookSecret), 'the secret is never sent');
    } finally {
      rx.close();
    }
  });

  test('a receiver that never succeeds: every attempt recorded, the last one gave_up; timeouts and redirects are failures', async () => {
    const rx = await receiver((r) => (r.path === '/slow' ? 'hang' : 302));
    try {
      const { row } = await api.newKey();
      const redirected = await api.insertJob(row.id, { status: 'failed', webhookUrl: rx.url('/redirect') });
      const slow = await api.insertJob(row.id, { status: 'failed', webhookUrl: rx.url('/slow') });
      await enqueueJobWebhook(api.ctx, redirected.id);
      await enqueueJobWebhook(api.ctx, slow.id);
      const a = await rowsOf(redirected.id, 3);
      assert.deepEqual(a.map((r) => r.outcome), ['failed', 'failed', 'gave_up']);
      assert.ok(a.every((r) => r.httpStatus === 302 && r.event === 'job.failed'));
      const b = await rowsOf(slow.id, 3);
      assert.deepEqual(b.map((r) => r.outcome), ['failed', 'failed', 'gave_up']);
      assert.match(b[0]!.error ?? '', /no response within 300 ms/);
    } finally {
      rx.close();
    }
  });

  test('nothing is sent for jobs without a URL or still running; a revoked key is skipped', async () => {
    const rx = await receiver(() => 200);
    try {
      const { row } = await api.newKey();
      const none = await api.insertJob(row.id, { status: 'completed' });
      assert.equal(await enqueueJobWebhook(api.ctx, none.id), false);
      const running = await api.insertJob(row.id, { status: 'running', webhookUrl: rx.url('/r') });
      assert.equal(await enqueueJobWebhook(api.ctx, running.id), false);

      const revoked = await api.insertJob(row.id, { status: 'completed', webhookUrl: rx.url('/r') });
      await api.ctx.repos.apiKeys.revoke(row.id);
      await enqueueJobWebhook(api.ctx, revoked.id);
      const rows = await rowsOf(revoked.id, 1);
      assert.equal(rows[0]!.outcome, 'skipped');
      assert.equal(rx.received.length, 0);
    } finally {
      rx.close();
    }
  });

  test('cancelling a pending job through the API announces job.cancelled', async () => {
    const rx = await receiver(() => 200);
    try {
      const { key, row } = await api.newKey();
      const started = await api.call<{ job_id: string }>('/pipeline/start', {
        key,
        body: { brief: 'travel creators for a boutique hotel in Lisbon', webhook_url: rx.url('/cancelled') },
      });
      assert.equal(started.status, 202);
      const res = await api.call(`/pipeline/jobs/${started.body.job_id}/cancel`, { key, method: 'POST' });
      assert.equal(res.status, 200);
      const rows = await rowsOf(started.body.job_id, 1);
      assert.equal(rows[0]!.outcome, 'delivered');
      const body = JSON.parse(rx.received[0]!.body) as { type: string; data: { status: string } };
      assert.equal(body.type, 'job.cancelled');
      assert.equal(body.data.status, 'cancelled');
      assert.equal(verifySignature(row.webhookSecret, String(rx.received[0]!.headers['scout-signature']), rx.received[0]!.body), true);
    } finally {
      rx.close();
    }
  });
});

describe('webhooks: private targets are refused at delivery time too', () => {
  test('a stored URL pointing at loopback is given up without a request when private targets are not allowed', async () => {
    const api = await startTestApi({ WEBHOOK_ALLOW_PRIVATE: 'false', WEBHOOK_ATTEMPTS: '3', WEBHOOK_BACKOFF_MS: '20' });
    const worker = startWebhookWorker(api.ctx);
    const rx = await receiver(() => 200);
    try {
      const { row } = await api.newKey();
      // Written directly: the API would have refused this URL at start.
      const job = await api.insertJob(row.id, { status: 'completed', webhookUrl: rx.url('/internal') });
      await enqueueJobWebhook(api.ctx, job.id);
      const rows = await waitFor(() => new WebhookDeliveriesRepository(api.ctx.pool).listForJob(job.id), (r) => r.length >= 1, { ms: 15_000 });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await new WebhookDeliveriesRepository(api.ctx.pool).listForJob(job.id)).length, 1, 'not retried');
      assert.equal(rows[0]!.outcome, 'gave_up');
      assert.match(rows[0]!.error ?? '', /private/);
      assert.equal(rx.received.length, 0);
    } finally {
      rx.close();
      await worker.close();
      await api.cleanup();
    }
  });
});
