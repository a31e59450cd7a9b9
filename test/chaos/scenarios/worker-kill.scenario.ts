import assert from 'node:assert/strict';
import { seededRandom } from '../../fakes/fake-http-server.js';
import { ChaosStack } from '../helpers/chaos-stack.js';
import { auditJobs } from '../helpers/job-invariants.js';

export interface WorkerKillOptions {
  jobs: number;
  kills: number;
  intervalMs: number;
  workers: number;
  candidates: number;
}

/**
 * kill -9 of a worker process in the middle of jobs, again and again (a fresh worker replaces each
 * one): every accepted job ends exactly once with one final result, events ordered without gaps
 * or duplicate sequence numbers.
 */
export async function workerKillScenario(o: WorkerKillOptions): Promise<void> {
  const stack = await ChaosStack.start({ env: { WORKER_CONCURRENCY: '2' } });
  try {
    await stack.startApi();
    for (let i = 0; i < o.workers; i++) await stack.startWorker();
    const briefs = ['fitness creators for a protein bar', 'travel creators for luggage', 'food creators who cook vegan', 'pet creators with dogs'];
    const ids = (
      await Promise.all(Array.from({ length: o.jobs }, (_, i) => stack.submit({ brief: briefs[i % briefs.length]!, top_k: 10, candidate_limit: o.candidates })))
    ).filter((id): id is string => id !== null);
    assert.equal(ids.length, o.jobs, 'every submission accepted');

    const random = seededRandom(42);
    let killedMidJob = 0;
    for (let k = 0; k < o.kills; k++) {
      await new Promise((r) => setTimeout(r, o.intervalMs));
      const { rows } = await stack.pool.query<{ n: number }>(`select count(*)::int as n from pipeline_jobs where status = 'running'`);
      if (rows[0]!.n > 0) killedMidJob++;
      await stack.killWorker(Math.floor(random() * stack.workers.length));
      await stack.startWorker();
    }
    const left = await stack.waitTerminal(ids, 180_000);
    assert.deepEqual(left, [], `jobs never finished:\n${stack.logs()}`);
    const audit = await auditJobs(stack.pool, ids);
    assert.deepEqual(audit.problems, [], stack.logs());
    assert.ok(killedMidJob > 0, 'at least one kill hit a running job');
    assert.equal(audit.completed, ids.length, `failed: ${audit.failures.join('\n')}`);
    const { rows: resumed } = await stack.pool.query<{ n: number }>(
      `select count(distinct job_id)::int as n from pipeline_job_events where job_id = any($1::text[]) and type = 'warning' and data->>'code' = 'resumed'`,
      [ids],
    );
    assert.ok(resumed[0]!.n > 0, 'some jobs were resumed after a kill');
  } finally {
    await stack.close();
  }
}
