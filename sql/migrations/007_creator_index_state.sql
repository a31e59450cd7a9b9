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
