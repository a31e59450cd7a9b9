-- One row per webhook delivery attempt, so operators (and the key's owner) can see what was sent,
-- when, and how the receiver answered.

create table webhook_deliveries (
  id bigserial primary key,
  job_id text not null references pipeline_jobs (id) on delete cascade,
  event text not null check (event in ('job.completed', 'job.failed', 'job.cancelled')),
  delivery_id text not null,
  url text not null,
  attempt integer not null check (attempt >= 1),
  outcome text not null check (outcome in ('delivered', 'failed', 'gave_up', 'skipped')),
  http_status integer,
  duration_ms integer not null default 0,
  error text,
  created_at timestamptz not null default now()
);
create index webhook_deliveries_job_idx on webhook_deliveries (job_id, id);
create index webhook_deliveries_created_idx on webhook_deliveries (created_at);
