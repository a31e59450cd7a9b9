import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createPool } from '../../src/db/pool.js';
import { EventsRepository } from '../../src/repositories/events.repository.js';
import type { JobEvent } from '../../src/repositories/events.repository.js';
import { JobEventsService } from '../../src/stores/job-events.store.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';
import { freePort } from '../helpers/processes.js';
import { waitUntil } from '../helpers/wait.js';

// one API (Postgres, Redis) for the file; every test makes its own jobs
let api: TestApi;
let keyId: string;

before(async () => {
  api = await startTestApi();
  ({ row: { id: keyId } } = await api.newKey());
});
after(async () => {
  await api.cleanup();
});

/** A job's terminal status and its terminal event are one write: no crash can leave one without the other. */
describe('job events: finishing a job', () => {
  const row = async (id: string) => {
    const { rows } = await api.ctx.pool.query<{ status: string; progress: number; seq: number; meta: Record<string, unknown>; finished: boolean }>(
      `select status, progress, last_event_seq as seq, meta, finished_at is not null as finished from pipeline_jobs where id = $1`,
      [id],
    );
    return rows[0]!;
  };

  test('moves a running job to its status and appends the terminal event with the next sequence number, announced to subscribers', async () => {
    const job = await api.insertJob(keyId, { status: 'running' });
    await api.emit(job.id, 'progress', { progress: 0.5 });
    const heard: number[] = [];
    const unsubscribe = await api.ctx.jobEvents.subscribe(job.id, (seq) => heard.push(seq));
    try {
      assert.equal(await api.ctx.jobEvents.finish(job.id, 'completed', { meta: { enriched: 7 } }, { results: 3, duration_ms: 12 }), true);
      const after = await row(job.id);
      assert.deepEqual([after.status, after.progress, after.seq, after.finished, after.meta.enriched], ['completed', 1, 2, true, 7]);
      const events = await api.ctx.jobEvents.list(job.id, 0, 10);
      assert.deepEqual(
        events.map((e) => [e.seq, e.type]),
        [
          [1, 'progress'],
          [2, 'completed'],
        ],
      );
      assert.deepEqual(events[1]!.data, { results: 3, duration_ms: 12 });
      await waitUntil(() => heard.includes(2));
    } finally {
      unsubscribe();
    }
  });

  test('a job that already finished is left alone: false, no status change, no event', async () => {
    const job = await api.insertJob(keyId, { status: 'running' });
    assert.equal(await api.ctx.jobEvents.finish(job.id, 'cancelled', {}, { stage: 'search' }), true);
    assert.equal(await api.ctx.jobEvents.finish(job.id, 'failed', { error: { code: 'x', message: 'late' } }, {}), false);
    assert.equal((await row(job.id)).status, 'cancelled');
    assert.deepEqual(
      (await api.ctx.jobEvents.list(job.id, 0, 10)).map((e) => e.type),
      ['cancelled'],
    );
  });

  test('racing finishes: exactly one wins, and the one terminal event matches the status', async () => {
    const job = await api.insertJob(keyId, { status: 'running' });
    const outcomes = await Promise.all(
      (['completed', 'failed', 'cancelled'] as const).map((s) => api.ctx.jobEvents.finish(job.id, s, s === 'failed' ? { error: { code: 'x', message: 'y' } } : {}, {})),
    );
    assert.equal(outcomes.filter(Boolean).length, 1);
    const events = await api.ctx.jobEvents.list(job.id, 0, 10);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.type, (await row(job.id)).status);
  });
});

/**
 * Group commit: emits called while a write is in flight are written together in one statement
 * (one transaction, so they share created_at), and every guarantee of a single emit still holds.
 */
describe('job events: concurrent emits share statements', () => {
  const running = () => api.insertJob(keyId, { status: 'running' });
  const tick = () => new Promise((r) => setImmediate(r));
  const outcome = (p: Promise<unknown>) =>
    p.then(
      (value) => ({ value }),
      (error: Error) => ({ error: error.message }),
    );
  const stored = async (jobId: string) => (await api.ctx.jobEvents.list(jobId, 0, 1000)).map((e) => [e.seq, e.type, e.data]);

  test('many emits to the same and to different jobs: each job gets seqs 1, 2, … in call order, every event is observed and announced in order', async () => {
    const jobs = await Promise.all(Array.from({ length: 6 }, running));
    const heard: number[] = [];
    const unsubscribe = await api.ctx.jobEvents.subscribe(jobs[0]!.id, (seq) => heard.push(seq));
    const observed: string[] = [];
    const unobserve = api.ctx.jobEvents.observe((jobId, e) => observed.push(`${jobId}/${e.seq}`));
    try {
      const calls: { jobId: string; round: number; p: Promise<JobEvent> }[] = [];
      // round 0 in one go; rounds 1–3 called while the writes before them are in flight
      for (let round = 0; round < 4; round++) {
        for (let i = 0; i < 60; i++) {
          const jobId = jobs[(i * 5 + round) % 7 === 6 ? 0 : (i * 5 + round) % 7]!.id;
          calls.push({ jobId, round, p: api.emit(jobId, 'progress', { n: calls.length }) });
        }
        await tick();
      }
      const events = await Promise.all(calls.map((c) => c.p));
      const next = new Map<string, number>();
      calls.forEach((c, n) => {
        const seq = (next.get(c.jobId) ?? 0) + 1;
        next.set(c.jobId, seq);
        assert.deepEqual([events[n]!.seq, events[n]!.data], [seq, { n }], `call ${n}`);
      });
      for (const job of jobs) {
        const expected = calls.flatMap((c, n) => (c.jobId === job.id ? [n] : []));
        assert.deepEqual(await stored(job.id), expected.map((n, k) => [k + 1, 'progress', { n }]));
      }
      const firstRound = new Set(events.filter((_, n) => calls[n]!.round === 0).map((e) => e.createdAt.getTime()));
      assert.equal(firstRound.size, 1, 'the emits called together were written in one statement');
      assert.equal(observed.length, calls.length);
      assert.equal(new Set(observed).size, calls.length);
      const toFirst = calls.filter((c) => c.jobId === jobs[0]!.id).length;
      await waitUntil(() => heard.length === toFirst);
      assert.deepEqual(heard, Array.from({ length: toFirst }, (_, k) => k + 1));
    } finally {
      unsubscribe();
      unobserve();
    }
  });

  test('two processes writing batches to the same jobs at once: seqs 1..n with no gap or duplicate, the events of each process in its call order, no batch refused', async () => {
    const jobs = await Promise.all(Array.from({ length: 10 }, running));
    const pool = createPool(api.db.url, 4);
    const other = new JobEventsService(new EventsRepository(pool), api.ctx.redis, api.redisPrefix);
    try {
      for (let round = 0; round < 5; round++) {
        // the other process calls the jobs in the reverse order: its batch names them the other way round
        const emitAll = (events: JobEventsService, order: typeof jobs, who: string) =>
          Promise.all(order.flatMap((job) => [1, 2, 3].map((k) => events.emit(job.id, 'progress', { who, round, k }))));
        const [ours, theirs] = await Promise.all([emitAll(api.ctx.jobEvents, jobs, 'ours'), emitAll(other, [...jobs].reverse(), 'theirs')]);
        // a batch Postgres refused (a deadlock, a duplicate seq) would have been rewritten one event at a time
        assert.equal(new Set(ours.map((e) => e.createdAt.getTime())).size, 1, `round ${round}: ours in one statement`);
        assert.equal(new Set(theirs.map((e) => e.createdAt.getTime())).size, 1, `round ${round}: theirs in one statement`);
      }
      for (const job of jobs) {
        const events = await api.ctx.jobEvents.list(job.id, 0, 1000);
        assert.deepEqual(events.map((e) => e.seq), Array.from({ length: 30 }, (_, k) => k + 1));
        for (const who of ['ours', 'theirs']) {
          const mine = events.filter((e) => e.data.who === who).map((e) => [e.data.round, e.data.k]);
          assert.deepEqual(mine, [0, 1, 2, 3, 4].flatMap((round) => [1, 2, 3].map((k) => [round, k])));
        }
      }
    } finally {
      await other.close();
      await pool.end();
    }
  });

  test('a key revoked while a batch of events is written to its jobs: both lock the job rows in id order, so they never deadlock', async () => {
    for (let round = 0; round < 3; round++) {
      const {
        row: { id: revokedKey },
      } = await api.newKey();
      const jobs = (await Promise.all(Array.from({ length: 12 }, () => api.insertJob(revokedKey, { status: 'running' })))).sort((x, y) => (x.id < y.id ? -1 : 1));
      // A third session holds the middle row, so both statements lock what they can and then wait for
      // it; when it lets go they meet. Rows taken in two different orders would deadlock here every time.
      const holder = await api.ctx.pool.connect();
      try {
        await holder.query('begin');
        await holder.query('select id from pipeline_jobs where id = $1 for update', [jobs[6]!.id]);
        // the batch names the jobs in the reverse of id order
        const batch = Promise.all([...jobs].reverse().flatMap((job) => [1, 2].map((k) => api.ctx.jobEvents.emit(job.id, 'progress', { round, k }))));
        const revoke = api.ctx.repos.jobs.cancelAllForKey(revokedKey);
        const waiting = async () =>
          (await api.ctx.pool.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)).rows[0]!.n;
        await waitUntil(async () => (await waiting()) >= 2);
        await holder.query('rollback');
        const [written, revoked] = await Promise.all([batch, revoke]);
        // a batch Postgres refused (a deadlock) would have been rewritten one event at a time
        assert.equal(new Set(written.map((e) => e.createdAt.getTime())).size, 1, `round ${round}: the batch in one statement`);
        assert.equal(revoked.stopping.length, 12, `round ${round}: every running job told to stop`);
      } finally {
        holder.release();
      }
    }
  });

  test('an unknown job, or data that is no JSON, in the middle of a batch: that caller gets the error a single emit gives, the others are written', async () => {
    const [a, b] = await Promise.all([running(), running()]);
    const alone = await outcome(api.ctx.repos.events.append('job_doesnotexist', 'progress', {}));
    const [a1, a2, unknown, notJson, b1, a3] = await Promise.all(
      [
        api.emit(a!.id, 'progress', { k: 1 }),
        api.emit(a!.id, 'progress', { k: 2 }),
        api.emit('job_doesnotexist', 'progress', {}),
        api.emit(b!.id, 'progress', { k: 10n }),
        api.emit(b!.id, 'progress', { k: 1 }),
        api.emit(a!.id, 'warning', { k: 3 }),
      ].map(outcome),
    );
    assert.deepEqual(unknown, alone);
    assert.match((unknown as { error: string }).error, /unknown job job_doesnotexist/);
    assert.match((notJson as { error: string }).error, /BigInt/);
    const written = [a1, a2, b1, a3].map((o) => (o as { value: JobEvent }).value);
    assert.deepEqual(written.map((e) => e.seq), [1, 2, 1, 3]);
    assert.equal(new Set(written.map((e) => e.createdAt.getTime())).size, 1, 'one statement');
    assert.deepEqual(await stored(a!.id), [[1, 'progress', { k: 1 }], [2, 'progress', { k: 2 }], [3, 'warning', { k: 3 }]]);
    assert.deepEqual(await stored(b!.id), [[1, 'progress', { k: 1 }]]);
  });

  test('an event Postgres refuses in the middle of a batch: that caller gets its error, the others are written one by one in call order, no gap', async () => {
    const [a, b] = await Promise.all([running(), running()]);
    const poison = { text: 'a \u0000 byte jsonb cannot hold' };
    const alone = await outcome(api.ctx.repos.events.append(b!.id, 'progress', poison));
    assert.ok('error' in alone, 'Postgres refuses the event on its own');
    const [a1, refused, b1, a2, a3] = await Promise.all(
      [api.emit(a!.id, 'progress', { k: 1 }), api.emit(a!.id, 'progress', poison), api.emit(b!.id, 'progress', { k: 1 }), api.emit(a!.id, 'progress', { k: 2 }), api.emit(a!.id, 'progress', { k: 3 })].map(outcome),
    );
    assert.deepEqual(refused, alone);
    assert.deepEqual([a1, b1, a2, a3].map((o) => (o as { value: JobEvent }).value.seq), [1, 1, 2, 3]);
    assert.deepEqual(await stored(a!.id), [[1, 'progress', { k: 1 }], [2, 'progress', { k: 2 }], [3, 'progress', { k: 3 }]]);
    assert.deepEqual(await stored(b!.id), [[1, 'progress', { k: 1 }]]);
  });

  test('finish among emits keeps call order: emits before it come before the terminal event, a late finish is false, later emits follow', async () => {
    const [a, b] = await Promise.all([running(), running()]);
    const [p1, p2, finished, late, b1, w] = await Promise.all([
      api.emit(a!.id, 'progress', { k: 1 }),
      api.emit(a!.id, 'progress', { k: 2 }),
      api.ctx.jobEvents.finish(a!.id, 'completed', {}, { results: 0 }),
      api.ctx.jobEvents.finish(a!.id, 'failed', { error: { code: 'x', message: 'late' } }, {}),
      api.emit(b!.id, 'progress', { k: 1 }),
      api.emit(a!.id, 'warning', { k: 3 }),
    ]);
    assert.deepEqual([p1.seq, p2.seq, finished, late, b1.seq, w.seq], [1, 2, true, false, 1, 4]);
    assert.deepEqual(await stored(a!.id), [[1, 'progress', { k: 1 }], [2, 'progress', { k: 2 }], [3, 'completed', { results: 0 }], [4, 'warning', { k: 3 }]]);
    const { rows } = await api.ctx.pool.query<{ status: string; seq: number }>('select status, last_event_seq as seq from pipeline_jobs where id = $1', [a!.id]);
    assert.deepEqual(rows[0], { status: 'completed', seq: 4 });
  });

  test('finishes queued together: those of one job in call order (the first wins), emits between them in their place', async () => {
    const [a, b, c] = await Promise.all([running(), running(), running()]);
    const outcomes = await Promise.all([
      api.ctx.jobEvents.finish(a!.id, 'completed', {}, { results: 1 }),
      api.ctx.jobEvents.finish(b!.id, 'cancelled', {}, {}),
      api.ctx.jobEvents.finish(a!.id, 'failed', { error: { code: 'x', message: 'second' } }, {}),
      api.emit(c!.id, 'progress', { k: 1 }).then((e) => e.seq),
      api.ctx.jobEvents.finish(c!.id, 'cancelled', {}, { stage: 'search' }),
    ]);
    assert.deepEqual(outcomes, [true, true, false, 1, true]);
    assert.deepEqual(await stored(a!.id), [[1, 'completed', { results: 1 }]]);
    assert.deepEqual(await stored(b!.id), [[1, 'cancelled', {}]]);
    assert.deepEqual(await stored(c!.id), [[1, 'progress', { k: 1 }], [2, 'cancelled', { stage: 'search' }]]);
  });

  test('the connection dies under a batch: its callers get the error (it may have committed, so nothing is retried), later emits are written with no gap', async () => {
    const [a, b] = await Promise.all([running(), running()]);
    // another session holds job a's row, so the batch waits on its lock
    const holder = new pg.Client({ connectionString: api.db.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select 1 from pipeline_jobs where id = $1 for update', [a!.id]);
      const batch = [api.emit(a!.id, 'progress', { k: 1 }), api.emit(b!.id, 'progress', { k: 1 })].map(outcome);
      const waiting = async () =>
        (
          await api.ctx.pool.query<{ pid: number }>(
            `select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%unnest%'`,
          )
        ).rows[0]?.pid;
      await waitUntil(async () => (await waiting()) !== undefined);
      const later = outcome(api.emit(b!.id, 'progress', { k: 2 }));
      await holder.query('select pg_terminate_backend($1)', [await waiting()]);
      for (const o of await Promise.all(batch)) assert.match((o as { error?: string }).error ?? 'written', /terminat/);
      await holder.query('rollback');
      assert.equal(((await later) as { value: JobEvent }).value.seq, 1);
      assert.deepEqual(await stored(b!.id), [[1, 'progress', { k: 2 }]]);
      assert.deepEqual(await stored(a!.id), []);
    } finally {
      await holder.end();
    }
  });

  test('Postgres unreachable: every emit and finish fails at once, none hangs, and the next ones fail too', async () => {
    const dead = createPool(`postgres://postgres@127.0.0.1:${await freePort()}/none`, 2);
    const events = new JobEventsService(new EventsRepository(dead), api.ctx.redis, `${api.redisPrefix}dead`);
    try {
      const started = Date.now();
      const outcomes = await Promise.all([
        ...Array.from({ length: 20 }, (_, i) => outcome(events.emit(`job_${i % 3}`, 'progress', { i }))),
        outcome(events.finish('job_0', 'failed', {}, {})),
      ]);
      for (const o of outcomes) assert.match((o as { error?: string }).error ?? 'written', /ECONNREFUSED/);
      assert.match(((await outcome(events.emit('job_0', 'progress', {}))) as { error?: string }).error ?? 'written', /ECONNREFUSED/);
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    } finally {
      await events.close();
      await dead.end();
    }
  });
});
