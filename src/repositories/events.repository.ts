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

/** An event to append in a batch: the job it belongs to, its type and its data as JSON text. */
export interface NewEvent {
  jobId: string;
  type: EventType;
  json: string;
}

/** What appending to a job that does not exist throws, from `append` and for each such event of `appendMany`. */
export const unknownJobError = (jobId: string) => new Error(`cannot append event to unknown job ${jobId}`);

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
    if (!rows[0]) throw unknownJobError(jobId);
    return rows[0];
  }

  /**
   * Appends many events, of any jobs, in one statement (one commit): each job's events get its next
   * sequence numbers in the order given. Result i is event i as written, or null when its job does
   * not exist (the others are written all the same). The job rows are locked in id order before
   * their counters move, so two such statements (of two processes) never deadlock on each other.
   */
  async appendMany(events: NewEvent[]): Promise<(JobEvent | null)[]> {
    const { rows } = await this.db.query<JobEvent & { i: number }>(
      `with c as (
         select * from unnest($1::text[], $2::text[], $3::text[]) with ordinality as c (job_id, type, data, i)
       ), locked as materialized (
         select id from pipeline_jobs where id in (select job_id from c) order by id for update
       ), s as (
         update pipeline_jobs j set last_event_seq = j.last_event_seq + n.k
         from (select job_id, count(*)::int as k from c group by job_id) n, locked l
         where j.id = n.job_id and l.id = n.job_id
         returning j.id, j.last_event_seq - n.k as base
       ), e as (
         select c.i, c.job_id, s.base + row_number() over (partition by c.job_id order by c.i) as seq, c.type, c.data
         from c join s on s.id = c.job_id
       ), w as (
         insert into pipeline_job_events (job_id, seq, type, data)
         select job_id, seq, type, data::jsonb from e
         returning job_id, seq, type, data, created_at
       )
       select e.i, w.seq, w.type, w.data, w.created_at as "createdAt" from w join e on e.job_id = w.job_id and e.seq = w.seq`,
      [events.map((e) => e.jobId), events.map((e) => e.type), events.map((e) => e.json)],
    );
    const out: (JobEvent | null)[] = events.map(() => null);
    for (const { i, ...event } of rows) out[i - 1] = event;
    return out;
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
