/**
 * Every Postgres advisory lock the service takes, in one place so no two can collide. Single-int
 * locks are session-level "only one process does this at a time" guards. (Job starts took a
 * per-key two-int lock until the daily quota became a counter row, migration 009.)
 */
export const ADVISORY_LOCKS = {
  /** db/migrate.ts: one migrator at a time */
  migration: 7_140_211_001,
  /** worker/retention.ts: one retention pass at a time */
  retention: 7_140_211_005,
  /** worker/sweeper.ts: one sweep of pending jobs at a time */
  sweeper: 7_140_211_021,
} as const;
