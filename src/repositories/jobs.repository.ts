import { RELAXED_COMMIT_CTE } from '../db/pool.js';
import type { Pool, Queryable } from '../db/pool.js';
import type { JobMeta, JobParams, JobStatus, Stage } from '../domain/job.js';

export interface JobRow {
  id: string;
  apiKeyId: string;
  status: JobStatus;
  stage: Stage | null;
  progress: number;
  params: JobParams;
  meta: JobMeta;
  error: { code: string; message: string } | null;
  cancelRequested: boolean;
  idempotencyKey: string | null;
  requestHash: string | null;
  webhookUrl: string | null;
  lastEventSeq: number;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const columns = `id, api_key_id as "apiKeyId", status, stage, progress, params, meta, error,
  cancel_requested as "cancelRequested", idempotency_key as "idempotencyKey", request_hash as "requestHash",
  webhook_url as "webhookUrl", last_event_seq as "lastEventSeq", attempts, created_at as "createdAt",
  updated_at as "updatedAt", started_at as "startedAt", finished_at as "finishedAt"`;

export interface NewJob {
  id: string;
  apiKeyId: string;
  params: JobParams;
  meta: JobMeta;
  idempotencyKey?: string | null;
  requestHash?: string | null;
}

/**
 * What creating a job for a start did: `created` (the job row and one start counted against the
 * day's quota, committed together), `existing` (the key's live job holding this Idempotency-Key:
 * nothing written), or `quota` (the day's quota is used up: nothing written).
 */
export type StartWrite = { kind: 'created'; job: JobRow } | { kind: 'existing'; job: JobRow } | { kind: 'quota' };

const UNIQUE_VIOLATION = '23505';

/** Starts being written by createForStart in this process, by API key id. */
const startsInFlight = new Map<string, number>();

/**
 * Waits until every commit made before it, on any connection, is on disk: a transaction that takes a
 * transaction id commits durably (a commit record, flushed with the WAL before it), so the commits
 * before it, made with `synchronous_commit = off`, are on disk when this returns.
 */
async function awaitDurable(pool: Pool): Promise<void> {
  await pool.query('select pg_current_xact_id()');
}

export type FinishStatus = 'completed' | 'failed' | 'cancelled';
export interface FinishFields {
  error?: { code: string; message: string };
  meta?: Partial<JobMeta>;
}

/**
 * The update that ends a pending or running job ($1 id, $2 status, $3 error, $4 meta: see
 * finishJobParams). `alsoSet` adds assignments: events.repository.ts raises the event sequence in
 * the same statement that writes the terminal event.
 */
export function finishJobSql(alsoSet = ''): string {
  return `update pipeline_jobs set status = $2, error = $3::jsonb, progress = case when $2 = 'completed' then 1 else progress end,
     meta = meta || coalesce($4::jsonb, '{}'::jsonb), finished_at = now(), updated_at = now()${alsoSet}
   where id = $1 and status in ('pending', 'running')`;
}

export function finishJobParams(id: string, status: FinishStatus, fields: FinishFields): unknown[] {
  return [id, status, fields.error ? JSON.stringify(fields.error) : null, fields.meta ? JSON.stringify(fields.meta) : null];
}

export class JobsRepository {
  constructor(private readonly db: Queryable) {}

  async insert(job: NewJob): Promise<JobRow> {
    const { rows } = await this.db.query<JobRow>(
      `insert into pipeline_jobs (id, api_key_id, params, meta, idempotency_key, request_hash, webhook_url)
       values ($1, $2, $3::jsonb, $4::jsonb, $5, $6, $7) returning ${columns}`,
      [
        job.id,
        job.apiKeyId,
        JSON.stringify(job.params),
        JSON.stringify(job.meta),
        job.idempotencyKey ?? null,
        job.requestHash ?? null,
        job.params.webhookUrl,
      ],
    );
    return rows[0]!;
  }

  async get(id: string): Promise<JobRow | null> {
    const { rows } = await this.db.query<JobRow>(`select ${columns} from pipeline_jobs where id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** A job as its owner sees it: another key's job does not exist. */
  async getForKey(id: string, apiKeyId: string): Promise<JobRow | null> {
    const { rows } = await this.db.query<JobRow>(
      `select ${columns} from pipeline_jobs where id = $1 and api_key_id = $2`,
      [id, apiKeyId],
    );
    return rows[0] ?? null;
  }

  async findByIdempotencyKey(apiKeyId: string, key: string): Promise<JobRow | null> {
    const { rows } = await this.db.query<JobRow>(
      `select ${columns} from pipeline_jobs where api_key_id = $1 and idempotency_key = $2`,
      [apiKeyId, key],
    );
    return rows[0] ?? null;
  }

  /**
   * The write of a start, in one statement (no BEGIN/COMMIT): frees an Idempotency-Key whose job is
   * older than 24 h, finds the key's live job holding it, else counts one start against the key's
   * quota for the current UTC day and inserts the job only if the count was taken — atomically, so
   * a refused quota leaves no job and a job always has its count. No per-key lock: two starts with
   * one Idempotency-Key meet at the unique index (the second waits for the first's commit, fails,
   * and its count rolls back with it) and the second finds the first's job.
   *
   * The key's counter row stays locked until the statement's commit, and a commit waits for its
   * WAL to reach the disk (~1.5 ms here): one key's concurrent starts queued behind each other at
   * one flush each (≈ 450 starts/s for one key in bench:api, whatever the cores did). So a start
   * that finds another start of its key in flight in this process (it would queue behind it)
   * commits without waiting for the flush (`synchronous_commit = off`, for this transaction only),
   * which frees the row at once, and then waits for the flush in a second, durable commit (an
   * empty transaction that takes a transaction id); Postgres flushes the waiting commits together.
   * The WAL is flushed in order, so that commit puts the start's records on disk before the job is
   * answered: a job the API returned survives a Postgres crash either way, and a crash before the
   * flush loses the job and its count together, before its start was answered. A job found by its
   * Idempotency-Key is waited for the same way (a relaxed start may have written it). A start with
   * no other of its key in flight keeps the one round trip. A refusal needs no flush.
   * Takes the pool, not a client inside a transaction: the two must commit apart.
   *
   * The statements of a WITH share one snapshot and run in the order they are read: `counted` reads
   * `freed` (count(*), so the whole update) before it counts, and `created` reads `counted` before
   * it inserts, so an older job has given its key up by the time the unique index is checked.
   * `existing` sees the rows as they were, so it leaves out those `freed` releases by their age.
   */
  static async createForStart(pool: Pool, job: NewJob, quota: number): Promise<StartWrite> {
    const inFlight = startsInFlight.get(job.apiKeyId) ?? 0;
    startsInFlight.set(job.apiKeyId, inFlight + 1);
    try {
      const queued = inFlight > 0;
      const write = await JobsRepository.writeStart(pool, job, quota, queued);
      // a job found may have been written by a relaxed start whose flush is still to come
      if (write.kind === 'existing' || (queued && write.kind === 'created')) await awaitDurable(pool);
      return write;
    } finally {
      const left = startsInFlight.get(job.apiKeyId)! - 1;
      if (left === 0) startsInFlight.delete(job.apiKeyId);
      else startsInFlight.set(job.apiKeyId, left);
    }
  }

  /**
   * createForStart's statement; `relaxed`: it commits without waiting for the WAL flush. The
   * statement of a start that is not relaxed is the same text without the setting at all: a CTE
   * that only chose the commit mode made 32 keys' starts ~9 % slower (Postgres-only A/B, 32
   * concurrent writers, one key each).
   */
  private static async writeStart(pool: Pool, job: NewJob, quota: number, relaxed: boolean): Promise<StartWrite> {
    const key = job.idempotencyKey ?? null;
    try {
      const { rows } = await pool.query<JobRow & { kind: 'created' | 'existing' }>(
        `with ${relaxed ? `${RELAXED_COMMIT_CTE}, ` : ''}freed as (
           update pipeline_jobs set idempotency_key = null
           where $5::text is not null and api_key_id = $2 and idempotency_key = $5 and created_at < now() - interval '24 hours'
           returning 1
         ), existing as (
           select ${columns} from pipeline_jobs
           where $5::text is not null and api_key_id = $2 and idempotency_key = $5 and created_at >= now() - interval '24 hours'
         ), counted as (
           insert into api_key_daily_starts as s (api_key_id, day, n)
           select $2, (now() at time zone 'utc')::date, 1
           where $8::int > 0 and not exists (select 1 from existing) and (select count(*) from freed) >= 0${relaxed ? ' and exists (select 1 from relaxed)' : ''}
           on conflict (api_key_id, day) do update set n = s.n + 1 where s.n < $8::int
           returning s.n
         ), created as (
           insert into pipeline_jobs (id, api_key_id, params, meta, idempotency_key, request_hash, webhook_url)
           select $1, $2, $3::jsonb, $4::jsonb, $5, $6, $7 where exists (select 1 from counted)
           returning ${columns}
         )
         select 'created' as kind, * from created
         union all
         select 'existing' as kind, * from existing`,
        [job.id, job.apiKeyId, JSON.stringify(job.params), JSON.stringify(job.meta), key, job.requestHash ?? null, job.params.webhookUrl, quota],
      );
      const row = rows[0];
      if (!row) return { kind: 'quota' };
      const { kind, ...found } = row;
      return { kind, job: found };
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION && key !== null) {
        const existing = await new JobsRepository(pool).findByIdempotencyKey(job.apiKeyId, key);
        if (existing) return { kind: 'existing', job: existing };
      }
      throw err;
    }
  }

  /** pending → running (or running again after a crash). Returns null when the job is terminal or gone. */
  async markRunning(id: string): Promise<JobRow | null> {
    const { rows } = await this.db.query<JobRow>(
      `update pipeline_jobs set status = 'running', attempts = attempts + 1,
         started_at = coalesce(started_at, now()), updated_at = now()
       where id = $1 and status in ('pending', 'running') returning ${columns}`,
      [id],
    );
    return rows[0] ?? null;
  }

  async updateProgress(id: string, patch: { stage?: Stage; progress?: number; meta?: Partial<JobMeta> }): Promise<void> {
    await this.db.query(
      `update pipeline_jobs set stage = coalesce($2, stage), progress = coalesce($3::real, progress),
         meta = meta || coalesce($4::jsonb, '{}'::jsonb), updated_at = now()
       where id = $1 and status = 'running'`,
      [id, patch.stage ?? null, patch.progress ?? null, patch.meta ? JSON.stringify(patch.meta) : null],
    );
  }

  /** Moves a non-terminal job to a terminal status; false if it was already terminal. */
  async finish(id: string, status: FinishStatus, extra: FinishFields = {}): Promise<boolean> {
    const { rowCount } = await this.db.query(finishJobSql(), finishJobParams(id, status, extra));
    return rowCount === 1;
  }

  /**
   * Cancel as the owner asks: a pending job is cancelled at once, a running one gets cancel_requested.
   * Returns the job after the change, or null when it does not exist for this key.
   */
  async requestCancel(id: string, apiKeyId: string): Promise<{ job: JobRow; cancelledNow: boolean } | null> {
    const { rows } = await this.db.query<JobRow & { cancelledNow: boolean }>(
      `update pipeline_jobs set
         cancel_requested = case when status in ('pending', 'running') then true else cancel_requested end,
         status = case when status = 'pending' then 'cancelled' else status end,
         finished_at = case when status = 'pending' then now() else finished_at end,
         updated_at = now()
       where id = $1 and api_key_id = $2
       returning ${columns}, (status = 'cancelled' and finished_at = now()) as "cancelledNow"`,
      [id, apiKeyId],
    );
    const row = rows[0];
    if (!row) return null;
    const { cancelledNow, ...job } = row;
    return { job, cancelledNow };
  }

  /**
   * Whether a run must stop, and why: the owner asked to cancel, or the key that created the job
   * has been revoked (a revoked key pays for no further work). Null to carry on.
   */
  async stopReason(id: string): Promise<'cancel_requested' | 'api_key_revoked' | null> {
    const { rows } = await this.db.query<{ c: boolean; revoked: boolean }>(
      `select j.cancel_requested as c, coalesce(k.revoked_at is not null, true) as revoked
       from pipeline_jobs j left join api_keys k on k.id = j.api_key_id where j.id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return 'cancel_requested';
    return row.revoked ? 'api_key_revoked' : row.c ? 'cancel_requested' : null;
  }

  /**
   * For a revoked key: its pending jobs are cancelled at once, its running ones get cancel_requested.
   * Returns the jobs cancelled now (they need their `cancelled` event). The rows are locked in id
   * order, as a batch of events locks them (EventsRepository.appendMany), so the two never deadlock.
   */
  async cancelAllForKey(apiKeyId: string): Promise<{ cancelledNow: string[]; stopping: string[] }> {
    const { rows } = await this.db.query<{ id: string; wasPending: boolean }>(
      `update pipeline_jobs j set
         cancel_requested = true,
         status = case when j.status = 'pending' then 'cancelled' else j.status end,
         finished_at = case when j.status = 'pending' then now() else j.finished_at end,
         updated_at = now()
       from (select id, status = 'pending' as was_pending from pipeline_jobs
             where api_key_id = $1 and status in ('pending', 'running') order by id for update) old
       where j.id = old.id
       returning j.id, old.was_pending as "wasPending"`,
      [apiKeyId],
    );
    return { cancelledNow: rows.filter((r) => r.wasPending).map((r) => r.id), stopping: rows.filter((r) => !r.wasPending).map((r) => r.id) };
  }

  async isCancelRequested(id: string): Promise<boolean> {
    const { rows } = await this.db.query<{ c: boolean }>(
      'select cancel_requested as c from pipeline_jobs where id = $1',
      [id],
    );
    return rows[0]?.c ?? true;
  }

  /**
   * Pending jobs older than `olderThanMs`, oldest first: candidates for re-enqueueing by the sweeper.
   * Pass the last id of a page as `afterId` for the next one.
   */
  async listStalePending(olderThanMs: number, limit = 500, afterId: string | null = null): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `select id from pipeline_jobs
       where status = 'pending' and created_at < now() - make_interval(secs => $1::double precision / 1000)
         and ($3::text is null or (created_at, id) > (select created_at, id from pipeline_jobs where id = $3))
       order by created_at, id limit $2`,
      [olderThanMs, limit, afterId],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Counts one start against the key's quota for the current UTC day, in one statement: the
   * counter row is raised only while it is below `quota` (concurrent starts of the key wait for
   * the row's lock and then see the committed count, so the quota is exact). False when used up.
   */
  async takeDailyStart(apiKeyId: string, quota: number): Promise<boolean> {
    if (quota <= 0) return false;
    const { rows } = await this.db.query<{ n: number }>(
      `insert into api_key_daily_starts as s (api_key_id, day, n) values ($1, (now() at time zone 'utc')::date, 1)
       on conflict (api_key_id, day) do update set n = s.n + 1 where s.n < $2
       returning s.n`,
      [apiKeyId, quota],
    );
    return rows.length === 1;
  }

  /** Jobs created by a key since the start of the current UTC day. */
  async countCreatedToday(apiKeyId: string): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `select count(*)::int as n from pipeline_jobs
       where api_key_id = $1 and created_at >= date_trunc('day', now() at time zone 'utc') at time zone 'utc'`,
      [apiKeyId],
    );
    return rows[0]!.n;
  }
}
