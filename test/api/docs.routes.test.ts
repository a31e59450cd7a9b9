import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { openApiPath } from '../../src/api/route.js';
import { publicRoutes } from '../../src/api/routes/public-routes.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
};

describe('OpenAPI document and /docs', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(() => api.cleanup());

  test('GET /openapi.json serves OpenAPI 3.1 covering every public route with schemas from zod', async () => {
    const res = await api.call<Doc>('/openapi.json');
    assert.equal(res.status, 200);
    const doc = res.body;
    assert.equal(doc.openapi, '3.1.0');
    // the paths come from the route definitions (route-definitions.test.ts checks the operations one by one)
    assert.deepEqual(Object.keys(doc.paths).sort(), [...new Set(publicRoutes.map((r) => openApiPath(r.path)))].sort());
    const start = doc.components.schemas.StartJobRequest!;
    // a brief, or seeds (similar_to), or both: neither field is required on its own
    assert.deepEqual(start.required ?? [], []);
    assert.deepEqual(Object.keys(start.properties ?? {}).sort(), [
      'brief', 'candidate_limit', 'exclude_handles', 'filters', 'min_fit_score', 'platforms', 'similar_to', 'top_k', 'webhook_url',
    ]);
    assert.ok(doc.components.schemas.RankedResult?.properties?.fit_score);
    assert.ok(doc.components.schemas.RankedResult?.properties?.score_breakdown);
    // Every $ref resolves.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]!);
    for (const ref of refs) {
      const target = ref.split('/').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], doc);
      assert.ok(target, `unresolved $ref #/${ref}`);
    }
  });

  test('/docs and its script and style are static files, revalidated on every load; nothing else is', async () => {
    const page = await fetch(`${api.base}/docs`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(await page.text(), /<script src="\/docs\/docs\.js" defer><\/script>/);
    for (const [file, type] of [['docs.js', /^(text|application)\/javascript/], ['docs.css', /^text\/css/]] as const) {
      const res = await fetch(`${api.base}/docs/${file}`);
      assert.equal(res.status, 200, file);
      assert.match(res.headers.get('content-type') ?? '', type, file);
      assert.equal(res.headers.get('cache-control'), 'no-cache', file);
    }
    assert.equal((await fetch(`${api.base}/docs/nothing.js`)).status, 404);
    assert.equal((await fetch(`${api.base}/docs/%2e%2e/routes/docs.routes.ts`)).status, 404);
  });

  test('/docs renders the document in a real browser, offline, under its CSP', async () => {
    const profile = await mkdtemp(path.join(os.tmpdir(), 'scout-docs-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const problems: string[] = [];
    const outside: string[] = [];
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      page.on('pageerror', (err) => problems.push(err.message));
      page.on('console', (msg) => {
        if (msg.type() === 'error') problems.push(msg.text());
      });
      page.on('request', (req) => {
        if (!req.url().startsWith(api.base)) outside.push(req.url());
      });
      await page.goto(`${api.base}/docs`);
      await page.locator('#startJob').waitFor({ timeout: 15_000 });
      assert.equal(await page.locator('details.op').count(), publicRoutes.length);
      assert.match(await page.locator('#version').innerText(), /OpenAPI 3\.1\.0/);
      await page.locator('#startJob > summary').click();
      assert.match(await page.locator('#startJob').innerText(), /brief[\s\S]*required/);
      assert.deepEqual(problems, []);
      assert.deepEqual(outside, [], 'the page loads nothing from other origins');
    } finally {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    }
  });
});
