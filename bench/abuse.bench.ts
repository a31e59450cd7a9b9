import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { generateApiKey } from '../src/domain/api-key.js';
import { enqueueJobWebhook } from '../src/queue/webhook.queue.js';
import { startWebhookWorker } from '../src/worker/webhook.worker.js';
import { newJobId } from '../src/domain/ids.js';
import { emptyMeta, startJobSchema, toJobParams } from '../src/domain/job.js';
import { createApiKey } from '../src/services/api-keys.service.js';
import { benchContext } from './lib/bench-env.js';
import { runJsonChild } from './lib/child.js';
import type { LoadResult, LoadSpec } from './lib/loadgen.js';
import { startApi } from './lib/procs.js';
import { flag, writeSection } from './lib/results.js';
import { fmt, summarize, table } from './lib/stats.js';

/**
 * The two noisy-neighbour measurements of issue #11, bounded and on loopback only:
 *  1. another tenant's latency (GET /pipeline/jobs/:id) while 50 connections flood the API with
 *     well-formed but unknown API keys from other addresses (X-Forwarded-For, trusted from loopback);
 *  2. the delivery latency of a well-behaved key's webhooks while another tenant points its
 *     webhooks at a tarpit (accepts connections, never answers) at its full start rate, with the
 *     production webhook timeouts and retries.
 */
const floodConnections = flag('flood-connections', 50);
const durationMs = flag('duration', 10_000);
const tarpitMs = flag('tarpit-duration', 60_000);

const load = (spec: LoadSpec) => runJsonChild<LoadResult>('bench/lib/loadgen.ts', [JSON.stringify(spec)]);

async function authFlood(): Promise<string> {
  const t = await benchContext();
  const api = await startApi({ ...t.env, LOG_LEVEL: 'warn' });
  try {
    const headers = { 'X-API-Key': t.apiKey, 'content-type': 'application/json' };
    const start = await fetch(`${api.base}/pipeline/start`, { method: 'POST', headers, body: JSON.stringify({ brief: 'fitness creators for a protein bar launch' }) });
    const { job_id: jobId } = (await start.json()) as { job_id: string };
    const tenant: LoadSpec = {
      url: `${api.base}/pipeline/jobs/${jobId}`,
      headers: { 'X-API-Key': t.apiKey, 'X-Forwarded-For': '198.51.100.10' },
      connections: 4,
      durationMs,
      warmupMs: 1_000,
    };
    // 'no-route' is the floor: the same flood at a path with no route (a 404, no authentication).
    const floodOf = (addresses: 'no-route' | 'one' | 'per-connection'): LoadSpec => ({
      url: addresses === 'no-route' ? `${api.base}/no-such-route` : `${api.base}/pipeline/jobs/${jobId}`,
      connections: floodConnections,
      durationMs: durationMs + 2_000,
      laneHeaders: Array.from({ length: floodConnections }, (_, i) => ({
        'X-API-Key': generateApiKey().key,
        'X-Forwarded-For': addresses === 'one' ? '203.0.113.1' : `203.0.113.${(i % 250) + 1}`,
      })),
    });
    const rows: string[][] = [];
    const row = (name: string, r: LoadResult) => [name, fmt(r.rps), fmt(r.latency.p50), fmt(r.latency.p95), fmt(r.latency.p99), JSON.stringify(r.statuses)];
    for (const addresses of ['no-route', 'one', 'per-connection'] as const) {
      console.log('[bench:abuse] tenant alone');
      rows.push(row('tenant alone (4 conn.)', await load(tenant)));
      console.log(`[bench:abuse] tenant during a ${floodConnections}-connection flood (${addresses})`);
      const [flooded, floodResult] = await Promise.all([
        new Promise<LoadResult>((r) => setTimeout(r, 1_000)).then(() => load(tenant)),
        load(floodOf(addresses)),
      ]);
      const what = addresses === 'no-route' ? '404 flood, for comparison' : `failed-auth flood, ${addresses} address${addresses === 'one' ? '' : 'es'}`;
      rows.push(row(`tenant during ${what}`, flooded));
      rows.push(row(`the flood itself (${what})`, floodResult));
    }
    return [
      `### Another tenant during a failed-auth flood (${floodConnections} connections of well-formed unknown keys)`,
      '',
      table(['load', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'statuses'], rows),
      '',
      `Load average when measured: ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')} on ${os.cpus().length} cores (shared machine).`,
      "Before the fix (issue #11): the tenant's p50 rose from 10 ms to 130–570 ms.",
    ].join('\n');
  } finally {
    await api.stop();
    await t.cleanup();
  }
}

async function webhookTarpit(): Promise<string> {
  const t = await benchContext({ WEBHOOK_ALLOW_PRIVATE: 'true' });
  const sockets = new Set<net.Socket>();
  const tarpit = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  tarpit.listen(0, '127.0.0.1');
  await once(tarpit, 'listening');
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const good = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const jobId = (JSON.parse(body) as { data: { job_id: string } }).data.job_id;
      const t0 = sentAt.get(jobId);
      if (t0 !== undefined) latencies.push(performance.now() - t0);
      res.writeHead(200).end();
    });
  });
  good.listen(0, '127.0.0.1');
  await once(good, 'listening');
  const worker = startWebhookWorker(t.ctx);
  const noisy = await createApiKey(t.ctx.repos.apiKeys, { name: 'noisy' });
  const polite = await createApiKey(t.ctx.repos.apiKeys, { name: 'polite' });
  const finishedJob = async (apiKeyId: string, url: string) => {
    const id = newJobId();
    await t.ctx.repos.jobs.insert({ id, apiKeyId, params: toJobParams(startJobSchema.parse({ brief: 'fitness creators for a protein bar', webhook_url: url })), meta: emptyMeta() });
    await t.ctx.repos.jobs.markRunning(id);
    await t.ctx.repos.jobs.finish(id, 'completed');
    return id;
  };
  const tarpitUrl = `http://127.0.0.1:${(tarpit.address() as AddressInfo).port}/hook`;
  const goodUrl = `http://127.0.0.1:${(good.address() as AddressInfo).port}/hook`;
  try {
    console.log(`[bench:abuse] webhooks: tarpit tenant at 20 jobs/min for ${tarpitMs} ms`);
    const end = Date.now() + tarpitMs;
    let lastNoisy = 0;
    let lastPolite = 0;
    let noisyCount = 0;
    for (let i = 0; i < 10; i++, noisyCount++) await enqueueJobWebhook(t.ctx, await finishedJob(noisy.row.id, tarpitUrl)); // the start burst
    while (Date.now() < end) {
      const now = Date.now();
      if (now - lastNoisy >= 3_000) {
        lastNoisy = now;
        noisyCount++;
        await enqueueJobWebhook(t.ctx, await finishedJob(noisy.row.id, tarpitUrl));
      }
      if (now - lastPolite >= 2_000) {
        lastPolite = now;
        const id = await finishedJob(polite.row.id, goodUrl);
        sentAt.set(id, performance.now());
        await enqueueJobWebhook(t.ctx, id);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 3_000));
    const s = summarize(latencies);
    return [
      `### A well-behaved key's webhook latency while another tenant's receiver is a tarpit (${Math.round(tarpitMs / 1000)} s)`,
      '',
      table(['tarpit webhooks queued', 'polite webhooks sent', 'arrived', 'p50 ms', 'p95 ms', 'max ms'], [
        [String(noisyCount), String(sentAt.size), String(latencies.length), fmt(s.p50), fmt(s.p95), fmt(s.max)],
      ]),
      '',
      'Production webhook settings (8 slots, 10 s timeout, 8 attempts). Before the fix (issue #11): 23 ms → 44.6 s within 3 minutes.',
    ].join('\n');
  } finally {
    for (const s of sockets) s.destroy();
    tarpit.close();
    good.closeAllConnections();
    good.close();
    await worker.close();
    await t.cleanup();
  }
}

async function main(): Promise<void> {
  // --only=auth or --only=webhooks runs one half; each half keeps its own section of RESULTS.md.
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  if (only !== 'webhooks') {
    const text = await authFlood();
    console.log(text);
    writeSection('abuse-auth', 'Noisy neighbours: failed-auth flood (bench:abuse)', text);
  }
  if (only !== 'auth') {
    const text = await webhookTarpit();
    console.log(text);
    writeSection('abuse-webhooks', 'Noisy neighbours: webhook tarpit (bench:abuse)', text);
  }
}

await main();
process.exit(0);
