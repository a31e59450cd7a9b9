import type pg from 'pg';

const terminal = ['completed', 'failed', 'cancelled'];

export interface JobAudit {
  completed: number;
  failed: number;
  cancelled: number;
  /** one line per broken invariant */
  problems: string[];
  failures: string[];
}

/**
 * Checks every job the way a client would see it: it ended exactly once (terminal status, exactly
 * one terminal event and it is the last one), its events are numbered 1..n with no gap or duplicate,
 * and a completed job has one final result list.
 */
export async function auditJobs(pool: pg.Pool, ids: string[]): Promise<JobAudit> {
  const audit: JobAudit = { completed: 0, failed: 0, cancelled: 0, problems: [], failures: [] };
  const { rows: jobs } = await pool.query<{ id: string; status: string; error: unknown; topK: number }>(
    `select id, status, error, (params->>'topK')::int as "topK" from pipeline_jobs where id = any($1::text[])`,
    [ids],
  );
  const { rows: events } = await pool.query<{ jobId: string; seq: number; type: string }>(
    `select job_id as "jobId", seq, type from pipeline_job_events where job_id = any($1::text[]) order by job_id, seq`,
    [ids],
  );
  const { rows: finals } = await pool.query<{ jobId: string; n: number }>(
    `select job_id as "jobId", jsonb_array_length(data) as n from pipeline_job_artifacts where job_id = any($1::text[]) and kind = 'final'`,
    [ids],
  );
  const byJob = new Map<string, { seq: number; type: string }[]>();
  for (const e of events) byJob.set(e.jobId, [...(byJob.get(e.jobId) ?? []), e]);
  const finalOf = new Map(finals.map((f) => [f.jobId, f.n]));
  if (jobs.length !== ids.length) audit.problems.push(`${ids.length - jobs.length} accepted jobs are missing`);
  for (const job of jobs) {
    const evs = byJob.get(job.id) ?? [];
    const seqs = evs.map((e) => e.seq);
    if (!seqs.every((s, i) => s === i + 1)) audit.problems.push(`${job.id}: event seqs not 1..n: ${seqs.join(',')}`);
    const ends = evs.filter((e) => terminal.includes(e.type));
    if (!terminal.includes(job.status)) audit.problems.push(`${job.id}: still ${job.status}`);
    else if (ends.length !== 1) audit.problems.push(`${job.id}: ${ends.length} terminal events (${ends.map((e) => e.type).join(',')})`);
    else if (evs.at(-1)!.type !== job.status) audit.problems.push(`${job.id}: last event ${evs.at(-1)!.type}, status ${job.status}`);
    if (job.status === 'completed') {
      audit.completed++;
      const n = finalOf.get(job.id);
      if (n === undefined || n < 1) audit.problems.push(`${job.id}: completed without a final result`);
    } else if (job.status === 'failed') {
      audit.failed++;
      audit.failures.push(`${job.id}: ${JSON.stringify(job.error)}`);
    } else if (job.status === 'cancelled') audit.cancelled++;
  }
  return audit;
}
