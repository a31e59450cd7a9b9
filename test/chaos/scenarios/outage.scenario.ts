import assert from 'node:assert/strict';
import { ChaosStack } from '../helpers/chaos-stack.js';
import { auditJobs } from '../helpers/job-invariants.js';

export interface OutageOptions {
  /** which dependency goes away: our own redis-server or Postgres cluster, never the machine's */
  target: 'redis' | 'postgres';
  outages: number;
  outageMs: number;
  /** one new job every this many ms, from before the first outage until after the last */
  submitEveryMs: number;
  candidates: number;
}

interface Answer {
  at: number;
  status: number;
  retryAfter: string | null;
}

/**
 * A dependency restarted under load: jobs keep being submitted (each retried with its
 * Idempotency-Key, as a client should) while workers run, and Redis or Postgres is stopped and
 * started again. Nothing accepted is lost: every accepted job ends exactly once; the API answers
 * 503 with Retry-After (never a 500) while the dependency is down; API and worker recover by
 * themselves (no restart of our processes).
 */
export async function outageScenario(o: OutageOptions): Promise<void> {
  const stack = await ChaosStack.start({ dedicatedRedis: o.target === 'redis', dedicatedPostgres: o.target === 'postgres', env: { WORKER_CONCURRENCY: '2' } });
  try {
    await stack.startApi();
    await stack.startWorker();
    const answers: Answer[] = [];
    const outages: { from: number; to: number }[] = [];
    const pending: Promise<string | null>[] = [];
    let submitting = true;
    const loop = (async () => {
      let i = 0;
      while (submitting) {
        pending.push(
          stack.submit({ brief: `fitness creators for a protein bar, wave ${i++}`, top_k: 5, candidate_limit: o.candidates }, 60_000, (status, headers) =>
            answers.push({ at: Date.now(), status, retryAfter: headers.get('retry-after') }),
          ),
        );
        await new Promise((r) => setTimeout(r, o.submitEveryMs));
      }
    })();

    try {
      for (let k = 0; k < o.outages; k++) {
        await new Promise((r) => setTimeout(r, 2000));
        const from = Date.now();
        if (o.target === 'redis') await stack.redis!.down('SIGTERM');
        else await stack.postgres!.down('fast');
        // while it is down, a direct request must be refused cleanly, not hang or 500
        await new Promise((r) => setTimeout(r, o.outageMs / 2));
        const probe = await fetch(`${stack.base}/pipeline/start`, {
          method: 'POST',
          headers: { 'X-API-Key': stack.apiKey, 'Content-Type': 'application/json', 'Idempotency-Key': `probe-${k}` },
          body: JSON.stringify({ brief: 'probe while a dependency is down', min_fit_score: 0 }),
          signal: AbortSignal.timeout(15_000),
        }).catch((err: unknown) => {
          throw new Error(`the API did not answer while ${o.target} was down (${(err as Error).message}); API exit: ${stack.api!.child.exitCode}\n${stack.logs()}`);
        });
        const probeBody = (await probe.json()) as { job_id?: string };
        assert.equal(probe.status, 503, `while ${o.target} is down: ${JSON.stringify(probeBody)}`);
        assert.match(probe.headers.get('retry-after') ?? '', /^\d+$/);
        if (probeBody.job_id) pending.push(Promise.resolve(probeBody.job_id));
        await new Promise((r) => setTimeout(r, o.outageMs / 2));
        if (o.target === 'redis') await stack.redis!.up();
        else await stack.postgres!.up();
        outages.push({ from, to: Date.now() });
      }
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      // the load stops whatever happened, so a failed check never leaves the loop running
      submitting = false;
      await loop;
    }
    const ids = [...new Set((await Promise.all(pending)).filter((id): id is string => id !== null))];

    // recovered by itself: a new job is accepted at once and the health check is green again
    const after = await stack.submit({ brief: 'fitness creators after the outage', top_k: 5, candidate_limit: o.candidates }, 30_000);
    assert.ok(after, 'a job is accepted after the outage');
    ids.push(after);
    const health = await fetch(`${stack.base}/health`);
    assert.equal(health.status, 200);

    const left = await stack.waitTerminal(ids, 180_000);
    assert.deepEqual(left, [], `accepted jobs never finished:\n${stack.logs()}`);
    const audit = await auditJobs(stack.pool, ids);
    assert.deepEqual(audit.problems, [], stack.logs());
    assert.equal(audit.completed, ids.length, `not completed: ${audit.failures.join('\n')}`);

    const refused = answers.filter((a) => a.status === 503);
    console.log(
      `${o.target}-restart: ${o.outages} outages of ${o.outageMs} ms, ${answers.length} answers to POST /pipeline/start, ` +
        `${refused.length} × 503, ${audit.completed}/${ids.length} accepted jobs completed`,
    );
    assert.ok(answers.length > ids.length, 'load kept coming');
    const serverErrors = answers.filter((a) => a.status >= 500 && a.status !== 503);
    const unhandled = (stack.api!.output().split('\n').filter((l) => l.includes('unhandled error')).map((l) => l.slice(0, 600)));
    assert.deepEqual(serverErrors, [], `no 5xx other than 503:\n${unhandled.join('\n')}`);
    assert.ok(refused.every((a) => a.retryAfter !== null && /^\d+$/.test(a.retryAfter)), 'every 503 carries Retry-After');
    assert.equal(stack.api!.child.exitCode, null, 'the API process stayed up');
    assert.ok(stack.workers.every((w) => w.child.exitCode === null), 'the worker stayed up');
  } finally {
    await stack.close();
  }
}
