import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { AppContext } from '../app/app-context.js';
import { jobStatuses } from '../domain/job.js';

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'paused', 'failed', 'completed'] as const;

/**
 * Shared state read at scrape time: jobs by status from Postgres and queue depth from BullMQ.
 * These are the same whichever API process answers, so they live on the API's registry only.
 * A source that cannot be read keeps its last values and counts a collection error.
 */
export function attachStateMetrics(ctx: Pick<AppContext, 'repos' | 'queue' | 'logger'>, registry: Registry): void {
  const stats = ctx.repos.adminStats;
  const errors = new Counter({
    name: 'scout_metrics_collect_errors_total',
    help: 'Scrape-time collections that failed, by source (postgres, queue)',
    labelNames: ['source'],
    registers: [registry],
  });
  new Gauge({
    name: 'scout_jobs',
    help: 'Pipeline jobs in Postgres by status (includes jobs not yet removed by retention)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      try {
        const counts = await stats.jobsByStatus();
        for (const s of jobStatuses) this.set({ status: s }, counts[s] ?? 0);
      } catch (err) {
        errors.inc({ source: 'postgres' });
        ctx.logger.warn({ err }, 'metrics: jobs by status could not be read');
      }
    },
  });
  new Gauge({
    name: 'scout_queue_jobs',
    help: 'BullMQ pipeline queue entries by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      try {
        const counts = await ctx.queue.counts();
        for (const s of QUEUE_STATES) this.set({ state: s }, counts[s] ?? 0);
      } catch (err) {
        errors.inc({ source: 'queue' });
        ctx.logger.warn({ err }, 'metrics: queue counts could not be read');
      }
    },
  });
}
