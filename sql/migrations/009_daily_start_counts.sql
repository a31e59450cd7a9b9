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
