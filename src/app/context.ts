import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { createPool } from '../db/pool.js';
import type { Pool } from '../db/pool.js';
import { migrate } from '../db/migrate.js';
import { createLogger } from './logger.js';
import type { Logger } from './logger.js';
import { Ledger } from '../providers/ledger.js';
import { createEmbedder } from '../providers/embeddings/create-embedder.js';
import type { Embedder } from '../providers/embeddings/embedder.js';
import { createCreatorIndex } from '../providers/index/create-index.js';
import type { CreatorIndex } from '../providers/index/creator-index.js';
import { createLlm } from '../providers/llm/create-llm.js';
import type { Llm } from '../providers/llm/llm.js';
import { createProfileSource } from '../providers/profiles/create-profile-source.js';
import type { ProfileSource } from '../providers/profiles/profile-source.js';
import { PipelineQueue } from '../queue/pipeline.queue.js';
import { ApiKeysRepository } from '../repositories/api-keys.repository.js';
import { ArtifactsRepository } from '../repositories/artifacts.repository.js';
import { BrightDataCacheRepository } from '../repositories/brightdata-cache.repository.js';
import { EventsRepository } from '../repositories/events.repository.js';
import { ExternalCallsRepository } from '../repositories/external-calls.repository.js';
import { IndexStateRepository } from '../repositories/index-state.repository.js';
import { JobsRepository } from '../repositories/jobs.repository.js';
import { JobEventsService } from '../services/job-events.service.js';

export type Role = 'api' | 'worker' | 'cli' | 'test';

export interface Repositories {
  jobs: JobsRepository;
  events: EventsRepository;
  artifacts: ArtifactsRepository;
  calls: ExternalCallsRepository;
  apiKeys: ApiKeysRepository;
  cache: BrightDataCacheRepository;
  indexState: IndexStateRepository;
}

export interface Providers {
  embedder: Embedder;
  index: CreatorIndex;
  llm: Llm;
  profiles: ProfileSource;
}

/** Everything a process needs, wired by hand from config. The API, worker and CLI all start here. */
export interface AppContext {
  role: Role;
  config: Config;
  logger: Logger;
  pool: Pool;
  /** command connection; fails fast when Redis is down so requests get a 503 instead of hanging */
  redis: Redis;
  repos: Repositories;
  ledger: Ledger;
  providers: Providers;
  queue: PipelineQueue;
  jobEvents: JobEventsService;
  close(): Promise<void>;
}

export interface ContextOptions {
  role: Role;
  logger?: Logger;
  /** apply pending migrations (default: config.database.migrateOnStart) */
  migrate?: boolean;
  /** open the creator index now (default true) */
  openIndex?: boolean;
}

export async function createContext(config: Config, opts: ContextOptions): Promise<AppContext> {
  const logger = opts.logger ?? createLogger(config.logLevel, { role: opts.role });
  const pool = createPool(config.database.url, config.database.poolMax);
  if (opts.migrate ?? config.database.migrateOnStart) {
    const applied = await migrate(pool);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  }
  const redis = new Redis(config.redis.url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: false,
  });
  redis.on('error', (err: Error) => logger.debug({ err: err.message }, 'redis connection error'));

  const repos: Repositories = {
    jobs: new JobsRepository(pool),
    events: new EventsRepository(pool),
    artifacts: new ArtifactsRepository(pool),
    calls: new ExternalCallsRepository(pool),
    apiKeys: new ApiKeysRepository(pool),
    cache: new BrightDataCacheRepository(pool),
    indexState: new IndexStateRepository(pool),
  };
  const ledger = new Ledger(repos.calls, config.prices, logger);
  const embedder = createEmbedder(config, ledger, logger);
  const index = createCreatorIndex(config, embedder, ledger);
  if (opts.openIndex ?? true) {
    await embedder.open?.();
    await index.open();
  }
  const providers: Providers = {
    embedder,
    index,
    llm: createLlm(config, ledger, logger),
    profiles: createProfileSource(config, { index, ledger, cache: repos.cache, redis, logger }),
  };
  const queue = new PipelineQueue(bullConnection(config), config.redis.prefix, config.worker.attempts);
  const jobEvents = new JobEventsService(repos.events, redis, config.redis.prefix);

  let closed = false;
  return {
    role: opts.role,
    config,
    logger,
    pool,
    redis,
    repos,
    ledger,
    providers,
    queue,
    jobEvents,
    async close() {
      if (closed) return;
      closed = true;
      await jobEvents.close();
      await queue.close().catch(() => {});
      await index.close().catch(() => {});
      await redis.quit().catch(() => redis.disconnect());
      await pool.end();
    },
  };
}

/** BullMQ connection options from REDIS_URL; workers add maxRetriesPerRequest: null themselves. */
export function bullConnection(config: Config) {
  const u = new URL(config.redis.url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}
