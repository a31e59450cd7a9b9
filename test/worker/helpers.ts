import type { AppContext, Providers } from '../../src/app/context.js';
import type { JobEvent } from '../../src/repositories/events.repository.js';
import { waitFor as waitForValue } from '../helpers/wait.js';

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  return (await waitForValue(check, Boolean, { what, ms: timeoutMs, everyMs: 50 })) as T;
}

/**
 * Waits until the job has `status` and, for a terminal one, its terminal event too (the worker
 * writes the status first, then the event, so that a client told "completed" finds the results).
 */
export async function waitForStatus(ctx: AppContext, jobId: string, status: string, timeoutMs?: number) {
  return waitFor(`job ${jobId} to be ${status}`, async () => {
    const job = await ctx.repos.jobs.get(jobId);
    if (job?.status !== status) return null;
    if (!['completed', 'failed', 'cancelled'].includes(status)) return job;
    const [last] = await ctx.jobEvents.list(jobId, job.lastEventSeq - 1, 1);
    return last?.type === status ? job : null;
  }, timeoutMs);
}

/** The context with some providers swapped (the worker reads everything else from it unchanged). */
export function withProviders(ctx: AppContext, patch: Partial<Providers>, config?: Partial<AppContext['config']>): AppContext {
  return { ...ctx, config: { ...ctx.config, ...config }, providers: { ...ctx.providers, ...patch } };
}

export function countTypes(events: JobEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) out[e.type] = (out[e.type] ?? 0) + 1;
  return out;
}

export function assertSeq(events: JobEvent[]): void {
  events.forEach((e, i) => {
    if (e.seq !== i + 1) throw new Error(`event ${i} has seq ${e.seq}`);
  });
}
