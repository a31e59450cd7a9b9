import type { Queryable } from '../db/pool.js';

/** Bounded deletes for the retention timer. Each call removes at most `batch` rows and says how many. */
export class RetentionRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Deletes up to `batch` jobs created more than `days` days ago (finished ones, or any that have not
   * moved for that long); events, artifacts and calls go with them (FK cascade). In the same
   * statement their counts and cost are added to `usage_daily`, so usage history survives.
   */
  async deleteOldJobs(days: number, batch: number): Promise<number> {
    const { rowCount } = await this.db.query(
      `with doomed as (
         select id, api_key_id, status, created_at from pipeline_jobs
         where created_at < now() - make_interval(days => $1::int)
           and (status in ('completed', 'failed', 'cancelled') or updated_at < now() - make_interval(days => $1::int))
         order by created_at
         limit $2
         for update skip locked
       ), costed as (
         select d.*, coalesce((select sum(c.cost_usd) from external_calls c where c.job_id = d.id), 0) as cost
         from doomed d
       ), rolled as (
         insert into usage_daily as u (day, api_key_id, jobs, completed, failed, cancelled, cost_usd)
         select (created_at at time zone 'utc')::date, api_key_id, count(*),
           count(*) filter (where status = 'completed'), count(*) filter (where status = 'failed'),
           count(*) filter (where status = 'cancelled'), sum(cost)
         from costed group by 1, 2
         on conflict (day, api_key_id) do update set
           jobs = u.jobs + excluded.jobs, completed = u.completed + excluded.completed,
           failed = u.failed + excluded.failed, cancelled = u.cancelled + excluded.cancelled,
           cost_usd = u.cost_usd + excluded.cost_usd
       )
       delete from pipeline_jobs p using doomed d where p.id = d.id`,
      [days, batch],
    );
    return rowCount ?? 0;
  }

  /** Ledger rows that belong to no job (e.g. imports, searches) age out on the same schedule. */
  async deleteOldUnattributedCalls(days: number, batch: number): Promise<number> {
    const { rowCount } = await this.db.query(
      `delete from external_calls where id in (
         select id from external_calls
         where job_id is null and created_at < now() - make_interval(days => $1::int)
         order by id limit $2)`,
      [days, batch],
    );
    return rowCount ?? 0;
  }

  /**
   * Daily start counters of past UTC days: the quota reads only today's row, and a job's usage
   * history lives in pipeline_jobs and usage_daily, so yesterday's row (kept for a start racing
   * midnight) and older ones only take space.
   */
  async deleteOldDailyStarts(batch: number): Promise<number> {
    const { rowCount } = await this.db.query(
      `delete from api_key_daily_starts where (api_key_id, day) in (
         select api_key_id, day from api_key_daily_starts
         where day < (now() at time zone 'utc')::date - 1
         order by day limit $1)`,
      [batch],
    );
    return rowCount ?? 0;
  }
}
