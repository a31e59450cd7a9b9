import type { Queryable } from '../db/pool.js';
import type { EventType } from '../domain/job.js';
import { finishJobParams, finishJobSql } from './jobs.repository.js';
import type { FinishFields, FinishStatus } from './jobs.repository.js';

export interface JobEvent {
  seq: number;
  type: EventType;
  data: Record<string, unknown>;
  createdAt: Date;
}

export const EVENTS_PAGE_MAX = 1000;

export class EventsRepository {
  constructor(private readonly db: Queryable) {}

  /** Appends one event with the job's next sequence number (the job row's counter serialises writers). */
  async append(jobId: string, type: EventType, data: Record<string, unknown> = {}): Promise<JobEvent> {
    const { rows } = await this.db.query<JobEvent>(
      `with s as (update pipeline_jobs set last_event_seq = last_event_seq + 1 where id = $1 returning last_event_seq)
       insert into pipeline_job_events (job_id, seq, type, data)
       select $1, last_event_seq, $2, $3::jsonb from s
       returning seq, type, data, created_at as "createdAt"`,
      [jobId, type, JSON.stringify(data)],
    );
    if (!rows[0]) throw new Error(`cannot append event to unknown job ${jobId}`);
    return rows[0];
  }

  /**
   * Moves a pending or running job to its terminal status and appends the terminal event in one
   * statement, so no crash can leave a finished job without its event (or the reverse). Returns
   * null when the job had already finished (someone else moved it; nothing is written).
   */
  async appendTerminal(jobId: string, status: FinishStatus, job: FinishFields, data: Record<string, unknown>): Promise<JobEvent | null> {
    const { rows } = await this.db.query<JobEvent>(
      `with s as (${finishJobSql(', last_event_seq = last_event_seq + 1')} returning last_event_seq)
       insert into pipeline_job_events (job_id, seq, type, data)
       select $1, last_event_seq, $2, $5::jsonb from s
       returning seq, type, data, created_at as "createdAt"`,
      [...finishJobParams(jobId, status, job), JSON.stringify(data)],
    );
    return rows[0] ?? null;
  }

  /** Events with seq > after, oldest first, at most `limit` (capped). */
  async list(jobId: string, after = 0, limit = 100): Promise<JobEvent[]> {
    const { rows } = await this.db.query<JobEvent>(
      `select seq, type, data, created_at as "createdAt" from pipeline_job_events
       where job_id = $1 and seq > $2 order by seq limit $3`,
      [jobId, after, Math.min(Math.max(limit, 1), EVENTS_PAGE_MAX)],
    );
    return rows;
  }
}
