import type { Queryable } from '../db/pool.js';

export interface AdminSession {
  csrfToken: string;
  createdAt: Date;
  expiresAt: Date;
}

/** Dashboard sessions; rows are keyed by the SHA-256 of the cookie token, never the token itself. */
export class AdminSessionsRepository {
  constructor(private readonly db: Queryable) {}

  async create(s: { idHash: Buffer; csrfToken: string; maxAgeMs: number; ip: string | null; userAgent: string | null }): Promise<AdminSession> {
    const { rows } = await this.db.query<AdminSession>(
      `insert into admin_sessions (id, csrf_token, expires_at, ip, user_agent)
       values ($1, $2, now() + make_interval(secs => $3::double precision / 1000), $4, $5)
       returning csrf_token as "csrfToken", created_at as "createdAt", expires_at as "expiresAt"`,
      [s.idHash, s.csrfToken, s.maxAgeMs, s.ip, s.userAgent?.slice(0, 300) ?? null],
    );
    return rows[0]!;
  }

  /**
   * Validates a session and records the activity in one statement: a session past its absolute
   * expiry or idle for longer than `idleMs` is not returned (and not touched).
   */
  async touch(idHash: Buffer, idleMs: number): Promise<AdminSession | null> {
    const { rows } = await this.db.query<AdminSession>(
      `update admin_sessions set last_seen_at = now()
       where id = $1 and expires_at > now() and last_seen_at > now() - make_interval(secs => $2::double precision / 1000)
       returning csrf_token as "csrfToken", created_at as "createdAt", expires_at as "expiresAt"`,
      [idHash, idleMs],
    );
    return rows[0] ?? null;
  }

  async delete(idHash: Buffer): Promise<boolean> {
    const { rowCount } = await this.db.query('delete from admin_sessions where id = $1', [idHash]);
    return rowCount === 1;
  }

  /** Deletes up to `batch` sessions that are past either expiry; returns how many went. */
  async deleteExpired(idleMs: number, batch = 1000): Promise<number> {
    const { rowCount } = await this.db.query(
      `delete from admin_sessions where id in (
         select id from admin_sessions
         where expires_at <= now() or last_seen_at <= now() - make_interval(secs => $1::double precision / 1000)
         limit $2)`,
      [idleMs, batch],
    );
    return rowCount ?? 0;
  }
}
