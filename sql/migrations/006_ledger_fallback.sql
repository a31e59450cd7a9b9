-- A rule-based stand-in that answered because a provider could not (the LLM's fallback scorer) is
-- a ledger row too, with status 'fallback': neither a provider call that succeeded nor one that failed.
alter table external_calls drop constraint external_calls_status_check;
alter table external_calls add constraint external_calls_status_check check (status in ('ok', 'error', 'fallback'));
