import type { Queryable } from '../db/pool.js';

export type WebhookEvent = 'job.completed' | 'job.failed' | 'job.cancelled';
export type DeliveryOutcome = 'delivered' | 'failed' | 'gave_up' | 'skipped';

export interface WebhookDeliveryAttempt {
  jobId: string;
  event: WebhookEvent;
  deliveryId: string;
  url: string;
  attempt: number;
  outcome: DeliveryOutcome;
  httpStatus?: number | null;
  durationMs?: number;
  error?: string | null;
}

export interface WebhookDeliveryRow extends Required<WebhookDeliveryAttempt> {
  id: number;
  createdAt: Date;
}

export class WebhookDeliveriesRepository {
  constructor(private readonly db: Queryable) {}

  async record(a: WebhookDeliveryAttempt): Promise<void> {
    await this.db.query(
      `insert into webhook_deliveries (job_id, event, delivery_id, url, attempt, outcome, http_status, duration_ms, error)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        a.jobId,
        a.event,
        a.deliveryId,
        a.url,
        a.attempt,
        a.outcome,
        a.httpStatus ?? null,
        Math.round(a.durationMs ?? 0),
        a.error ? a.error.slice(0, 1000) : null,
      ],
    );
  }

  async listForJob(jobId: string, limit = 100): Promise<WebhookDeliveryRow[]> {
    const { rows } = await this.db.query<WebhookDeliveryRow>(
      `select id, job_id as "jobId", event, delivery_id as "deliveryId", url, attempt, outcome,
         http_status as "httpStatus", duration_ms as "durationMs", error, created_at as "createdAt"
       from webhook_deliveries where job_id = $1 order by id limit $2`,
      [jobId, Math.min(Math.max(limit, 1), 1000)],
    );
    return rows;
  }
}
