import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ProviderError } from '../../../../src/errors.js';
import { CircuitBreaker } from '../../../../src/providers/http/circuit-breaker.js';
import { BrightDataClient } from '../../../../src/providers/profiles/brightdata/brightdata.client.js';
import type { BrightDataClientOptions } from '../../../../src/providers/profiles/brightdata/brightdata.client.js';
import { FakeBrightData } from '../../../fakes/brightdata/server.js';
import { ledgerKit, sumCost, sumUnits } from '../../provider-kit.js';
import type { LedgerKit } from '../../provider-kit.js';

const IG = 'gd_l1vikfch901nx3by4';
const TT = 'gd_l1villgoiiidt09ci';
const ctx = { jobId: null };
const igUrl = (h: string) => `https://www.instagram.com/${h}/`;
const handles = Array.from({ length: 30 }, (_, i) => `creator${i}`);

describe('BrightDataClient against the fake datasets v3 API', () => {
  const fake = new FakeBrightData();
  let kit: LedgerKit;

  before(async () => {
    await fake.start();
    kit = await ledgerKit();
    fake.addCreators(...handles.map((h, i) => ({ platform: 'instagram' as const, handle: h, followers: 1000 + i, bio: `bio of ${h}` })));
    fake.addCreators({ platform: 'tiktok', handle: 'dancer', followers: 5000, engagement: 0.05 });
  });
  after(async () => {
    await fake.stop();
    await kit.cleanup();
  });
  beforeEach(async () => {
    fake.reset();
    fake.options = { ...fake.options, progressSequence: ['starting', 'running', 'ready'], snapshotNotReady: 0, scrapeAlwaysAsync: false, retryAfter202: '0' };
    await kit.clear();
  });

  const client = (over: Partial<BrightDataClientOptions> = {}) =>
    new BrightDataClient(
      {
        baseUrl: fake.url,
        apiKey: 'bd-test-key',
        timeoutMs: 2000,
        retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5000 },
        pollIntervalMs: 5,
        maxWaitMs: 3000,
        pricePer1kRecords: 1.5,
        ...over,
      },
      kit.ledger,
    );

  it('collects up to 20 URLs with one synchronous scrape: {input:[{url}]}, include_errors, format=json', async () => {
    const records = await client().collect(IG, handles.slice(0, 3).map(igUrl), ctx);
    assert.equal(records.length, 3);
    const [req] = fake.calls('scrape');
    assert.equal(fake.requests.length, 1);
    assert.equal(req!.query.get('dataset_id'), IG);
    assert.equal(req!.query.get('include_errors'), 'true');
    assert.equal(req!.query.get('format'), 'json');
    assert.deepEqual(req!.json, { input: handles.slice(0, 3).map((h) => ({ url: igUrl(h) })) });
    assert.equal(req!.headers.authorization, 'Bearer bd-test-key');
  });

  it('uses trigger → progress → snapshot above 20 URLs, body a bare array', async () => {
    const records = await client().collect(IG, handles.map(igUrl), ctx);
    assert.equal(records.length, 30);
    assert.equal(fake.calls('scrape').length, 0);
    assert.equal(fake.calls('trigger').length, 1);
    assert.ok(Array.isArray(fake.calls('trigger')[0]!.json));
    assert.equal(fake.calls('progress').length, 3, 'starting, running, ready');
    assert.equal(fake.calls('snapshot').length, 1);
  });

  for (const seq of [
    ['collecting', 'digesting', 'ready'],
    ['running', 'running', 'ready'],
    ['READY'],
  ]) {
    it(`understands the progress statuses ${seq.join(' → ')}`, async () => {
      fake.options.progressSequence = seq;
      assert.equal((await client().collect(IG, handles.map(igUrl), ctx)).length, 30);
      assert.equal(fake.calls('progress').length, seq.length);
    });
  }

  for (const status of ['failed', 'cancelled', 'error']) {
    it(`gives up when progress says ${status}`, async () => {
      fake.options.progressSequence = ['running', status];
      const err = await client().collect(IG, handles.map(igUrl), ctx).catch((e: unknown) => e);
      assert.ok(err instanceof ProviderError);
      assert.match(err.message, new RegExp(status));
      assert.equal(fake.calls('snapshot').length, 0);
    });
  }

  it('waits out 202 running/building answers from /snapshot', async () => {
    fake.options.snapshotNotReady = 3;
    assert.equal((await client().collect(IG, handles.map(igUrl), ctx)).length, 30);
    assert.equal(fake.calls('snapshot').length, 4);
  });

  it('follows a /scrape that answers 202 with a snapshot_id', async () => {
    fake.script('scrape', 'not_ready');
    const records = await client().collect(IG, handles.slice(0, 2).map(igUrl), ctx);
    assert.equal(records.length, 2);
    assert.equal(fake.calls('scrape').length, 1);
    assert.ok(fake.calls('progress').length >= 1);
    assert.equal(fake.calls('snapshot').length, 1);
  });

  it('reads "Snapshot is empty" as no records, "expired" and 404 as errors', async () => {
    fake.script('snapshot', 'empty');
    assert.deepEqual(await client().collect(IG, handles.map(igUrl), ctx), []);
    fake.script('snapshot', 'expired');
    await assert.rejects(client().collect(IG, handles.map(igUrl), ctx), /Snapshot is expired/);
    fake.script('snapshot', 'missing');
    await assert.rejects(client().collect(IG, handles.map(igUrl), ctx), /HTTP 404: Snapshot does not exist/);
  });

  it('gives up on a snapshot that stays pending past maxWaitMs', async () => {
    fake.options.progressSequence = ['running'];
    const err = await client({ maxWaitMs: 60 }).collect(IG, handles.map(igUrl), ctx).catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.match(err.message, /not ready after/);
  });

  it('keeps per-record errors (dead_page) and does not bill them', async () => {
    fake.options.dead = ['creator1'];
    const records = await client().collect(IG, [igUrl('creator0'), igUrl('creator1'), igUrl('nobody_here')], ctx);
    assert.equal(records.length, 3);
    assert.equal(records.filter((r) => r.error_code === 'dead_page').length, 2);
    const [row] = await kit.rows('brightdata');
    assert.deepEqual(row!.units, { records: 1, errors: 2 });
    assert.equal(fake.billed.records, 1);
    fake.options.dead = [];
  });

  it('fails on 401 with the plain-text reason, without retrying', async () => {
    const err = await client({ apiKey: 'wrong' }).collect(IG, [igUrl('creator0')], ctx).catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.options.status, 401);
    assert.match(err.message, /Invalid credentials/);
    assert.equal(fake.requests.length, 1);
  });

  it('honours Retry-After on a plain-text 429', async () => {
    fake.script('scrape', { status: 429, retryAfter: '1' });
    const records = await client().collect(IG, [igUrl('creator0')], ctx);
    assert.equal(records.length, 1);
    const [a, b] = fake.calls('scrape');
    assert.ok(b!.at - a!.at >= 950, `waited ${b!.at - a!.at} ms for Retry-After: 1`);
  });

  it('retries 5xx, then gives up with one summarising error; every attempt is in the ledger', async () => {
    fake.script('scrape', { status: 500 }, { status: 502 }, { status: 500 });
    const err = await client().collect(IG, [igUrl('creator0')], ctx).catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.match(err.message, /brightdata\.scrape: gave up after 3 attempts \[HTTP 500, HTTP 502, HTTP 500\]/);
    const rows = await kit.rows('brightdata');
    assert.deepEqual(rows.map((r) => [r.operation, r.status, r.httpStatus]), [
      ['scrape', 'error', 500],
      ['scrape', 'error', 502],
      ['scrape', 'error', 500],
    ]);
  });

  it('times out a hanging request and retries it', async () => {
    fake.script('progress', 'hang');
    const records = await client({ timeoutMs: 200 }).collect(IG, handles.map(igUrl), ctx);
    assert.equal(records.length, 30);
  });

  it('opens the circuit after repeated 5xx and then sends nothing', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 60_000 });
    fake.script('any', ...Array.from({ length: 10 }, () => ({ status: 503 })));
    await assert.rejects(client({ breaker, retry: { maxRetries: 5, baseDelayMs: 1, maxDelayMs: 10 } }).collect(IG, [igUrl('creator0')], ctx), /circuit open/);
    assert.equal(fake.requests.length, 3);
    await assert.rejects(client({ breaker }).collect(TT, ['https://www.tiktok.com/@dancer'], ctx), /circuit open/);
    assert.equal(fake.requests.length, 3);
  });

  it('ledger rows per HTTP call carry records, errors and cost equal to what the fake billed', async () => {
    fake.options.dead = ['creator3'];
    fake.options.snapshotNotReady = 1;
    fake.script('scrape', { status: 500 });
    const c = client();
    await c.collect(IG, handles.slice(0, 5).map(igUrl), ctx);
    await c.collect(IG, handles.map(igUrl), ctx);
    await c.collect(TT, ['https://www.tiktok.com/@dancer'], ctx);
    const rows = await kit.rows('brightdata');
    assert.deepEqual([...new Set(rows.map((r) => r.operation))].sort(), ['progress', 'scrape', 'snapshot', 'trigger']);
    assert.equal(rows.length, fake.requests.length, 'one row per HTTP call');
    assert.equal(sumUnits(rows, 'records'), fake.billed.records);
    assert.equal(sumUnits(rows, 'errors'), fake.billed.errorRecords);
    assert.ok(Math.abs(sumCost(rows) - (fake.billed.records * 1.5) / 1000) < 1e-9);
    fake.options.dead = [];
  });
});

describe('FakeBrightData itself', () => {
  const fake = new FakeBrightData();
  before(() => fake.start().then(() => undefined));
  after(() => fake.stop());

  it('accepts the bare-array body on /scrape as well, and says 401 in plain text without a key', async () => {
    fake.addCreators({ platform: 'instagram', handle: 'someone', followers: 10 });
    const res = await fetch(`${fake.url}/datasets/v3/scrape?dataset_id=${IG}&include_errors=true`, {
      method: 'POST',
      headers: { authorization: 'Bearer bd-test-key', 'content-type': 'application/json' },
      body: JSON.stringify([{ url: igUrl('someone') }]),
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as unknown[]).length, 1);
    assert.deepEqual(fake.scrapeShapes, ['array']);
    const noKey = await fetch(`${fake.url}/datasets/v3/progress/s_1`);
    assert.equal(noKey.status, 401);
    assert.equal(await noKey.text(), 'Credentials are missing');
  });

  it('answers validation errors as JSON and an unknown dataset as plain text', async () => {
    const post = (q: string, body: unknown) =>
      fetch(`${fake.url}/datasets/v3/trigger?${q}`, {
        method: 'POST',
        headers: { authorization: 'Bearer bd-test-key', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await post(`dataset_id=${IG}`, [{ url: 'nope' }]);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { code: string }).code, 'validation_error');
    const unknown = await post('dataset_id=gd_nope', [{ url: igUrl('x') }]);
    assert.equal(unknown.status, 404);
    assert.equal(await unknown.text(), 'dataset does not exist');
  });
});
