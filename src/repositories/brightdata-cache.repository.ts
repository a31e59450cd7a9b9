import type { Queryable } from '../db/pool.js';
import type { Platform } from '../domain/creator.js';

export interface CachedProfile<T = unknown> {
  platform: Platform;
  handle: string;
  payload: T;
  fetchedAt: Date;
  expiresAt: Date;
}

export class BrightDataCacheRepository {
  constructor(private readonly db: Queryable) {}

  /** Unexpired entries for the given (platform, handle) pairs, in one round trip. */
  async getFresh<T>(refs: { platform: Platform; handle: string }[]): Promise<CachedProfile<T>[]> {
    if (refs.length === 0) return [];
    const { rows } = await this.db.query<CachedProfile<T>>(
      `select c.platform, c.handle, c.payload, c.fetched_at as "fetchedAt", c.expires_at as "expiresAt"
       from brightdata_cache c
       join unnest($1::text[], $2::text[]) as r(platform, handle) on r.platform = c.platform and r.handle = c.handle
       where c.expires_at > now()`,
      [refs.map((r) => r.platform), refs.map((r) => r.handle)],
    );
    return rows;
  }

  async putMany(entries: { platform: Platform; handle: string; payload: unknown }[], ttlHours: number): Promise<void> {
    if (entries.length === 0) return;
    await this.db.query(
      `insert into brightdata_cache (platform, handle, payload, fetched_at, expires_at)
       select platform, handle, payload, now(), now() + make_interval(secs => $4::double precision * 3600)
       from unnest($1::text[], $2::text[], $3::jsonb[]) as t(platform, handle, payload)
       on conflict (platform, handle) do update
         set payload = excluded.payload, fetched_at = excluded.fetched_at, expires_at = excluded.expires_at`,
      [entries.map((e) => e.platform), entries.map((e) => e.handle), entries.map((e) => JSON.stringify(e.payload)), ttlHours],
    );
  }

  /** Deletes up to `batch` expired rows; returns how many went. */
  async deleteExpired(batch = 1000): Promise<number> {
    const { rowCount } = await this.db.query(
      `delete from brightdata_cache where ctid in (select ctid from brightdata_cache where expires_at <= now() limit $1)`,
      [batch],
    );
    return rowCount ?? 0;
  }
}
