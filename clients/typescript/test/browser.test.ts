import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { loadDemoIndexIfEmpty } from '../../../src/import/demo.js';
import { signatureHeader } from '../../../src/webhooks/webhook-signature.js';
import { startWorker } from '../../../src/worker/start-worker.js';
import type { WorkerHandle } from '../../../src/worker/start-worker.js';
import { startTestApi } from '../../../test/helpers/api-server.js';
import type { TestApi } from '../../../test/helpers/api-server.js';
import { repoRoot } from '../../../test/helpers/processes.js';

/**
 * The built package (dist/) in a real Chromium, as a web page would load it: ES modules, an import
 * map for openapi-fetch, the page on another origin than the API (CORS), Web Crypto for the
 * Idempotency-Key and webhook checks. Proves the runtime code needs nothing from Node.
 */
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const openapiFetch = path.join(repoRoot, 'node_modules', 'openapi-fetch', 'dist', 'index.mjs');
const PAGE = `<!doctype html><html><head>
<script type="importmap">{ "imports": { "openapi-fetch": "/vendor/openapi-fetch.mjs" } }</script>
</head><body>client test page</body></html>`;

let pages: http.Server;
let pageOrigin: string;
let api: TestApi;
let worker: WorkerHandle;
let browser: BrowserContext;
let profileDir: string;

before(async () => {
  pages = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const file = url === '/vendor/openapi-fetch.mjs' ? openapiFetch : url.startsWith('/client/') ? path.join(dist, path.normalize(url.slice('/client/'.length))) : null;
    if (url === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    if (!file || !file.startsWith(dist) && file !== openapiFetch) return res.writeHead(404).end();
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': 'text/javascript' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  pages.listen(0, '127.0.0.1');
  await once(pages, 'listening');
  pageOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;

  api = await startTestApi({ CORS_ORIGINS: pageOrigin });
  await loadDemoIndexIfEmpty(api.ctx);
  worker = startWorker(api.ctx);
  profileDir = await mkdtemp(path.join(os.tmpdir(), 'scout-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await worker?.close();
  await api?.cleanup();
  pages?.close();
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
});

test('in a browser page, the built client starts a job, watches it over SSE to its results and verifies a webhook', async () => {
  const { key } = await api.newKey();
  const secret = 'whsec_browser-test-secret';
  const body = '{"id":"whd_1","type":"job.completed"}';
  const now = Math.floor(Date.now() / 1000);
  const page = browser.pages()[0] ?? (await browser.newPage());
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${pageOrigin}/`);

  // A string, not a function: the test runner's TypeScript transform would add helpers the page lacks.
  const args = JSON.stringify({ base: api.base, key, secret, body, header: signatureHeader(secret, now, body) });
  const outcome = (await page.evaluate(`(async ({ base, key, secret, body, header }) => {
    const { createScoutClient, verifyWebhookSignature } = await import('/client/index.js');
    const scout = createScoutClient({ baseUrl: base, apiKey: key });
    const job = await scout.startJob({ brief: 'fitness coach promoting protein snacks to gym-goers', top_k: 3 });
    const seqs = [];
    const results = await scout.waitForResults(job.job_id, { onEvent: (e) => seqs.push(e.seq), transport: 'sse' });
    return {
      jobId: job.job_id,
      idempotencyKey: job.idempotency_key,
      seqs,
      ranks: results.results.map((r) => r.rank),
      signed: await verifyWebhookSignature(secret, header, body),
      tampered: await verifyWebhookSignature(secret, header, body + ' '),
    };
  })(${args})`)) as { jobId: string; idempotencyKey: string; seqs: number[]; ranks: number[]; signed: boolean; tampered: boolean };
  assert.deepEqual(errors, []);
  assert.match(outcome.jobId, /^job_/);
  assert.match(outcome.idempotencyKey, /^[0-9a-f-]{36}$/, 'crypto.randomUUID in the page');
  assert.ok(outcome.seqs.length > 5);
  assert.deepEqual(outcome.seqs, outcome.seqs.map((_, i) => i + 1), 'every event once, in order, over SSE');
  assert.ok(outcome.ranks.length > 0);
  assert.equal(outcome.signed, true);
  assert.equal(outcome.tampered, false);
  const job = await api.call<{ status: string }>(`/pipeline/jobs/${outcome.jobId}`, { key });
  assert.equal(job.body.status, 'completed');
});
