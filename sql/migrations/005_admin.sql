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
