import type { Queryable } from '../db/pool.js';
import type { JobStatus } from '../domain/job.js';

export interface WindowSummary {
  jobs: number;
  completed: number;
  failed: number;
  cancelled: number;
  active: number;
  /** run time (started → finished) of completed jobs, milliseconds; null when there are none */
  p50Ms: number | null;
  p95Ms: number | null;
  /** every ledger row in the window, including calls that belong to no job */
  costUsd: number;
  /** the part of costUsd that belongs to no job: import-time embeddings, CLI runs */
  noJobCostUsd: number;
}

export interface NoJobUsageRow {
  day: string;
  calls: number;
  costUsd: number;
}

export interface SeriesPoint {
  start: Date;
  completed: number;
  failed: number;
  other: number;
  costUsd: number;
}

export interface UsageRow {
  day: string;
  apiKeyId: string;
  keyName: string;
  jobs: number;
  completed: number;
  failed: number;
  cancelled: number;
  costUsd: number;
}

export interface KeyActivity {
  apiKeyId: string;
  jobs24h: number;
  jobs30d: number;
  cost30dUsd: number;
}

export const USAGE_ROWS_MAX = 5000;

/** Aggregates behind the admin dashboard and the metrics scrape. SQL only, all parameterised. */
export class AdminStatsRepository {
  constructor(private readonly db: Queryable) {}

  async summary(since: Date, until: Date): Promise<WindowSummary> {
    const { rows } = await this.db.query<WindowSummary>(
      `select s.*,
         (select coalesce(sum(cost_usd), 0)::float8 from external_calls where created_at >= $1 and created_at < $2) as "costUsd",
         (select coalesce(sum(cost_usd), 0)::float8 from external_calls where created_at >= $1 and created_at < $2 and job_id is null) as "noJobCostUsd"
       from (
         select count(*)::int as jobs,
           count(*) filter (where status = 'completed')::int as completed,
           count(*) filter (where status = 'failed')::int as failed,
           count(*) filter (where status = 'cancelled')::int as cancelled,
           count(*) filter (where status in ('pending', 'running'))::int as active,
           percentile_cont(0.5) within group (order by extract(epoch from finished_at - started_at) * 1000)
             filter (where status = 'completed' and started_at is not null) as "p50Ms",
           percentile_cont(0.95) within group (order by extract(epoch from finished_at - started_at) * 1000)
             filter (where status = 'completed' and started_at is not null) as "p95Ms"
         from pipeline_jobs where created_at >= $1 and created_at < $2
       ) s`,
      [since, until],
    );
    return rows[0]!;
  }

  /** Jobs (by outcome) and cost per bucket of `bucketSeconds`, UTC-aligned, empty buckets included. */
  async series(since: Date, until: Date, bucketSeconds: number): Promise<SeriesPoint[]> {
    const { rows } = await this.db.query<SeriesPoint>(
      `with params as (select make_interval(secs => $3::double precision) as step),
       buckets as (
         select generate_series(date_bin(p.step, $1::timestamptz, 'epoch'::timestamptz), $2::timestamptz - interval '1 microsecond', p.step) as start
         from params p
       ), jobs as (
         select date_bin(p.step, j.created_at, 'epoch'::timestamptz) as start,
           count(*) filter (where j.status = 'completed')::int as completed,
           count(*) filter (where j.status = 'failed')::int as failed,
           count(*) filter (where j.status not in ('completed', 'failed'))::int as other
         from pipeline_jobs j, params p where j.created_at >= $1 and j.created_at < $2 group by 1
       ), calls as (
         select date_bin(p.step, c.created_at, 'epoch'::timestamptz) as start, sum(c.cost_usd)::float8 as cost
         from external_calls c, params p where c.created_at >= $1 and c.created_at < $2 group by 1
       )
       select b.start, coalesce(j.completed, 0) as completed, coalesce(j.failed, 0) as failed,
         coalesce(j.other, 0) as other, coalesce(c.cost, 0) as "costUsd"
       from buckets b left join jobs j using (start) left join calls c using (start)
       order by b.start`,
      [since, until, bucketSeconds],
    );
    return rows;
  }

  /**
   * Jobs and cost per UTC day and key between two days (inclusive): live jobs aggregated here, plus
   * the `usage_daily` rows that retention rolled up when it deleted older jobs.
   */
  async usage(fromDay: string, toDay: string, apiKeyId: string | null): Promise<UsageRow[]> {
    const { rows } = await this.db.query<UsageRow>(
      `with live as (
         select (j.created_at at time zone 'utc')::date as day, j.api_key_id, count(*)::int as jobs,
           count(*) filter (where j.status = 'completed')::int as completed,
           count(*) filter (where j.status = 'failed')::int as failed,
           count(*) filter (where j.status = 'cancelled')::int as cancelled,
           coalesce(sum(c.cost), 0) as cost
         from pipeline_jobs j
         left join lateral (select sum(cost_usd) as cost from external_calls where job_id = j.id) c on true
         where j.created_at >= ($1::date)::timestamp at time zone 'utc'
           and j.created_at < ($2::date + 1)::timestamp at time zone 'utc'
           and ($3::text is null or j.api_key_id = $3)
         group by 1, 2
       ), archived as (
         select day, api_key_id, jobs, completed, failed, cancelled, cost_usd as cost from usage_daily
         where day between $1::date and $2::date and ($3::text is null or api_key_id = $3)
       )
       select to_char(u.day, 'YYYY-MM-DD') as day, u.api_key_id as "apiKeyId", k.name as "keyName",
         sum(u.jobs)::int as jobs, sum(u.completed)::int as completed, sum(u.failed)::int as failed,
         sum(u.cancelled)::int as cancelled, sum(u.cost)::float8 as "costUsd"
       from (select * from live union all select * from archived) u
       join api_keys k on k.id = u.api_key_id
       group by u.day, u.api_key_id, k.name
       order by u.day desc, k.name, u.api_key_id
       limit $4`,
      [fromDay, toDay, apiKeyId, USAGE_ROWS_MAX],
    );
    return rows;
  }

  /** Ledger rows that belong to no job (import-time embeddings, CLI runs) per UTC day, inclusive. */
  async noJobUsage(fromDay: string, toDay: string): Promise<NoJobUsageRow[]> {
    const { rows } = await this.db.query<NoJobUsageRow>(
      `select to_char((created_at at time zone 'utc')::date, 'YYYY-MM-DD') as day, count(*)::int as calls,
         coalesce(sum(cost_usd), 0)::float8 as "costUsd"
       from external_calls
       where job_id is null
         and created_at >= ($1::date)::timestamp at time zone 'utc'
         and created_at < ($2::date + 1)::timestamp at time zone 'utc'
       group by 1 order by 1 desc`,
      [fromDay, toDay],
    );
    return rows;
  }

  /** Recent activity per key for the keys page. */
  async keyActivity(): Promise<KeyActivity[]> {
    const { rows } = await this.db.query<KeyActivity>(
      `select j.api_key_id as "apiKeyId",
         count(*) filter (where j.created_at >= now() - interval '24 hours')::int as "jobs24h",
         count(*)::int as "jobs30d",
         coalesce(sum(c.cost), 0)::float8 as "cost30dUsd"
       from pipeline_jobs j
       left join lateral (select sum(cost_usd) as cost from external_calls where job_id = j.id) c on true
       where j.created_at >= now() - interval '30 days'
       group by j.api_key_id`,
    );
    return rows;
  }

  /** Every status with its count (zeros included), for the jobs-by-status gauge. */
  async jobsByStatus(): Promise<Record<JobStatus, number>> {
    const { rows } = await this.db.query<{ status: JobStatus; n: number }>(
      `select s.status, count(j.id)::int as n
       from unnest(array['pending', 'running', 'completed', 'failed', 'cancelled']) as s(status)
       left join pipeline_jobs j on j.status = s.status
       group by s.status`,
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<JobStatus, number>;
  }
}
