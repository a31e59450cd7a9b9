import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.js';
import type { Config } from '../../src/config.js';
import { createContext } from '../../src/app/context.js';
import type { AppContext } from '../../src/app/context.js';
import { createLogger } from '../../src/app/logger.js';
import { loadMigrations, migrate } from '../../src/db/migrate.js';

/**
 * Tests run against the real Postgres and Redis of the machine. Each test gets its own database
 * (cloned from a migrated template, so it is fast) and its own Redis key prefix, so test files can
 * run in parallel without seeing each other.
 */
export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

let templatePromise: Promise<string> | null = null;

async function templateDatabase(): Promise<string> {
  const migrations = await loadMigrations();
  const hash = createHash('sha256').update(migrations.map((m) => m.sql).join('\n')).digest('hex').slice(0, 12);
  const name = `scout_tpl_${hash}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query('select pg_advisory_lock(7140211002)');
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount === 0) {
      await admin.query(`create database ${name}`);
      const pool = new pg.Pool({ connectionString: withDatabase(ADMIN_URL, name), max: 1 });
      try {
        await migrate(pool);
      } catch (err) {
        await pool.end();
        await admin.query(`drop database if exists ${name}`);
        throw err;
      }
      await pool.end();
    }
  } finally {
    await admin.query('select pg_advisory_unlock(7140211002)').catch(() => {});
    await admin.end();
  }
  return name;
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, fully migrated database of its own. */
export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `scout_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    if (opts.migrated ?? true) {
      templatePromise ??= templateDatabase();
      const tpl = await templatePromise;
      // Cloning needs the template to have no other connections; retry briefly if one lingers.
      for (let attempt = 0; ; attempt++) {
        try {
          await admin.query(`create database ${name} template ${tpl}`);
          break;
        } catch (err) {
          if (attempt >= 20) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } else {
      await admin.query(`create database ${name}`);
    }
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(ADMIN_URL, name),
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        // A pool's end() resolves before its connections have closed; forcing the drop while they
        // close terminates them, and a client that hears that mid-close throws an unhandled error
        // into whichever test is running. So wait (briefly) for them to go; force only what stays.
        for (let i = 0; i < 40; i++) {
          const { rows } = await c.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
          if (rows[0]!.n === 0) break;
          await new Promise((r) => setTimeout(r, 25));
        }
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface TestEnv {
  config: Config;
  env: Record<string, string>;
  db: TestDatabase;
  dataDir: string;
  redisPrefix: string;
  cleanup(): Promise<void>;
}

/** Config (and the env that produced it) pointing at a fresh database, Redis prefix and data dir. */
export async function createTestEnv(overrides: Record<string, string> = {}): Promise<TestEnv> {
  const db = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'scout-test-'));
  const redisPrefix = `t${randomBytes(5).toString('hex')}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: db.url,
    REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    DATA_DIR: dataDir,
    ADMIN_KEY: 'test-admin-key-0123456789abcdef',
    MIGRATE_ON_START: 'false',
    // Tests pin the hashing embedder: deterministic expectations and no word-vector table to convert
    // and load per temporary DATA_DIR. The default (wordvec) has its own tests.
    EMBEDDINGS_PROVIDER: 'hashing',
    ...overrides,
  };
  const config = loadConfig(env);
  return {
    config,
    env,
    db,
    dataDir,
    redisPrefix,
    async cleanup() {
      await deleteRedisPrefix(redisPrefix).catch(() => {});
      await db.drop().catch(() => {});
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestContext extends TestEnv {
  ctx: AppContext;
}

/** A full AppContext (pool, Redis, repositories, providers, queue) on a fresh test environment. */
export async function createTestContext(overrides: Record<string, string> = {}): Promise<TestContext> {
  const env = await createTestEnv(overrides);
  const ctx = await createContext(env.config, {
    role: 'test',
    logger: createLogger(env.config.logLevel),
    migrate: false,
  });
  return {
    ...env,
    ctx,
    async cleanup() {
      await ctx.close();
      await env.cleanup();
    },
  };
}
