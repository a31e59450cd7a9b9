import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventsBatchSchema } from '../../src/api/schemas.js';
import type { z } from 'zod';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';
import { CLOSED, TestEventSource } from '../helpers/event-source.js';
import { sleep, waitUntil } from '../helpers/wait.js';

type Batch = z.infer<typeof eventsBatchSchema>;

describe('GET /pipeline/jobs/:id/events', () => {
  let api: TestApi;
  let key: string;
  let keyId: string;
  let stranger: string;
  const sources: TestEventSource[] = [];
  const open = (path: string, headers: Record<string, string> = {}) => {
    const es = new TestEventSource(`${api.base}${path}`, { headers: { 'X-API-Key': key, ...headers }, maxReconnectMs: 50 });
    sources.push(es);
    return es;
  };
  before(async () => {
    api = await startTestApi({ SSE_HEARTBEAT_MS: '60', RATE_LIMIT_BURST: '1000', RATE_LIMIT_PER_MIN: '6000' });
    ({ key, row: { id: keyId } } = await api.newKey());
    stranger = (await api.newKey()).key;
  });
  after(async () => {
    for (const s of sources) s.close();
    await api.cleanup();
  });

  test('JSON batch: after / limit / next_after / has_more over the same events', async () => {
    const job = await api.insertJob(keyId, { status: 'running' });
    for (let i = 0; i < 7; i++) await api.emit(job.id, 'progress', { i });
    const page1 = await api.call<Batch>(`/pipeline/jobs/${job.id}/events?format=json&limit=3`, { key });
    assert.equal(page1.status, 200);
    eventsBatchSchema.parse(page1.body);
    assert.deepEqual(page1.body.events.map((e) => e.seq), [1, 2, 3]);
    assert.equal(page1.body.has_more, true);
    assert.equal(page1.body.next_after, 3);
    assert.deepEqual(page1.body.events[1]?.data, { i: 1 });
    const page2 = await api.call<Batch>(`/pipeline/jobs/${job.id}/events?after=3&limit=10`, { key });
    assert.deepEqual(page2.body.events.map((e) => e.seq), [4, 5, 6, 7]);
    assert.equal(page2.body.has_more, false);
    const none = await api.call<Batch>(`/pipeline/jobs/${job.id}/events?after=7`, { key });
    assert.deepEqual(none.body.events, []);
    assert.equal(none.body.next_after, 7);
  });

  test('JSON batch: bad parameters are 422 naming them; other keys get 404', async () => {
    const job = await api.insertJob(keyId);
    for (const [q, field] of [
      ['limit=0', 'query.limit'],
      ['limit=501', 'query.limit'],
      ['after=-1', 'query.after'],
      ['after=abc', 'query.after'],
      ['format=xml', 'query.format'],
      ['colour=red', 'query.colour'],
    ]) {
      const res = await api.call<{ errors: { field: string }[] }>(`/pipeline/jobs/${job.id}/events?${q}`, { key });
      assert.equal(res.status, 422, q);
      assert.equal(res.body.errors[0]?.field, field, q);
    }
    assert.equal((await api.call(`/pipeline/jobs/${job.id}/events?format=json`, { key: stranger })).status, 404);
    const sse = await fetch(`${api.base}/pipeline/jobs/${job.id}/events`, { headers: { 'X-API-Key': stranger, Accept: 'text/event-stream' } });
    assert.equal(sse.status, 404);
  });

  test('SSE: headers, id = seq, event = type, heartbeats, ends after the terminal event, then 204', async () => {
    const job = await api.insertJob(keyId, { status: 'running' });
    await api.emit(job.id, 'stage_started', { stage: 'expand' });
    const res = await fetch(`${api.base}/pipeline/jobs/${job.id}/events`, { headers: { 'X-API-Key': key, Accept: 'text/event-stream' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(res.headers.get('x-accel-buffering'), 'no');
    assert.match(res.headers.get('cache-control') ?? '', /no-cache/);
    await res.body?.cancel();

    const es = open(`/pipeline/jobs/${job.id}/events`);
    await es.waitFor((ev) => ev.length === 1);
    assert.deepEqual(
      es.events.map((e) => [e.lastEventId, e.type]),
      [['1', 'stage_started']],
    );
    assert.deepEqual(JSON.parse(es.events[0]!.data).data, { stage: 'expand' });
    await waitUntil(() => es.comments.filter((c) => c === 'heartbeat').length >= 2, 2_000);

    await api.emit(job.id, 'progress', { progress: 0.5 });
    await api.ctx.repos.jobs.finish(job.id, 'completed');
    await api.emit(job.id, 'completed', {});
    await es.waitFor((ev) => ev.some((e) => e.type === 'completed'));
    // The server ends the stream; the client's reconnect is answered 204, which stops it for good.
    await waitUntil(() => es.readyState === CLOSED);
    assert.equal(es.lastStatus, 204);
    assert.deepEqual(es.events.map((e) => Number(e.lastEventId)), [1, 2, 3]);
  });

  test('SSE resumes from Last-Event-ID or ?after= without gap or duplicate; a bad Last-Event-ID is 400', async () => {
    const job = await api.insertJob(keyId, { status: 'running' });
    for (let i = 0; i < 5; i++) await api.emit(job.id, 'progress', { i });
    const byHeader = open(`/pipeline/jobs/${job.id}/events`, { 'Last-Event-ID': '3' });
    const byQuery = open(`/pipeline/jobs/${job.id}/events?after=2`);
    await byHeader.waitFor((ev) => ev.length === 2);
    await byQuery.waitFor((ev) => ev.length === 3);
    assert.deepEqual(byHeader.events.map((e) => e.lastEventId), ['4', '5']);
    assert.deepEqual(byQuery.events.map((e) => e.lastEventId), ['3', '4', '5']);
    byHeader.close();
    byQuery.close();
    for (const id of ['abc', '-1', '9999999999']) {
      const bad = await fetch(`${api.base}/pipeline/jobs/${job.id}/events`, {
        headers: { 'X-API-Key': key, Accept: 'text/event-stream', 'Last-Event-ID': id },
      });
      assert.equal(bad.status, 400, id);
    }
  });

  test('a pending job cancelled through the API ends open streams with a cancelled event', async () => {
    const job = await api.insertJob(keyId);
    const es = open(`/pipeline/jobs/${job.id}/events`);
    await waitUntil(() => es.readyState === 1);
    await waitUntil(() => api.ctx.jobEvents.subscriberCount > 0);
    const res = await api.call(`/pipeline/jobs/${job.id}/cancel`, { key, method: 'POST' });
    assert.equal(res.status, 200);
    await es.waitFor((ev) => ev.some((e) => e.type === 'cancelled'));
    await waitUntil(() => es.readyState === CLOSED);
  });

  test('acceptance: a client disconnected mid-job resumes with Last-Event-ID and gets every event exactly once, in order', async () => {
    const job = await api.insertJob(keyId, { status: 'running' });
    const total = 60;
    const es = open(`/pipeline/jobs/${job.id}/events`);
    await waitUntil(() => es.readyState === 1);
    let dropped = 0;
    const producer = (async () => {
      for (let i = 1; i <= total; i++) {
        await api.emit(job.id, i === total ? 'completed' : 'progress', { i });
        if (i === total - 1) await api.ctx.repos.jobs.finish(job.id, 'completed');
        // Cut the client's connection (as a network drop would) a few times mid-job.
        if (i % 15 === 0 && i < total) {
          await waitUntil(() => es.events.length >= i - 5);
          for (const c of sseSockets(api)) c.destroy();
          dropped++;
        }
        await sleep(2);
      }
    })();
    await producer;
    await waitUntil(() => es.readyState === CLOSED, 15_000);
    const seqs = es.events.map((e) => Number(e.lastEventId));
    assert.deepEqual(seqs, Array.from({ length: total }, (_, i) => i + 1), 'every event exactly once, in order');
    assert.deepEqual(es.events.map((e) => JSON.parse(e.data).data.i), seqs);
    assert.equal(es.events.at(-1)?.type, 'completed');
    assert.ok(dropped >= 3);
    assert.ok(es.connections >= dropped + 1, `reconnected after every drop (${es.connections} connections)`);
  });

  test('a key may hold a bounded number of streams', async () => {
    const job = await api.insertJob(keyId, { status: 'running' });
    const streams = Array.from({ length: 20 }, () => open(`/pipeline/jobs/${job.id}/events`));
    await waitUntil(() => streams.every((s) => s.readyState === 1));
    const extra = await fetch(`${api.base}/pipeline/jobs/${job.id}/events`, { headers: { 'X-API-Key': key, Accept: 'text/event-stream' } });
    assert.equal(extra.status, 429);
    for (const s of streams) s.close();
  });
});

/** The TCP connections of the app's open event streams (destroying one is a network drop). */
function sseSockets(api: TestApi) {
  return api.sse.streams().flatMap((s) => (s.res.socket ? [s.res.socket] : []));
}

