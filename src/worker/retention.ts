import type { AppContext } from '../app/app-context.js';
import { ADVISORY_LOCKS } from '../db/locks.js';
import { AdminSessionsRepository } from '../repositories/admin-sessions.repository.js';
import { BrightDataCacheRepository } from '../repositories/brightdata-cache.repository.js';
import { RetentionRepository } from '../repositories/retention.repository.js';

/** Session-level advisory lock held while a retention pass runs, so one worker does it at a time. */
export const RETENTION_LOCK_ID = ADVISORY_LOCKS.retention;
/** A runaway guard: one pass stops after this many batches per table and picks up on the next tick. */
const MAX_BATCHES_PER_PASS = 1000;

export interface RetentionResult {
  /** false when another process held the lock, so this one did nothing */
  ran: boolean;
  jobs: number;
  cache: number;
  calls: number;
  sessions: number;
  /** daily start counters of past days */
  dailyStarts: number;
}

type RetentionDeps = Pick<AppContext, 'pool' | 'config'>;

/**
 * One retention pass: expired BrightData cache rows, jobs older than RETENTION_DAYS (with their
 * events, artifacts and calls), unattributed ledger rows of the same age, expired admin
 * sessions and the daily start counters of past days — each in batches of RETENTION_BATCH_SIZE rows, so no statement holds locks for long.
 */
export async function runRetention(deps: RetentionDeps, opts: { signal?: AbortSignal } = {}): Promise<RetentionResult> {
  const result: RetentionResult = { ran: false, jobs: 0, cache: 0, calls: 0, sessions: 0, dailyStarts: 0 };
  const client = await deps.pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [RETENTION_LOCK_ID]);
    if (!rows[0]?.locked) return result;
    result.ran = true;
    try {
      const { retentionDays: days, retentionBatchSize: batch } = deps.config.worker;
      const retention = new RetentionRepository(client);
      const cache = new BrightDataCacheRepository(client);
      const sessions = new AdminSessionsRepository(client);
      const drain = async (step: () => Promise<number>): Promise<number> => {
        let total = 0;
        for (let i = 0; i < MAX_BATCHES_PER_PASS && !opts.signal?.aborted; i++) {
          const n = await step();
          total += n;
          if (n < batch) break;
        }
        return total;
      };
      result.cache = await drain(() => cache.deleteExpired(batch));
      result.jobs = await drain(() => retention.deleteOldJobs(days, batch));
      result.calls = await drain(() => retention.deleteOldUnattributedCalls(days, batch));
      result.sessions = await drain(() => sessions.deleteExpired(deps.config.admin.sessionIdleMs, batch));
      result.dailyStarts = await drain(() => retention.deleteOldDailyStarts(batch));
    } finally {
      await client.query('select pg_advisory_unlock($1)', [RETENTION_LOCK_ID]);
    }
    return result;
  } finally {
    client.release();
  }
}

/** Calls `fn` once after `ms` and returns what cancels it; tests pass one they drive by hand. */
export type Wait = (ms: number, fn: () => void) => () => void;

const unrefTimeout: Wait = (ms, fn) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/**
 * Runs retention shortly after start and then every RETENTION_INTERVAL_MS. Passes never overlap
 * within a process (the next one is scheduled when the last ends) nor across processes (the lock).
 * `close()` stops scheduling, asks a running pass to stop after its current batch and waits for it.
 */
export function startRetentionTimer(ctx: Pick<AppContext, 'pool' | 'config' | 'logger'>, wait: Wait = unrefTimeout): { close(): Promise<void> } {
  const interval = ctx.config.worker.retentionIntervalMs;
  const abort = new AbortController();
  let cancel: (() => void) | null = null;
  let running: Promise<void> | null = null;

  const schedule = (delay: number) => {
    if (abort.signal.aborted) return;
    cancel = wait(delay, tick);
  };
  const tick = () => {
    cancel = null;
    if (abort.signal.aborted) return; // a wait that fired as close() ran
    const started = performance.now();
    running = runRetention(ctx, { signal: abort.signal })
      .then((r) => {
        const deleted = r.jobs + r.cache + r.calls + r.sessions;
        if (r.ran && deleted > 0) {
          ctx.logger.info({ ...r, durationMs: Math.round(performance.now() - started) }, 'retention pass deleted old data');
        }
      })
      .catch((err: unknown) => ctx.logger.warn({ err }, 'retention pass failed; retrying at the next interval'))
      .finally(() => {
        running = null;
        schedule(interval);
      });
  };

  // Spread first runs so a fleet of workers restarting together does not queue on the lock.
  schedule(Math.min(interval, 5_000 + Math.floor(Math.random() * 5_000)));
  return {
    async close() {
      abort.abort();
      cancel?.();
      cancel = null;
      await running;
    },
  };
}
