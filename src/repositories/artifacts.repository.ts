import type { Queryable } from '../db/pool.js';
import type { ArtifactKind } from '../domain/job.js';

export interface Artifact<T = unknown> {
  kind: ArtifactKind;
  data: T;
  updatedAt: Date;
}

export class ArtifactsRepository {
  constructor(private readonly db: Queryable) {}

  /** Upsert: a re-run of a stage overwrites its artifact rather than adding a second one. */
  async put(jobId: string, kind: ArtifactKind, data: unknown): Promise<void> {
    await this.db.query(
      `insert into pipeline_job_artifacts (job_id, kind, data) values ($1, $2, $3::jsonb)
       on conflict (job_id, kind) do update set data = excluded.data, updated_at = now()`,
      [jobId, kind, JSON.stringify(data)],
    );
  }

  /** Several artifacts of one job in one statement (all or none). */
  async putMany(jobId: string, artifacts: Partial<Record<ArtifactKind, unknown>>): Promise<void> {
    const entries = Object.entries(artifacts);
    if (entries.length === 0) return;
    await this.db.query(
      `insert into pipeline_job_artifacts (job_id, kind, data)
       select $1, kind, data from unnest($2::text[], $3::jsonb[]) as a(kind, data)
       on conflict (job_id, kind) do update set data = excluded.data, updated_at = now()`,
      [jobId, entries.map(([kind]) => kind), entries.map(([, data]) => JSON.stringify(data))],
    );
  }

  async get<T = unknown>(jobId: string, kind: ArtifactKind): Promise<Artifact<T> | null> {
    const { rows } = await this.db.query<Artifact<T>>(
      `select kind, data, updated_at as "updatedAt" from pipeline_job_artifacts where job_id = $1 and kind = $2`,
      [jobId, kind],
    );
    return rows[0] ?? null;
  }

  /** Several artifacts of one job in one query; the kinds not written yet are absent. */
  async getMany<K extends ArtifactKind>(jobId: string, kinds: readonly K[]): Promise<Partial<Record<K, Artifact>>> {
    const { rows } = await this.db.query<Artifact & { kind: K }>(
      `select kind, data, updated_at as "updatedAt" from pipeline_job_artifacts where job_id = $1 and kind = any($2::text[])`,
      [jobId, kinds],
    );
    const out: Partial<Record<K, Artifact>> = {};
    for (const r of rows) out[r.kind] = r;
    return out;
  }

  /**
   * An artifact as the job's owner sees it, with the ownership check in the same query: null when
   * the key has no such job (another key's job does not exist), else the artifact or null.
   */
  async getForKey<T = unknown>(jobId: string, apiKeyId: string, kind: ArtifactKind): Promise<{ artifact: Artifact<T> | null } | null> {
    const { rows } = await this.db.query<{ kind: ArtifactKind | null; data: T | null; updatedAt: Date | null }>(
      `select a.kind, a.data, a.updated_at as "updatedAt"
       from pipeline_jobs j left join pipeline_job_artifacts a on a.job_id = j.id and a.kind = $3
       where j.id = $1 and j.api_key_id = $2`,
      [jobId, apiKeyId, kind],
    );
    const row = rows[0];
    if (!row) return null;
    return { artifact: row.kind === null ? null : { kind: row.kind, data: row.data as T, updatedAt: row.updatedAt! } };
  }

  async listKinds(jobId: string): Promise<{ kind: ArtifactKind; updatedAt: Date; bytes: number }[]> {
    const { rows } = await this.db.query<{ kind: ArtifactKind; updatedAt: Date; bytes: number }>(
      `select kind, updated_at as "updatedAt", pg_column_size(data)::int as bytes
       from pipeline_job_artifacts where job_id = $1 order by kind`,
      [jobId],
    );
    return rows;
  }
}
