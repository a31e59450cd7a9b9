import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { resultColumns } from '../../src/export/results-csv.js';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { authenticateApiKey } from '../../src/services/api-keys.service.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';
import { startApp } from '../helpers/admin-http.js';
import type { RunningApp } from '../helpers/admin-http.js';
import { failQueueEntry, seedJob, seedKey } from '../helpers/admin-seed.js';
import { repoRoot } from '../helpers/processes.js';

/**
 * The dashboard in a real Chromium (Debian's, driven by playwright-core): sign-in, the overview's
 * numbers against a seeded database, the job inspector, key creation and revocation, sign-out.
 * Every page is saved to test-output/screenshots/ for a person to look at.
 */
const SHOTS = path.join(repoRoot, 'test-output', 'screenshots');
const HOUR = 3_600_000;
const XSS_BRIEF = 'Launch for <img src=x onerror="window.__xss=1"> gym-goers <script>window.__xss=2</script> & "friends"';

let t: TestContext;
let app: RunningApp;
let browser: BrowserContext;
let page: Page;
let profileDir: string;
const pageErrors: string[] = [];
const cspViolations: string[] = [];

const seeded = { keyId: '', inspected: '', failedInQueue: '', runs: [1200, 2400, 3600, 30_000], costs: [0.12, 0.08, 0.25, 0.4] };

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function open(hash: string, ready: string): Promise<void> {
  await page.goto(`${app.base}/admin${hash}`);
  await page.locator(ready).first().waitFor();
}

before(async () => {
  t = await createTestContext();
  const { row: key } = await seedKey(t.ctx, 'acme-prod');
  const other = await seedKey(t.ctx, 'beta <b>bold</b>');
  seeded.keyId = key.id;
  for (const [i, runMs] of seeded.runs.entries()) {
    await seedJob(t.ctx, {
      apiKeyId: i % 2 === 0 ? key.id : other.row.id,
      status: 'completed',
      ageMs: (i + 1) * 3 * HOUR,
      runMs,
      brief: `Completed brief number ${i + 1} for fitness creators`,
      calls: [{ service: 'llm', operation: 'score', durationMs: 800, costUsd: seeded.costs[i]! }],
    });
  }
  seeded.inspected = await seedJob(t.ctx, {
    apiKeyId: key.id,
    status: 'completed',
    ageMs: HOUR,
    runMs: 4_000,
    brief: XSS_BRIEF,
    events: true,
    calls: [
      { service: 'llm', operation: 'expand', durationMs: 950, costUsd: 0.011, units: { prompt_tokens: 812, completion_tokens: 240 } },
      { service: 'index', operation: 'hybrid_search', durationMs: 42, costUsd: 0, units: { queries: 3 } },
      { service: 'brightdata', operation: 'fetch_profiles', durationMs: 2_900, costUsd: 0.09, units: { records: 60 } },
      { service: 'llm', operation: 'score', durationMs: 1_800, costUsd: 0.031, status: 'error', units: { prompt_tokens: 2000 } },
    ],
    artifacts: {
      final: {
        results: [
          { rank: 1, platform: 'instagram', handle: 'fit_anna', display_name: 'Anna <i>Fit</i>', fit_score: 94, followers: 48200, rationale: 'Posts daily protein recipes <script>alert(1)</script>' },
          { rank: 2, platform: 'tiktok', handle: 'gymbro.mike', display_name: 'Mike', fit_score: 88, followers: 120500, rationale: 'US gym audience' },
        ],
      },
      timing: { stages: { expand: { duration_ms: 950 }, search: { duration_ms: 40 } } },
    },
  });
  seeded.failedInQueue = await seedJob(t.ctx, {
    apiKeyId: key.id,
    status: 'failed',
    ageMs: 2 * HOUR,
    runMs: 700,
    brief: 'Skincare launch that hit a provider outage',
    error: { code: 'provider_failed', message: 'brightdata gave up after 3 attempts' },
    calls: [{ service: 'brightdata', operation: 'fetch_profiles', durationMs: 5_000, costUsd: 0, status: 'error' }],
  });
  await failQueueEntry(t.ctx, seeded.failedInQueue, 'brightdata gave up after 3 attempts');
  await seedJob(t.ctx, { apiKeyId: key.id, status: 'running', ageMs: 5 * 60_000, brief: 'Outdoor gear for hikers in Colorado' });

  app = await startApp(t.ctx);
  await mkdir(SHOTS, { recursive: true });
  profileDir = await mkdtemp(path.join(os.tmpdir(), 'scout-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1360, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  browser.setDefaultTimeout(15_000);
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) cspViolations.push(msg.text());
  });
});

after(async () => {
  await browser?.close();
  await rm(profileDir, { recursive: true, force: true });
  await app?.close();
  await t?.cleanup();
});

describe('admin dashboard in Chromium', () => {
  test('sign-in: a wrong key is refused, the right one opens the dashboard', async () => {
    await page.goto(`${app.base}/admin`);
    await page.locator('form.login-card').waitFor();
    await shot('01-login');
    await page.fill('#key', 'definitely-not-the-key');
    await page.click('button[type=submit]');
    await page.getByText('Wrong admin key.').waitFor();
    await page.fill('#key', t.config.adminKey!);
    await page.click('button[type=submit]');
    await page.locator('[data-window="24h"]').waitFor();
    const cookies = await browser.cookies(app.base);
    const session = cookies.find((c) => c.name === 'scout_admin');
    assert.ok(session, 'session cookie set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie), '', 'the session cookie is invisible to scripts');
  });

  test('overview shows the seeded numbers and draws its charts', async () => {
    await open('#/overview', '[data-window="24h"]');
    const card = page.locator('[data-window="24h"]');
    const completedRuns = [...seeded.runs, 4_000];
    assert.equal((await card.locator('[data-stat="jobs"]').innerText()).replace(/\D+/g, ''), '7');
    assert.equal(await card.locator('[data-stat="outcomes"]').innerText(), '5 / 1');
    assert.equal(await card.locator('[data-stat="success_rate"]').innerText(), `${((5 / 6) * 100).toFixed(1)}%`);
    const sorted = [...completedRuns].sort((a, b) => a - b);
    assert.equal(await card.locator('[data-stat="p50"]').innerText(), `${(sorted[2]! / 1000).toFixed(1)} s`);
    const cost = seeded.costs.reduce((a, b) => a + b, 0) + 0.011 + 0.09 + 0.031;
    assert.equal(await card.locator('[data-stat="cost"]').innerText(), `$${cost.toFixed(2)}`);
    assert.equal(await page.locator('[data-queue="failed"]').innerText(), '1');
    const bars = await page.locator('figure[data-chart^="Jobs per"] rect').count();
    assert.ok(bars >= 5, `job bars drawn (${bars})`);
    assert.ok((await page.locator('figure[data-chart^="Estimated cost"] rect').count()) >= 4);
    await shot('02-overview');
    await page.click('.tabs a:has-text("7d")');
    await page.locator('figure[data-chart="Jobs per 6 h"]').waitFor();
    await shot('03-overview-7d');
  });

  test('jobs list filters by status and links to the inspector', async () => {
    await open('#/jobs', '#jobs-table');
    assert.equal(await page.locator('#jobs-table tbody tr').count(), 7);
    await shot('04-jobs');
    await page.selectOption('#job-filters select[name=status]', 'failed');
    await page.click('#job-filters button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('#jobs-table tbody tr').length === 1);
    assert.equal(await page.locator('#jobs-table tbody tr').getAttribute('data-job'), seeded.failedInQueue);
    await open('#/jobs', '#jobs-table');
    await page.click(`a[href="#/jobs/${seeded.inspected}"]`);
    await page.locator('#timeline').waitFor();
  });

  test('job inspector: params shown as text (never as HTML), events, calls with costs, artifacts', async () => {
    await open(`#/jobs/${seeded.inspected}`, '#timeline');
    assert.equal(await page.locator('#job-brief').innerText(), XSS_BRIEF);
    assert.equal(await page.locator('#app img').count(), 0, 'no element came out of the brief');
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.deepEqual(await page.locator('#timeline li .badge').allInnerTexts(), ['stage_started', 'stage_completed', 'progress', 'completed']);
    assert.equal(await page.locator('#calls-table tbody tr:not(.total)').count(), 4);
    assert.equal(await page.locator('#calls-table [data-total-cost]').innerText(), `$${(0.011 + 0.09 + 0.031).toFixed(2)}`);
    assert.match(await page.locator('#calls-table tbody tr:not(.total)').nth(2).innerText(), /brightdata\s+fetch_profiles[\s\S]*2\.9 s[\s\S]*records=60/);
    await page.click('#artifact-kinds button[data-kind="final"]');
    await page.locator('#artifact-view table').waitFor();
    assert.match(await page.locator('#artifact-view table tbody tr').first().innerText(), /instagram:fit_anna\s+Anna <i>Fit<\/i>\s+94/);
    assert.equal(await page.locator('#artifact-view script, #artifact-view i').count(), 0);
    // the button is a download link: the page fetches its href with its own session, as the click does
    const link = page.locator('#download-csv');
    assert.equal(await link.innerText(), 'Download CSV');
    assert.equal(await link.getAttribute('download'), `${seeded.inspected}.csv`);
    const got = await page.evaluate(async (href) => {
      const res = await fetch(href);
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    }, (await link.getAttribute('href'))!);
    assert.equal(got.status, 200);
    assert.match(got.type ?? '', /^text\/csv/);
    const rows = parse(got.text) as string[][];
    assert.deepEqual(rows[0], resultColumns.map((c) => c.name));
    assert.ok(rows.slice(1).some((r) => r[2] === 'fit_anna' && r[3] === 'Anna <i>Fit</i>'), JSON.stringify(rows.slice(0, 3)));
    await shot('05-job-inspector');
  });

  test('usage and queue pages, with retry of a failed job', async () => {
    await open('#/usage', '#usage-table');
    assert.ok((await page.locator('#usage-table tbody tr:not(.total)').count()) >= 2);
    assert.match(await page.locator('#usage-table tr.total').innerText(), /Total\s+7\b/);
    assert.equal(await page.locator('#usage-table td:has-text("beta <b>bold</b>")').count() > 0, true, 'key names shown as text');
    await shot('06-usage');

    await open('#/queue', '#failed-table');
    assert.equal(await page.locator('[data-count="failed"] .big').innerText(), '1');
    await shot('07-queue');
    await page.click(`button[data-retry="${seeded.failedInQueue}"]`);
    await page.waitForFunction(() => document.querySelector('[data-count="failed"] .big')?.textContent === '0');
    assert.equal((await t.ctx.repos.jobs.get(seeded.failedInQueue))!.status, 'pending');
    assert.equal(await t.ctx.queue.queue.getJobState(seeded.failedInQueue), 'waiting');
  });

  test('API keys: create (shown once, works), then revoke (stops working)', async () => {
    await open('#/keys', '#keys-table');
    await page.fill('#create-key input[name=name]', 'browser-made');
    await page.fill('#create-key input[name=daily_job_quota]', '250');
    await page.click('#create-key button[type=submit]');
    const value = await page.locator('#new-key-value').inputValue();
    assert.match(value, /^isk_[0-9A-Za-z]{33}$/);
    const auth = await authenticateApiKey(t.ctx.repos.apiKeys, value);
    assert.ok(auth.ok);
    const secret = await page.locator('#new-key-webhook-secret').inputValue();
    assert.match(secret, /^whsec_[\w-]{43}$/, 'the webhook secret is shown once with the key');
    const keyId = (await t.ctx.repos.apiKeys.list()).find((k) => k.name === 'browser-made')!.id;
    assert.equal((await t.ctx.repos.apiKeys.get(keyId))!.webhookSecret, secret);
    const row = page.locator('#keys-table tr[data-name="browser-made"]');
    assert.match(await row.innerText(), /250/);
    await shot('08-keys-created');

    await page.reload();
    await page.locator('#keys-table').waitFor();
    assert.equal(await page.locator('#new-key-value').count(), 0, 'the key is not shown again');

    const id = await page.locator('#keys-table tr[data-name="browser-made"]').getAttribute('data-key');
    await page.click(`button[data-rotate-secret="${id}"]`);
    assert.equal(await page.locator(`button[data-rotate-secret="${id}"]`).innerText(), 'Confirm rotate');
    await page.click(`button[data-rotate-secret="${id}"]`);
    const rotated = await page.locator('#new-webhook-secret-value').inputValue();
    assert.match(rotated, /^whsec_/);
    assert.notEqual(rotated, secret);
    assert.equal((await t.ctx.repos.apiKeys.get(id!))!.webhookSecret, rotated, 'webhooks are signed with the rotated secret');

    await page.click(`button[data-revoke="${id}"]`);
    assert.equal(await page.locator(`button[data-revoke="${id}"]`).innerText(), 'Confirm revoke');
    await page.click(`button[data-revoke="${id}"]`);
    await page.locator('#keys-table tr[data-name="browser-made"] .badge.revoked').waitFor();
    assert.deepEqual(await authenticateApiKey(t.ctx.repos.apiKeys, value), { ok: false, reason: 'revoked' });
    await shot('09-keys-revoked');
  });

  test('sign-out ends the session for good', async () => {
    await open('#/overview', '[data-window="24h"]');
    await page.click('#signout');
    await page.getByText('You are signed out.').waitFor();
    await shot('10-signed-out');
    const res = await page.request.get(`${app.base}/admin/api/session`);
    assert.equal(res.status(), 401);
    await page.goto(`${app.base}/admin#/jobs`);
    await page.locator('form.login-card').waitFor();
  });

  test('no script errors and no CSP violations on any page', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(cspViolations, []);
  });
});
