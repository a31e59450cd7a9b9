import pg from 'pg';

// bigint/numeric come back as JS numbers: counts and costs here are far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export type Pool = pg.Pool;
export type Queryable = Pick<pg.Pool, 'query'>;

/**
 * A CTE named `relaxed` that makes its statement's transaction commit without waiting for the WAL
 * flush (`synchronous_commit = off`, for that transaction only). Postgres evaluates a SELECT CTE
 * only when read, so the statement must read it (`exists (select 1 from relaxed)`); run it on the
 * pool, not inside a caller's transaction, which it would relax as a whole.
 */
export const RELAXED_COMMIT_CTE = "relaxed as (select set_config('synchronous_commit', 'off', true))";

export function createPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection (e.g. Postgres restart) must not crash the process.
  pool.on('error', () => {});
  // pg-pool drops its error listener while a client is checked out (withTransaction, advisory locks):
  // a restart between two queries would then be an unhandled 'error' event that kills the process.
  // The query in flight still rejects, and release() discards the dead client.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** Runs fn inside a transaction on one client. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
