/**
 * Every Postgres advisory lock the service takes, in one place so no two can collide. Single-int
 * locks are session-level "only one process does this at a time" guards; the two-int space takes
 * (space, hashtext(key)) inside a transaction.
 */
export const ADVISORY_LOCKS = {
  /** db/migrate.ts: one migrator at a time */
  migration: 7_140_211_001,
  /** worker/retention.ts: one retention pass at a time */
  retention: 7_140_211_005,
  /** worker/sweeper.ts: one sweep of pending jobs at a time */
  sweeper: 7_140_211_021,
  /** services/jobs.service.ts: first int of (space, hashtext(api key id)) — job creation per key, serialized */
  jobStartSpace: 7140,
} as const;
