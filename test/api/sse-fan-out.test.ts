import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { TAIL_MAX } from '../../src/api/sse/job-event-feed.js';
import { eventItem } from '../../src/api/sse/job-event-stream.js';
import type { JobEventStream } from '../../src/api/sse/job-event-stream.js';
import { ANNOUNCED_EVENT_MAX } from '../../src/stores/job-events.store.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';
import { CLOSED, OPEN, TestEventSource } from '../helpers/event-source.js';
import { sleep, waitUntil } from '../helpers/wait.js';

/** The SSE streams of one job share one Postgres read per announcement (the hub's feed). */
describe('SSE fan-out: many streams of one job', () => {
  let api: TestApi;
  let key: string;
  let keyId: string;
  const sources: TestEventSource[] = [];
  const open = (path: string, headers: Record<string, string> = {}) => {
    const es = new TestEventSource(`${api.base}${path}`, { headers: { 'X-API-Key': key, ...headers }, maxReconnectMs: 50 });
    sources.push(es);
    return es;
  };
  const seqs = (es: TestEventSource) => es.events.map((e) => Number(e.lastEventId));
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  /** three open streams of a new running job, each of which has received its first event */
  const watchedJob = async () => {
    const job = await api.insertJob(keyId, { status: 'running' });
    const streams = Array.from({ length: 3 }, () => open(`/pipeline/jobs/${job.id}/events`));
    await waitUntil(() => streams.every((s) => s.readyState === OPEN));
    await api.emit(job.id, 'progress', { n: 1 });
    await waitUntil(() => streams.every((s) => s.events.length === 1));
    return { job, streams };
  };

  before(async () => {
    api = await startTestApi({ SSE_HEARTBEAT_MS: '15000', RATE_LIMIT_BURST: '1000', RATE_LIMIT_PER_MIN: '60000' });
    ({ key, row: { id: keyId } } = await api.newKey());
  });
  after(async () => {
    for (const s of sources) s.close();
    await api.cleanup();
  });

  test('20 streams get every event once, in order, from about one Postgres read per event (not one per stream)', async () => {
    const job = await api.insertJob(keyId, { status: 'running' });
    for (let i = 0; i < 3; i++) await api.emit(job.id, 'progress', { i });
    const streams = Array.from({ length: 20 }, () => open(`/pipeline/jobs/${job.id}/events`));
    await waitUntil(() => streams.every((s) => s.readyState === OPEN && s.events.length === 3));
    assert.equal(api.sse.feed.watchedJobs >= 1, true);

    const readsBefore = api.sse.feed.reads;
    const total = 40;
    // bursts of concurrent emits, as parallel score batches produce them
    for (let i = 0; i < total; i += 4) {
      await Promise.all(range(i, Math.min(i + 3, total - 2)).map((n) => api.emit(job.id, 'progress', { n })));
      await sleep(5);
    }
    await api.ctx.repos.jobs.finish(job.id, 'completed');
    const last = await api.emit(job.id, 'completed', {});
    await waitUntil(() => streams.every((s) => s.readyState === CLOSED));
    const reads = api.sse.feed.reads - readsBefore;

    for (const s of streams) assert.deepEqual(seqs(s), range(1, last.seq));
    const newEvents = last.seq - 3;
    // one stream per event alone would be 20 × newEvents reads
    assert.ok(reads <= newEvents + 5, `${reads} Postgres reads for ${newEvents} events × 20 streams`);
    assert.equal(api.sse.feed.watchedJobs, 0, 'the job is no longer watched once its streams ended');
    assert.equal(api.sse.countFor(keyId), 0);
  });

  test('announcements that carry their event reach every stream without a Postgres read, byte for byte what a read gives', async () => {
    const job = await api.insertJob(keyId, { status: 'running' });
    await api.emit(job.id, 'progress', { first: true });
    const streams = Array.from({ length: 20 }, () => open(`/pipeline/jobs/${job.id}/events`));
    await waitUntil(() => streams.every((s) => s.readyState === OPEN && s.events.length === 1));

    const readsBefore = api.sse.feed.reads;
    // one process announcing in order, as a worker does; keys in an order jsonb changes
    for (let i = 0; i < 6; i++) await api.emit(job.id, 'progress', { zeta: i, a: 'x'.repeat(i), nested: { b: [i, null], a: 'ü' } });
    await waitUntil(() => streams.every((s) => s.events.length === 7));
    assert.equal(api.sse.feed.reads, readsBefore, 'no Postgres read for announced events that continue the tail');

    // the key's streams end with the job (a key holds at most 20)
    await api.ctx.repos.jobs.finish(job.id, 'completed');
    await api.emit(job.id, 'completed', {});
    await waitUntil(() => streams.every((s) => s.readyState === CLOSED));
    const stored = (await api.ctx.jobEvents.list(job.id, 0, 100)).map((e) => JSON.stringify(eventItem(e)));
    for (const s of streams) {
      assert.deepEqual(seqs(s), range(1, 8));
      assert.deepEqual(s.events.map((e) => e.data), stored);
    }
  });

  test('an event too large to announce, or an announcement that does not parse, is read from Postgres', async () => {
    const { job, streams } = await watchedJob();

    let readsBefore = api.sse.feed.reads;
    await api.emit(job.id, 'progress', { big: 'y'.repeat(ANNOUNCED_EVENT_MAX) });
    await waitUntil(() => streams.every((s) => s.events.length === 2));
    assert.ok(api.sse.feed.reads > readsBefore, 'the large event was read from Postgres');

    // written, then announced with a body that is not an event (another publisher, a truncated message)
    readsBefore = api.sse.feed.reads;
    const third = await api.ctx.repos.events.append(job.id, 'progress', { n: 3 });
    await api.ctx.redis.publish(api.ctx.jobEvents.channel, `${job.id} ${third.seq} {"type":"progress","data":`);
    await waitUntil(() => streams.every((s) => s.events.length === 3));
    assert.ok(api.sse.feed.reads > readsBefore, 'the unparsable announcement led to a read');

    await api.ctx.repos.jobs.finish(job.id, 'completed');
    await api.emit(job.id, 'completed', {});
    await waitUntil(() => streams.every((s) => s.readyState === CLOSED));
    const stored = (await api.ctx.jobEvents.list(job.id, 0, 100)).map((e) => JSON.stringify(eventItem(e)));
    for (const s of streams) {
      assert.deepEqual(seqs(s), [1, 2, 3, 4]);
      assert.deepEqual(s.events.map((e) => e.data), stored);
    }
  });

  test('a stream resuming from behind the shared tail reads Postgres itself and still gets everything once', async () => {
    const job = await api.insertJob(keyId, { status: 'running' });
    const watcher = open(`/pipeline/jobs/${job.id}/events`);
    await waitUntil(() => watcher.readyState === OPEN);
    const n = TAIL_MAX + 60;
    for (let i = 0; i < n; i += 50) {
      await Promise.all(range(i, Math.min(i + 49, n - 1)).map((k) => api.emit(job.id, 'progress', { k })));
    }
    await waitUntil(() => watcher.events.length === n, 30_000);
    assert.deepEqual(seqs(watcher), range(1, n));

    // the tail now starts after seq 60; this client resumes from 10
    const late = open(`/pipeline/jobs/${job.id}/events`, { 'Last-Event-ID': '10' });
    const near = open(`/pipeline/jobs/${job.id}/events`, { 'Last-Event-ID': String(n - 5) });
    await waitUntil(() => late.events.length === n - 10 && near.events.length === 5, 30_000);
    await api.ctx.repos.jobs.finish(job.id, 'completed');
    const end = await api.emit(job.id, 'completed', {});
    await waitUntil(() => [watcher, late, near].every((s) => s.readyState === CLOSED));
    assert.deepEqual(seqs(late), range(11, end.seq));
    assert.deepEqual(seqs(near), range(n - 4, end.seq));
    assert.deepEqual(seqs(watcher), range(1, end.seq));
  });

  test('an event whose announcement was lost still reaches the streams with the next announcement', async () => {
    const { job, streams } = await watchedJob();
    // written but never announced (as when Redis refused the PUBLISH)
    await api.ctx.repos.events.append(job.id, 'progress', { n: 2 });
    await sleep(100);
    assert.ok(streams.every((s) => s.events.length === 1));
    await api.emit(job.id, 'progress', { n: 3 });
    await waitUntil(() => streams.every((s) => s.events.length === 3));
    for (const s of streams) assert.deepEqual(seqs(s), [1, 2, 3]);
  });

  test('a reader that stops reading holds back only its own stream: the server buffers about one socket-full for it, then it gets every event in order', async () => {
    const job = await api.insertJob(keyId, { status: 'running' });
    const brisk = open(`/pipeline/jobs/${job.id}/events`);
    const chunks: Buffer[] = [];
    const stalled = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${api.base}/pipeline/jobs/${job.id}/events`, { headers: { 'X-API-Key': key, Accept: 'text/event-stream' } }, resolve).on('error', reject);
    });
    stalled.on('data', (c: Buffer) => chunks.push(c));
    stalled.pause();
    const ofJob = () => api.sse.streams().map((c) => (c as JobEventStream).res).filter((res) => res.req.url?.includes(job.id));
    await waitUntil(() => brisk.readyState === OPEN && ofJob().length === 2);
    const server = ofJob().map((res) => res.socket!);
    // announced with their events (under ANNOUNCED_EVENT_MAX), so they take the feed's in-memory path
    const filler = 'z'.repeat(ANNOUNCED_EVENT_MAX - 500);
    const total = 1_500;
    let mostBuffered = 0;
    for (let i = 0; i < total; i += 25) {
      await Promise.all(range(i, Math.min(i + 24, total - 1)).map((n) => api.emit(job.id, 'progress', { n, filler })));
      mostBuffered = Math.max(mostBuffered, ...server.map((s) => s.writableLength));
    }
    await waitUntil(() => brisk.events.length === total, 30_000);
    // ~12 MB were emitted; the kernel holds a few MB, the process at most about one frame past its high-water mark
    assert.ok(mostBuffered < 256 * 1024, `${mostBuffered} bytes waited in the process for the stalled reader`);
    await api.ctx.repos.jobs.finish(job.id, 'completed');
    const last = await api.emit(job.id, 'completed', {});
    stalled.resume();
    await new Promise((resolve) => stalled.on('end', resolve));
    const ids = [...Buffer.concat(chunks).toString('utf8').matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    assert.deepEqual(ids, range(1, last.seq));
    assert.deepEqual(seqs(brisk), range(1, last.seq));
  });

  test('a failed read (events table unreachable) is retried while the streams stay open; nothing is lost', async () => {
    const { job, streams } = await watchedJob();

    // Postgres answers errors for the events table for a while (as during a failover)
    await api.ctx.pool.query('alter table pipeline_job_events rename to pipeline_job_events_away');
    let restored = false;
    try {
      const readsBefore = api.sse.feed.reads;
      await api.ctx.redis.publish(api.ctx.jobEvents.channel, `${job.id} 2`);
      // at least two failed reads: the one the announcement starts and the streams' first retry
      await waitUntil(() => api.sse.feed.reads >= readsBefore + 2);
      await api.ctx.pool.query('alter table pipeline_job_events_away rename to pipeline_job_events');
      restored = true;
    } finally {
      if (!restored) await api.ctx.pool.query('alter table pipeline_job_events_away rename to pipeline_job_events');
    }
    // written while no announcement will follow: only the retry can find it
    await api.ctx.repos.events.append(job.id, 'progress', { n: 2 });
    await waitUntil(() => streams.every((s) => s.events.length === 2), 10_000);
    for (const s of streams) {
      assert.deepEqual(seqs(s), [1, 2]);
      assert.equal(s.connections, 1, 'the stream was kept, not ended with "reconnect"');
      assert.equal(s.readyState, OPEN);
    }
  });
});
