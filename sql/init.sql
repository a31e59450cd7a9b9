-- Generated from sql/migrations by `scout migrate --print-init`; a test keeps it current.
begin;
create table if not exists schema_migrations (
  version integer primary key, name text not null, applied_at timestamptz not null default now());

-- 001_init
-- Core schema: keys, jobs and their events/artifacts, the external-call ledger, the BrightData cache.

create table api_keys (
  id text primary key,
  name text not null check (length(name) between 1 and 100),
  prefix text not null,
  key_hash bytea not null unique,
  rate_limit_per_min integer,
  daily_job_quota integer,
  webhook_secret text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

create table pipeline_jobs (
  id text primary key,
  api_key_id text not null references api_keys (id),
  status text not null default 'pending'
    check (status in ('pending', 'running', 'completed', 'failed', 'cancelled')),
  stage text check (stage in ('expand', 'search', 'enrich', 'score', 'rank')),
  progress real not null default 0 check (progress between 0 and 1),
  params jsonb not null,
  meta jsonb not null default '{}',
  error jsonb,
  cancel_requested boolean not null default false,
  idempotency_key text,
  request_hash text,
  webhook_url text,
  last_event_seq integer not null default 0,
  attempts integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz
);
create index pipeline_jobs_key_created_idx on pipeline_jobs (api_key_id, created_at desc);
create index pipeline_jobs_status_created_idx on pipeline_jobs (status, created_at);
create index pipeline_jobs_created_idx on pipeline_jobs (created_at);
create unique index pipeline_jobs_idempotency_idx on pipeline_jobs (api_key_id, idempotency_key)
  where idempotency_key is not null;

create table pipeline_job_events (
  job_id text not null references pipeline_jobs (id) on delete cascade,
  seq integer not null,
  type text not null,
  data jsonb not null default '{}',
  created_at timestamptz not null default now(),
  primary key (job_id, seq)
);

create table pipeline_job_artifacts (
  job_id text not null references pipeline_jobs (id) on delete cascade,
  kind text not null,
  data jsonb not null,
  updated_at timestamptz not null default now(),
  primary key (job_id, kind)
);

create table external_calls (
  id bigserial primary key,
  job_id text references pipeline_jobs (id) on delete cascade,
  service text not null,
  operation text not null,
  status text not null check (status in ('ok', 'error')),
  http_status integer,
  duration_ms integer not null,
  units jsonb not null default '{}',
  cost_usd numeric(14, 8) not null default 0,
  error text,
  created_at timestamptz not null default now()
);
create index external_calls_job_idx on external_calls (job_id, id);
create index external_calls_created_idx on external_calls (created_at);

create table brightdata_cache (
  platform text not null,
  handle text not null,
  payload jsonb not null,
  fetched_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (platform, handle)
);
create index brightdata_cache_expires_idx on brightdata_cache (expires_at);
insert into schema_migrations (version, name) values (1, '001_init');

-- 003_webhook_deliveries
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
insert into schema_migrations (version, name) values (3, '003_webhook_deliveries');

-- 005_admin
-- Admin dashboard: server-side sessions, and per-key daily usage that outlives the job rows.

-- One row per signed-in dashboard session. `id` is the SHA-256 of the cookie token (the token
-- itself is never stored); `expires_at` is the absolute expiry, `last_seen_at` drives the idle one.
create table admin_sessions (
  id bytea primary key,
  csrf_token text not null,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  ip text,
  user_agent text
);
create index admin_sessions_expires_idx on admin_sessions (expires_at);

-- Jobs deleted by retention, rolled up per UTC day (of created_at) and key in the same statement
-- as the delete, so usage history survives retention. Live jobs are aggregated on the fly.
create table usage_daily (
  day date not null,
  api_key_id text not null references api_keys (id),
  jobs integer not null default 0,
  completed integer not null default 0,
  failed integer not null default 0,
  cancelled integer not null default 0,
  cost_usd numeric(14, 8) not null default 0,
  primary key (day, api_key_id)
);
insert into schema_migrations (version, name) values (5, '005_admin');

-- 006_ledger_fallback
-- A rule-based stand-in that answered because a provider could not (the LLM's fallback scorer) is
-- a ledger row too, with status 'fallback': neither a provider call that succeeded nor one that failed.
alter table external_calls drop constraint external_calls_status_check;
alter table external_calls add constraint external_calls_status_check check (status in ('ok', 'error', 'fallback'));
insert into schema_migrations (version, name) values (6, '006_ledger_fallback');

-- 007_creator_index_state
-- What a creator index has been through that the index itself does not keep: whether it ever held
-- real (non-demo) creators — so `npm start` never reloads the demo into it, even once emptied —
-- when the demo creators were removed, and when it was last optimised. One row per index
-- (`lancedb:<dir>` or `weaviate:<url>#<collection>`).
create table creator_index_state (
  index_id text primary key,
  real_data_at timestamptz,
  demo_removed_at timestamptz,
  last_optimized_at timestamptz,
  updated_at timestamptz not null default now()
);
insert into schema_migrations (version, name) values (7, '007_creator_index_state');

-- 009_daily_start_counts
-- Daily job quota as one counter row per key and UTC day, raised by a single conditional upsert
-- at the end of the start transaction (see src/services/jobs.service.ts): starts of one key no
-- longer queue behind an advisory lock held across the whole insert, only behind this row's lock
-- from the upsert to the commit. Rolled back with the job when the transaction fails.
create table api_key_daily_starts (
  api_key_id text not null references api_keys (id) on delete cascade,
  day date not null,
  n integer not null check (n >= 0),
  primary key (api_key_id, day)
);

-- Today's starts made before this migration count too, so the quota stays exact across the deploy.
insert into api_key_daily_starts (api_key_id, day, n)
select api_key_id, (now() at time zone 'utc')::date, count(*)::int
from pipeline_jobs
where created_at >= date_trunc('day', now() at time zone 'utc') at time zone 'utc'
group by api_key_id;
insert into schema_migrations (version, name) values (9, '009_daily_start_counts');
commit;
