import assert from 'node:assert/strict';
import type { RunningProcess } from '../../helpers/processes.js';
import type { FakeRequest } from '../../fakes/fake-http-server.js';
import { FakeOpenAi } from '../../fakes/openai.fake.js';
import { ChaosStack } from '../helpers/chaos-stack.js';
import { auditJobs } from '../helpers/job-invariants.js';

export interface WorkerKillOptions {
  jobs: number;
  kills: number;
  /** pause after a replacement worker is ready before looking for the next victim */
  intervalMs: number;
  workers: number;
  candidates: number;
  /** fixed latency of every LLM call (expansion, one call per scoring batch of 2): what makes a job last */
  llmLatencyMs: number;
}

/** The worker's BullMQ `maxStalledCount`: a job may be recovered from a dead worker twice; the third death fails it. */
const MAX_KILLS_PER_JOB = 2;
/** How long to wait for a worker that is in the middle of a job before giving up on a kill. */
const TARGET_TIMEOUT_MS = 60_000;

interface Kill {
  jobId: string;
  /** the job was still running (with events, not terminal) once the killed process was gone */
  hitRunning: boolean;
}

/**
 * kill -9 of a worker process in the middle of jobs, again and again (a fresh worker replaces each
 * one): every accepted job ends exactly once with one final result, events ordered without gaps
 * or duplicate sequence numbers, and every job a kill interrupted was resumed by another worker.
 *
 * The LLM is the OpenAI fake with a fixed latency, so jobs last long enough, and each worker
 * process talks to it with an API key of its own, so the fake knows which process sent each
 * request and, from the tag in the brief, for which job. A victim is a worker with an LLM request
 * the fake has not answered yet: it is waiting in the middle of that job and cannot finish it
 * before the SIGKILL, which is sent in the same tick as the check (the fake answers from this
 * process's event loop). After the process is gone, Postgres must still show that job running.
 */
export async function workerKillScenario(o: WorkerKillOptions): Promise<void> {
  const llm = new FakeOpenAi({ apiKey: null, embeddingDim: 64 });
  await llm.start();
  llm.latency = { latencyMs: o.llmLatencyMs, jitterMs: 0 };
  const stack = await ChaosStack.start({
    env: { WORKER_CONCURRENCY: '2', LLM_PROVIDER: 'openai', LLM_BASE_URL: llm.baseUrl, LLM_MODEL: 'gpt-fake', LLM_API_KEY: 'sk-api' },
  }).catch(async (err: unknown) => {
    await llm.stop();
    throw err;
  });
  const keyOf = new Map<RunningProcess, string>();
  let started = 0;
  const startWorker = async () => {
    const key = `sk-worker-${started++}`;
    keyOf.set(await stack.startWorker({ LLM_API_KEY: key }), key);
  };
  try {
    await stack.startApi();
    for (let i = 0; i < o.workers; i++) await startWorker();
    const briefs = ['fitness creators for a protein bar', 'travel creators for luggage', 'food creators who cook vegan', 'pet creators with dogs'];
    // the tag in each brief travels in every LLM request of its job
    const tags = Array.from({ length: o.jobs }, (_, i) => `wk${i}x`);
    const submitted = await Promise.all(
      tags.map((tag, i) => stack.submit({ brief: `${briefs[i % briefs.length]!} (campaign ${tag})`, top_k: 10, candidate_limit: o.candidates })),
    );
    const ids = submitted.filter((id): id is string => id !== null);
    assert.equal(ids.length, o.jobs, 'every submission accepted');
    const jobOfTag = new Map(tags.map((tag, i) => [tag, submitted[i]!]));
    const jobOf = (r: FakeRequest) => jobOfTag.get(/\(campaign (wk\d+x)\)/.exec(r.text)?.[1] ?? '');
    const keyOfRequest = (r: FakeRequest) => String(r.headers.authorization ?? '').replace(/^Bearer /, '');

    const hits = new Map<string, number>();
    const finished = new Set<string>();
    const kills: Kill[] = [];
    for (let k = 0; k < o.kills; k++) {
      await new Promise((r) => setTimeout(r, o.intervalMs));
      const deadline = Date.now() + TARGET_TIMEOUT_MS;
      let victim: ReturnType<typeof pickVictim> = null;
      while (!victim && Date.now() < deadline) {
        const { rows } = await stack.pool.query<{ id: string }>(
          `select id from pipeline_jobs where id = any($1::text[]) and status in ('completed', 'failed', 'cancelled')`,
          [ids],
        );
        for (const r of rows) finished.add(r.id);
        if (finished.size === ids.length) break;
        victim = pickVictim();
        if (!victim) await new Promise((r) => setTimeout(r, 20));
      }
      if (!victim) break;
      // SIGKILL goes out in the same tick as the check: the victim has not been answered, so it cannot have moved on.
      await stack.killWorker(victim.index);
      for (const id of victim.held) hits.set(id, (hits.get(id) ?? 0) + 1);
      const { rows } = await stack.pool.query<{ status: string; seq: number }>(`select status, last_event_seq as seq from pipeline_jobs where id = $1`, [victim.jobId]);
      kills.push({ jobId: victim.jobId, hitRunning: rows[0]?.status === 'running' && rows[0].seq > 0 });
      await startWorker();
    }
    const openAfterKills = ids.length - finished.size;

    /**
     * A live worker waiting on an unanswered LLM request for an unfinished job, whose death cannot
     * stall any job a third time. The jobs it may hold: those whose latest request came from it, and
     * those whose holder died (a new holder may not have called the LLM yet).
     */
    function pickVictim(): { index: number; jobId: string; held: string[] } | null {
      const liveKeys = new Set(stack.workers.map((w) => keyOf.get(w)));
      const holder = new Map<string, string>();
      for (const r of llm.requests) {
        const id = jobOf(r);
        if (id) holder.set(id, keyOfRequest(r));
      }
      const open = [...holder].filter(([id]) => !finished.has(id));
      for (const r of llm.unanswered) {
        const key = keyOfRequest(r);
        const jobId = jobOf(r);
        if (!jobId || finished.has(jobId) || !liveKeys.has(key)) continue;
        const held = open.filter(([, h]) => h === key || !liveKeys.has(h)).map(([id]) => id);
        if (held.some((id) => (hits.get(id) ?? 0) >= MAX_KILLS_PER_JOB)) continue;
        return { index: stack.workers.findIndex((w) => keyOf.get(w) === key), jobId, held };
      }
      return null;
    }

    const left = await stack.waitTerminal(ids, 180_000);
    assert.deepEqual(left, [], `jobs never finished:\n${stack.logs()}`);
    const audit = await auditJobs(stack.pool, ids);
    assert.deepEqual(audit.problems, [], stack.logs());
    assert.equal(audit.completed, ids.length, `failed: ${audit.failures.join('\n')}`);

    const killedMidJob = kills.filter((k) => k.hitRunning);
    const { rows: resumed } = await stack.pool.query<{ id: string }>(
      `select distinct job_id as id from pipeline_job_events where job_id = any($1::text[]) and type = 'warning' and data->>'code' = 'resumed'`,
      [ids],
    );
    const resumedIds = new Set(resumed.map((r) => r.id));
    console.log(
      `worker-kill: ${kills.length}/${o.kills} kills, ${killedMidJob.length} hit a running job, ${resumedIds.size} jobs resumed, ` +
        `${llm.requests.length} LLM calls, ${audit.completed}/${ids.length} completed (${openAfterKills} were still open at the last kill)`,
    );
    assert.equal(kills.length, o.kills, 'every kill found a worker in the middle of a job (jobs outlast the kills)');
    assert.equal(killedMidJob.length, kills.length, `every kill hit a running job: ${JSON.stringify(kills)}`);
    const notResumed = killedMidJob.filter((k) => !resumedIds.has(k.jobId)).map((k) => k.jobId);
    assert.deepEqual(notResumed, [], 'every job a kill interrupted was resumed by another worker');
  } finally {
    await stack.close();
    await llm.stop();
  }
}
