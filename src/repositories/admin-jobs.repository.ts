import type { Queryable } from '../db/pool.js';
import type { JobStatus, Stage } from '../domain/job.js';

export interface AdminJobListItem {
  id: string;
  apiKeyId: string;
  keyName: string;
  status: JobStatus;
  stage: Stage | null;
  progress: number;
  /** the brief, cut to 200 characters */
  brief: string;
  errorCode: string | null;
  costUsd: number;
  attempts: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** position in the listing (created_at in microseconds since the epoch); exact, for keyset paging */
  cursorUs: number;
}

export interface AdminJobFilter {
  status?: JobStatus;
  apiKeyId?: string;
  createdFrom?: Date;
  createdBefore?: Date;
  /** only jobs strictly after this position in newest-first order */
  after?: { createdUs: number; id: string };
}

export const ADMIN_PAGE_MAX = 200;

/** Job queries and writes that only operators make (they see every key's jobs). */
export class AdminJobsRepository {
  constructor(private readonly db: Queryable) {}

  /** Newest first; asks for `limit` rows (the caller passes page size + 1 to learn if there is more). */
  async list(filter: AdminJobFilter, limit: number): Promise<AdminJobListItem[]> {
    const { rows } = await this.db.query<AdminJobListItem>(
      `select j.id, j.api_key_id as "apiKeyId", k.name as "keyName", j.status, j.stage, j.progress,
         left(j.params->>'brief', 200) as brief, j.error->>'code' as "errorCode",
         coalesce((j.meta->>'cost_usd')::float8, 0) as "costUsd", j.attempts,
         j.created_at as "createdAt", j.started_at as "startedAt", j.finished_at as "finishedAt",
         (extract(epoch from j.created_at - 'epoch'::timestamptz) * 1000000)::bigint as "cursorUs"
       from pipeline_jobs j join api_keys k on k.id = j.api_key_id
       where ($1::text is null or j.status = $1)
         and ($2::text is null or j.api_key_id = $2)
         and ($3::timestamptz is null or j.created_at >= $3)
         and ($4::timestamptz is null or j.created_at < $4)
         and ($5::bigint is null or (j.created_at, j.id) < ('epoch'::timestamptz + $5::bigint * interval '1 microsecond', $6::text))
       order by j.created_at desc, j.id desc
       limit $7`,
      [
        filter.status ?? null,
        filter.apiKeyId ?? null,
        filter.createdFrom ?? null,
        filter.createdBefore ?? null,
        filter.after?.createdUs ?? null,
        filter.after?.id ?? null,
        Math.min(Math.max(limit, 1), ADMIN_PAGE_MAX + 1),
      ],
    );
    return rows;
  }

  /**
   * failed → pending so the job can run again: error, stage and progress are cleared; the cost and
   * attempt counters are kept (the money was spent). Returns false unless the job was failed.
   */
  async resetFailed(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `update pipeline_jobs set status = 'pending', error = null, stage = null, progress = 0,
         cancel_requested = false, finished_at = null, updated_at = now()
       where id = $1 and status = 'failed'`,
      [id],
    );
    return rowCount === 1;
  }

  /** Status of each of these jobs that exists (for the queue page's failed entries). */
  async statuses(ids: string[]): Promise<Map<string, JobStatus>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.db.query<{ id: string; status: JobStatus }>(
      'select id, status from pipeline_jobs where id = any($1::text[])',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.status]));
  }

  async keyName(apiKeyId: string): Promise<string | null> {
    const { rows } = await this.db.query<{ name: string }>('select name from api_keys where id = $1', [apiKeyId]);
    return rows[0]?.name ?? null;
  }
}
