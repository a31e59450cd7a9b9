import type { AppContext } from '../app/app-context.js';
import { ADVISORY_LOCKS } from '../db/locks.js';
import { withTimeout } from '../domain/timeout.js';
import { forEachConcurrent } from '../domain/concurrency.js';

/** Session-level advisory lock held while a sweep runs, so several workers do not sweep at once. */
export const SWEEPER_LOCK_ID = ADVISORY_LOCKS.sweeper;
/** A job younger than this may still be on its way into the queue (the API inserts, then enqueues). */
export const SWEEP_MIN_AGE_MS = 5_000;
const PAGE_SIZE = 200;
const MAX_PAGES = 25;
const STATE_CONCURRENCY = 16;
/** Redis calls that take longer than this fail the sweep (it runs again next interval) instead of hanging it. */
const REDIS_TIMEOUT_MS = 5_000;

export type SweeperDeps = Pick<AppContext, 'pool' | 'repos' | 'queue' | 'logger'>;

export interface SweepResult {
  /** false when another process held the lock */
  ran: boolean;
  checked: number;
  /** pending jobs that were not in the queue at all, now enqueued */
  enqueued: number;
  /** pending jobs whose queue entry had failed or completed without running them, now retried */
  retried: number;
}

/**
 * One sweep: pending jobs older than `minAgeMs` whose queue entry is missing (Redis failed after the
 * job row was written, or lost data) are enqueued again; entries that ended without moving the job
 * out of `pending` are retried. BullMQ job id = our job id, so a job already queued is never doubled.
 */
export async function sweepPendingJobs(deps: SweeperDeps, opts: { minAgeMs?: number } = {}): Promise<SweepResult> {
  const result: SweepResult = { ran: false, checked: 0, enqueued: 0, retried: 0 };
  const client = await deps.pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [SWEEPER_LOCK_ID]);
    if (!rows[0]?.locked) return result;
    result.ran = true;
    try {
      let after: string | null = null;
      for (let page = 0; page < MAX_PAGES; page++) {
        const ids = await deps.repos.jobs.listStalePending(opts.minAgeMs ?? SWEEP_MIN_AGE_MS, PAGE_SIZE, after);
        // the page's jobs missing from the queue go back in one addBulk (one round trip), not one add each
        const missing: string[] = [];
        await forEachConcurrent(ids, STATE_CONCURRENCY, async (id) => {
          const outcome = await withTimeout(requeue(deps, id), REDIS_TIMEOUT_MS, `re-enqueueing ${id}`);
          result.checked++;
          if (outcome === 'missing') missing.push(id);
          if (outcome === 'retried') result.retried++;
        });
        if (missing.length > 0) {
          await withTimeout(deps.queue.enqueueMany(missing), REDIS_TIMEOUT_MS, `re-enqueueing ${missing.length} jobs`);
          result.enqueued += missing.length;
          for (const id of missing) deps.logger.warn({ job_id: id }, 'pending job was not in the queue; enqueued again');
        }
        if (ids.length < PAGE_SIZE) break;
        after = ids[ids.length - 1]!;
      }
    } finally {
      await client.query('select pg_advisory_unlock($1)', [SWEEPER_LOCK_ID]);
    }
    return result;
  } finally {
    client.release();
  }
}

/** Retries a job whose queue entry failed or completed; 'missing' = not in the queue (the caller enqueues those together). */
async function requeue(deps: SweeperDeps, id: string): Promise<'missing' | 'retried' | 'queued'> {
  const queue = deps.queue.queue;
  const state = await queue.getJobState(id);
  switch (state) {
    case 'unknown':
      return 'missing';
    case 'failed': {
      await (await queue.getJob(id))?.retry('failed');
      deps.logger.warn({ job_id: id }, 'pending job had failed in the queue before it ran; retried');
      return 'retried';
    }
    case 'completed':
      await queue.remove(id);
      await deps.queue.enqueue(id);
      deps.logger.warn({ job_id: id }, 'pending job had completed in the queue without running; enqueued again');
      return 'retried';
    default:
      return 'queued';
  }
}

/**
 * Sweeps shortly after start and then every SWEEP_INTERVAL_MS. Sweeps never overlap within a
 * process (the next is scheduled when the last ends) nor across processes (the lock). `close()`
 * stops scheduling and waits for a running sweep.
 */
export function startSweeper(
  deps: SweeperDeps,
  opts: { intervalMs: number; minAgeMs?: number; firstDelayMs?: number },
): { close(): Promise<void>; sweepNow(): Promise<SweepResult> } {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<SweepResult> | null = null;

  const sweep = (): Promise<SweepResult> => {
    running ??= sweepPendingJobs(deps, { minAgeMs: opts.minAgeMs })
      .then((r) => {
        if (r.enqueued + r.retried > 0) deps.logger.info(r, 'sweeper re-enqueued pending jobs');
        return r;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      sweep()
        .catch((err: unknown) => deps.logger.warn({ err }, 'sweep failed; retrying at the next interval'))
        .finally(() => schedule(opts.intervalMs));
    }, delay);
    timer.unref();
  };
  schedule(opts.firstDelayMs ?? Math.min(opts.intervalMs, 1_000 + Math.floor(Math.random() * 2_000)));

  return {
    sweepNow: sweep,
    async close() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running?.catch(() => {});
    },
  };
}
