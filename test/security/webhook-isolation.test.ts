import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { enqueueJobWebhook } from '../../src/queue/webhook.queue.js';
import { startWebhookWorker } from '../../src/worker/webhook.worker.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Finding 5: one tenant pointing its webhooks at a tarpit (accepts connections, never answers)
 * must not delay another tenant's webhooks. Production timeouts and retry settings; everything on
 * 127.0.0.1.
 */

let api: TestApi;
let worker: { close(): Promise<void> };
const sockets = new Set<net.Socket>();
let tarpit: net.Server;
let good: http.Server;
const arrivals: number[] = [];

before(async () => {
  api = await startTestApi({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_TIMEOUT_MS: '10000', WEBHOOK_ATTEMPTS: '8', WEBHOOK_BACKOFF_MS: '200' });
  tarpit = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  tarpit.listen(0, '127.0.0.1');
  await once(tarpit, 'listening');
  good = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrivals.push(performance.now());
      res.writeHead(200).end();
    });
  });
  good.listen(0, '127.0.0.1');
  await once(good, 'listening');
  worker = startWebhookWorker(api.ctx);
});
after(async () => {
  for (const s of sockets) s.destroy();
  good.closeAllConnections();
  good.close();
  tarpit.close();
  await worker.close();
  await api.cleanup();
});

it("a tenant's tarpit receiver does not delay another tenant's webhook (arrives within 2 s)", async () => {
  const noisy = await api.newKey();
  const polite = await api.newKey();
  const tarpitUrl = `http://127.0.0.1:${(tarpit.address() as AddressInfo).port}/hook`;
  const goodUrl = `http://127.0.0.1:${(good.address() as AddressInfo).port}/hook`;

  // the noisy tenant's 20 jobs a minute, all finished, all announcing to the tarpit
  for (let i = 0; i < 20; i++) {
    const job = await api.insertJob(noisy.row.id, { status: 'completed', webhookUrl: tarpitUrl });
    await enqueueJobWebhook(api.ctx, job.id);
  }
  await new Promise((r) => setTimeout(r, 1_000)); // the tarpit holds whatever it can

  for (let round = 0; round < 3; round++) {
    const job = await api.insertJob(polite.row.id, { status: 'completed', webhookUrl: goodUrl });
    const t0 = performance.now();
    const before = arrivals.length;
    await enqueueJobWebhook(api.ctx, job.id);
    await waitFor(() => arrivals.length, (n) => n > before, { what: `round ${round}: the polite tenant's webhook`, ms: 2_000 });
    assert.ok(arrivals.at(-1)! - t0 < 2_000);
  }
});
