import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { AppContext } from '../app/app-context.js';
import { jobStatuses } from '../domain/job.js';
import { brightDataRateGuard } from '../providers/profiles/brightdata/rate-guard.js';
import { readHeartbeats } from '../worker/heartbeat.js';

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'paused', 'failed', 'completed'] as const;

/**
 * Shared state read at scrape time: jobs by status from Postgres and queue depth from BullMQ.
 * These are the same whichever API process answers, so they live on the API's registry only.
 * A source that cannot be read keeps its last values and counts a collection error.
 */
export function attachStateMetrics(ctx: Pick<AppContext, 'repos' | 'queue' | 'logger' | 'redis' | 'config'>, registry: Registry): void {
  const stats = ctx.repos.adminStats;
  const errors = new Counter({
    name: 'scout_metrics_collect_errors_total',
    help: 'Scrape-time collections that failed, by source (postgres, queue, redis)',
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
  // Worker heartbeats (src/worker/heartbeat.ts): read here so "no worker" is visible with none left to scrape.
  // Two gauges show them; a scrape collects both at once, so they share one read.
  let reading: ReturnType<typeof readHeartbeats> | null = null;
  const heartbeats = () =>
    (reading ??= readHeartbeats(ctx.redis, ctx.config.redis.prefix).finally(() => {
      reading = null;
    }));
  new Gauge({
    name: 'scout_workers_alive',
    help: 'Workers whose heartbeat reached Redis in the last 30 s',
    registers: [registry],
    async collect() {
      try {
        this.set((await heartbeats()).alive);
      } catch (err) {
        errors.inc({ source: 'redis' });
        ctx.logger.warn({ err }, 'metrics: worker heartbeats could not be read');
      }
    },
  });
  new Gauge({
    name: 'scout_worker_heartbeat_age_seconds',
    help: 'Seconds since the latest heartbeat of any worker (absent until a worker has ever beaten)',
    registers: [registry],
    async collect() {
      const { latestAgeSeconds } = await heartbeats().catch(() => ({ latestAgeSeconds: null }));
      if (latestAgeSeconds === null) this.reset();
      else this.set(latestAgeSeconds);
    },
  });
  // The BrightData 429 guard's shared window (rate-guard.ts): closed when the count reaches the limit.
  const guard = brightDataRateGuard(ctx.redis, ctx.config);
  new Gauge({
    name: 'scout_brightdata_429_window',
    help: 'BrightData 429 answers in the guard\'s 5-minute window (all processes); sending stops at scout_brightdata_429_limit',
    registers: [registry],
    async collect() {
      try {
        this.set(await guard.count());
      } catch (err) {
        errors.inc({ source: 'redis' });
        ctx.logger.warn({ err }, 'metrics: the BrightData 429 window could not be read');
      }
    },
  });
  new Gauge({
    name: 'scout_brightdata_429_limit',
    help: 'BRIGHTDATA_MAX_429_PER_5MIN: the 429 count at which the guard stops sending',
    registers: [registry],
  }).set(ctx.config.profiles.brightdata.max429Per5Min);
}
