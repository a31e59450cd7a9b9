import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { ADVISORY_LOCKS } from './locks.js';

export const migrationsDir = fileURLToPath(new URL('../../sql/migrations/', import.meta.url));

// Arbitrary constant shared by every process that migrates this database.
const MIGRATION_LOCK_ID = ADVISORY_LOCKS.migration;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(dir = migrationsDir): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (f) => ({
      version: Number(f.split('_')[0]),
      name: f.replace(/\.sql$/, ''),
      sql: await readFile(path.join(dir, f), 'utf8'),
    })),
  );
}

/**
 * Applies pending migrations in order, each in its own transaction, under a session advisory lock so
 * concurrent API and worker start-ups never race. Returns the names it applied.
 */
export async function migrate(pool: pg.Pool, dir = migrationsDir): Promise<string[]> {
  const migrations = await loadMigrations(dir);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await client.query(`create table if not exists schema_migrations (
      version integer primary key, name text not null, applied_at timestamptz not null default now())`);
    const { rows } = await client.query<{ version: number }>('select version from schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query('begin');
      try {
        await client.query(m.sql);
        await client.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m.name);
    }
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => {});
    client.release();
  }
  return applied;
}

/** The whole schema for a fresh database, as `sql/init.sql` holds it (compose mounts it). */
export async function renderInitSql(dir = migrationsDir): Promise<string> {
  const migrations = await loadMigrations(dir);
  const header = '-- Generated from sql/migrations by `scout migrate --print-init`; a test keeps it current.\n';
  const table = `create table if not exists schema_migrations (
  version integer primary key, name text not null, applied_at timestamptz not null default now());\n`;
  const body = migrations
    .map(
      (m) =>
        `\n-- ${m.name}\n${m.sql.trim()}\ninsert into schema_migrations (version, name) values (${m.version}, '${m.name}');\n`,
    )
    .join('');
  return `${header}begin;\n${table}${body}commit;\n`;
}
