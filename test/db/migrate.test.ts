import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import pg from 'pg';
import { migrate, renderInitSql } from '../../src/db/migrate.js';
import { createTestDatabase } from '../helpers/test-env.js';

const tableSet = async (url: string) => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ d: string }>(
      `select table_name || '.' || column_name || ':' || data_type || ':' || is_nullable || ':' || coalesce(column_default, '') as d
       from information_schema.columns where table_schema = 'public' order by 1`,
    );
    const idx = await c.query<{ d: string }>(`select indexdef as d from pg_indexes where schemaname = 'public' order by 1`);
    return [...rows.map((r) => r.d), ...idx.rows.map((r) => r.d)];
  } finally {
    await c.end();
  }
};

test('migrations apply once, concurrently, under the advisory lock', async () => {
  const db = await createTestDatabase({ migrated: false });
  const pools = [1, 2, 3].map(() => new pg.Pool({ connectionString: db.url, max: 2 }));
  try {
    const results = await Promise.all(pools.map((p) => migrate(p)));
    const applied = results.flat();
    const { rows } = await pools[0]!.query('select version from schema_migrations');
    assert.equal(applied.length, rows.length, 'each migration applied by exactly one process');
    assert.ok(rows.length >= 1);
    assert.deepEqual(await migrate(pools[0]!), [], 'a second run applies nothing');
  } finally {
    await Promise.all(pools.map((p) => p.end()));
    await db.drop();
  }
});

test('sql/init.sql is current and yields the same schema as the migrations', async () => {
  const onDisk = await readFile(new URL('../../sql/init.sql', import.meta.url), 'utf8');
  assert.equal(onDisk, await renderInitSql(), 'sql/init.sql is stale: run `npm run scout -- migrate --print-init > sql/init.sql`');

  const viaMigrations = await createTestDatabase({ migrated: false });
  const viaInit = await createTestDatabase({ migrated: false });
  try {
    const p = new pg.Pool({ connectionString: viaMigrations.url, max: 1 });
    await migrate(p);
    await p.end();
    const c = new pg.Client({ connectionString: viaInit.url });
    await c.connect();
    await c.query(onDisk);
    await c.end();
    assert.deepEqual(await tableSet(viaInit.url), await tableSet(viaMigrations.url));
  } finally {
    await viaMigrations.drop();
    await viaInit.drop();
  }
});
