import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createContext } from '../../../src/app/context.js';
import { createLogger } from '../../../src/app/logger.js';
import { loadConfig } from '../../../src/config.js';
import { migrate } from '../../../src/db/migrate.js';
import { ApiKeysRepository } from '../../../src/repositories/api-keys.repository.js';
import { createApiKey } from '../../../src/services/api-keys.service.js';
import { freePort, startProcess, waitForHttp } from '../../helpers/processes.js';
import type { RunningProcess } from '../../helpers/processes.js';
import { createTestEnv, deleteRedisPrefix } from '../../helpers/test-env.js';
import { nicheCorpus, seedIndex } from '../../pipeline/fixtures.js';
import { DedicatedPostgres } from './dedicated-postgres.js';
import { DedicatedRedis } from './dedicated-redis.js';

export interface StackOptions {
  /** a redis-server / Postgres cluster of the test's own, to restart (default: the machine's, with a fresh prefix / database) */
  dedicatedRedis?: boolean;
  dedicatedPostgres?: boolean;
  env?: Record<string, string>;
  /** creators per niche in the seeded index (8 niches) */
  perNiche?: number;
}

/** Settings that make failures recover within seconds and let nothing but the chaos refuse a request. */
const chaosEnv: Record<string, string> = {
  LOG_LEVEL: 'info',
  RATE_LIMIT_PER_MIN: '1000000',
  RATE_LIMIT_BURST: '1000000',
  START_RATE_LIMIT_PER_MIN: '1000000',
  START_RATE_LIMIT_BURST: '1000000',
  DAILY_JOB_QUOTA: '1000000',
  WORKER_LOCK_DURATION_MS: '2000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  SWEEP_INTERVAL_MS: '1000',
  ENQUEUE_TIMEOUT_MS: '1000',
  SHUTDOWN_TIMEOUT_MS: '2000',
  WORKER_SHUTDOWN_GRACE_MS: '1000',
  JOB_ATTEMPTS: '5',
  // long enough jobs (one profile per LLM batch) that a fault lands in the middle of them
  SCORE_BATCH_SIZE: '2',
  SCORE_CONCURRENCY: '1',
};

export interface Accepted {
  jobId: string;
  status: number;
}

/**
 * The whole service as it runs in production — API and worker processes (`src/bin/*.ts`) on real
 * Postgres, Redis and an on-disk index — plus the knobs the chaos tests turn: kill a worker, stop
 * and start Redis or Postgres. Every process talks only to 127.0.0.1.
 */
export class ChaosStack {
  readonly workers: RunningProcess[] = [];
  api: (RunningProcess & { base: string }) | null = null;
  private readonly retired: RunningProcess[] = [];

  private constructor(
    readonly env: Record<string, string>,
    readonly pool: pg.Pool,
    readonly apiKey: string,
    private readonly cleanups: (() => Promise<void>)[],
    readonly redis: DedicatedRedis | null,
    readonly postgres: DedicatedPostgres | null,
  ) {}

  static async start(opts: StackOptions = {}): Promise<ChaosStack> {
    const cleanups: (() => Promise<void>)[] = [];
    let env: Record<string, string>;
    const redis = opts.dedicatedRedis ? await DedicatedRedis.start() : null;
    if (redis) cleanups.push(() => redis.stop());
    const postgres = opts.dedicatedPostgres ? await DedicatedPostgres.start() : null;
    if (postgres) cleanups.push(() => postgres.stop());

    if (redis || postgres) {
      const base = await createTestEnv();
      cleanups.push(() => base.cleanup());
      env = { ...base.env };
      if (redis) env.REDIS_URL = redis.url;
      if (postgres) {
        env.DATABASE_URL = await postgres.createDatabase('scout');
        const p = new pg.Pool({ connectionString: env.DATABASE_URL, max: 1 });
        await migrate(p);
        await p.end();
      }
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'scout-chaos-data-'));
      cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
      env.DATA_DIR = dataDir;
      if (redis) env.REDIS_PREFIX = `c${randomBytes(4).toString('hex')}`;
    } else {
      const base = await createTestEnv();
      cleanups.push(async () => {
        await deleteRedisPrefix(base.redisPrefix);
        await base.cleanup();
      });
      env = { ...base.env };
    }
    env = { ...env, ...chaosEnv, ...opts.env };

    const config = loadConfig(env);
    const ctx = await createContext(config, { role: 'test', logger: createLogger('silent'), migrate: false });
    try {
      await seedIndex(ctx, nicheCorpus(opts.perNiche ?? 12));
    } finally {
      await ctx.close();
    }
    const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
    pool.on('error', () => {});
    const { key } = await createApiKey(new ApiKeysRepository(pool), { name: 'chaos', rateLimitPerMin: 1_000_000, dailyJobQuota: 1_000_000 });
    return new ChaosStack(env, pool, key, cleanups, redis, postgres);
  }

  async startApi(): Promise<string> {
    const port = await freePort();
    const proc = startProcess('src/bin/api.ts', { ...this.env, PORT: String(port), LOG_LEVEL: 'warn' });
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/health`, { timeoutMs: 60_000, proc });
    this.api = { ...proc, base };
    return base;
  }

  get base(): string {
    if (!this.api) throw new Error('API not started');
    return this.api.base;
  }

  async startWorker(env: Record<string, string> = {}): Promise<RunningProcess> {
    const proc = startProcess('src/bin/worker.ts', { ...this.env, ...env });
    const deadline = Date.now() + 60_000;
    while (!proc.output().includes('"worker ready"')) {
      if (proc.child.exitCode !== null) throw new Error(`worker exited early:\n${proc.output()}`);
      if (Date.now() > deadline) throw new Error(`worker not ready:\n${proc.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    this.workers.push(proc);
    return proc;
  }

  /** kill -9 one worker (no shutdown code runs: its jobs are recovered by the stalled-job check). */
  async killWorker(index: number): Promise<void> {
    const [proc] = this.workers.splice(index, 1);
    if (!proc) return;
    proc.child.kill('SIGKILL');
    await proc.exited;
    this.retired.push(proc);
  }

  /**
   * POST /pipeline/start the way a careful client does: one Idempotency-Key per job, retried with
   * the same key after a 503 / connection error (honouring Retry-After, capped), until `deadline`.
   * Returns the job id once it was accepted (202, or a 503 that names the accepted job), else null.
   */
  async submit(body: Record<string, unknown>, deadlineMs = 30_000, onAnswer?: (status: number, headers: Headers) => void): Promise<string | null> {
    const key = `chaos-${randomBytes(8).toString('hex')}`;
    const deadline = Date.now() + deadlineMs;
    let accepted: string | null = null;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`${this.base}/pipeline/start`, {
          method: 'POST',
          headers: { 'X-API-Key': this.apiKey, 'Content-Type': 'application/json', 'Idempotency-Key': key },
          // chaos checks that every completed job wrote its shortlist, not relevance: no floor
          body: JSON.stringify({ min_fit_score: 0, ...body }),
          signal: AbortSignal.timeout(10_000),
        });
        const json = (await res.json().catch(() => ({}))) as { job_id?: string };
        onAnswer?.(res.status, res.headers);
        if (res.status === 202) return json.job_id!;
        if (res.status === 503 && json.job_id) accepted = json.job_id;
        if (res.status >= 400 && res.status < 500) throw new Error(`POST /pipeline/start answered ${res.status}: ${JSON.stringify(json)}`);
        const retryAfter = Number(res.headers.get('retry-after') ?? '1');
        await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(100, retryAfter * 1000))));
      } catch (err) {
        if (err instanceof Error && err.message.startsWith('POST /pipeline/start answered')) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return accepted;
  }

  /** Polls Postgres until every job is completed/failed/cancelled or the deadline passes; returns the stragglers. */
  async waitTerminal(ids: string[], timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let left: string[] = ids;
      try {
        const { rows } = await this.pool.query<{ id: string }>(
          `select id from pipeline_jobs where id = any($1::text[]) and status not in ('completed', 'failed', 'cancelled')`,
          [ids],
        );
        left = rows.map((r) => r.id);
        const { rows: known } = await this.pool.query<{ n: number }>(`select count(*)::int as n from pipeline_jobs where id = any($1::text[])`, [ids]);
        if (known[0]!.n !== ids.length) throw new Error(`${ids.length - known[0]!.n} accepted jobs are missing from Postgres`);
        if (left.length === 0) return [];
      } catch (err) {
        if (err instanceof Error && err.message.includes('missing from Postgres')) throw err;
      }
      if (Date.now() > deadline) return left;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** What the processes printed (for failure messages). */
  logs(): string {
    const all = [...this.retired, ...this.workers];
    return [`--- api ---\n${this.api?.output().slice(-4000) ?? ''}`, ...all.map((w, i) => `--- worker ${i} ---\n${w.output().slice(-3000)}`)].join('\n');
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers.map((w) => w.stop('SIGKILL')), this.api?.stop('SIGKILL')]);
    await this.pool.end().catch(() => {});
    for (const c of this.cleanups.reverse()) await c().catch(() => {});
  }
}
