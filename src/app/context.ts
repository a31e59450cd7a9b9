import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { createPool } from '../db/pool.js';
import { migrate } from '../db/migrate.js';
import { createLogger } from './logger.js';
import type { Logger } from './logger.js';
import { Ledger } from '../providers/ledger.js';
import { createEmbedder } from '../providers/embeddings/create-embedder.js';
import { createCreatorIndex } from '../providers/search-index/create-index.js';
import { createLlm } from '../providers/llm/create-llm.js';
import { createProfileSource } from '../providers/profiles/create-profile-source.js';
import { bullConnection } from '../queue/connection.js';
import { PipelineQueue } from '../queue/pipeline.queue.js';
import { AdminJobsRepository } from '../repositories/admin-jobs.repository.js';
import { AdminSessionsRepository } from '../repositories/admin-sessions.repository.js';
import { AdminStatsRepository } from '../repositories/admin-stats.repository.js';
import { ApiKeysRepository } from '../repositories/api-keys.repository.js';
import { ArtifactsRepository } from '../repositories/artifacts.repository.js';
import { BrightDataCacheRepository } from '../repositories/brightdata-cache.repository.js';
import { EventsRepository } from '../repositories/events.repository.js';
import { ExternalCallsRepository } from '../repositories/external-calls.repository.js';
import { IndexStateRepository } from '../repositories/index-state.repository.js';
import { JobsRepository } from '../repositories/jobs.repository.js';
import { WebhookDeliveriesRepository } from '../repositories/webhook-deliveries.repository.js';
import { IdempotencyStore } from '../stores/idempotency.store.js';
import { JobEventsService } from '../stores/job-events.store.js';
import { RateLimiter } from '../stores/rate-limiter.store.js';
import { WebhookQueue } from '../queue/webhook.queue.js';
import { AdminKeyGate } from '../admin/admin-key-gate.js';
import { LoginLimiter } from '../stores/login-limiter.store.js';
import type { AppContext, Providers, Repositories, Role, Stores } from './app-context.js';

// The types live in app-context.ts; re-exported so existing imports keep working.
export type { AppContext, Providers, Repositories, Role, Stores } from './app-context.js';
export { bullConnection } from '../queue/connection.js';

/** The composition root: every repository, store, provider and queue is built here and nowhere else. */

export interface ContextOptions {
  role: Role;
  logger?: Logger;
  /** apply pending migrations (default: config.database.migrateOnStart) */
  migrate?: boolean;
  /** open the creator index now (default true) */
  openIndex?: boolean;
  /**
   * load the embedder's model (the word-vector table) with the index (default: the worker only,
   * which embeds every job's queries; the API and the CLI load it on their first embed, so an API
   * that never embeds never holds it)
   */
  openEmbedder?: boolean;
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
    webhookDeliveries: new WebhookDeliveriesRepository(pool),
    adminSessions: new AdminSessionsRepository(pool),
    adminStats: new AdminStatsRepository(pool),
    adminJobs: new AdminJobsRepository(pool),
  };
  const { admin } = config;
  const loginLimiter = new LoginLimiter(redis, config.redis.prefix, admin.loginMaxAttempts, admin.loginWindowSeconds, admin.loginGlobalMaxAttempts);
  const stores: Stores = {
    idempotency: new IdempotencyStore(redis, config.redis.prefix),
    rateLimiter: new RateLimiter(redis, config.redis.prefix),
    adminKeyGate: new AdminKeyGate(loginLimiter, config.adminKey),
  };
  const ledger = new Ledger(repos.calls, config.prices, logger);
  const embedder = createEmbedder(config, ledger, logger);
  const index = createCreatorIndex(config, embedder, ledger);
  if (opts.openIndex ?? true) {
    if (opts.openEmbedder ?? opts.role === 'worker') await embedder.open?.();
    await index.open();
    // the processes that search warm the index in the background; a failure only leaves it cold
    if (config.search.warmIndex && (opts.role === 'api' || opts.role === 'worker')) index.warm?.().catch((err: unknown) => logger.warn({ err }, 'index warm-up failed'));
  }
  const providers: Providers = {
    embedder,
    index,
    llm: createLlm(config, ledger, logger),
    profiles: createProfileSource(config, { index, ledger, cache: repos.cache, redis, logger }),
  };
  const queue = new PipelineQueue(bullConnection(config), config.redis.prefix, config.worker.attempts);
  // On the command connection (fail-fast, no offline queue): an enqueue during an outage errors at once.
  const webhookQueue = new WebhookQueue(redis, config.redis.prefix);
  const jobEvents = new JobEventsService(repos.events, redis, config.redis.prefix);

  let closed = false;
  return {
    role: opts.role,
    config,
    logger,
    pool,
    redis,
    repos,
    stores,
    ledger,
    providers,
    queue,
    webhookQueue,
    jobEvents,
    async close() {
      if (closed) return;
      closed = true;
      await jobEvents.close();
      await queue.close().catch(() => {});
      await webhookQueue.close().catch(() => {});
      await index.close().catch(() => {});
      await redis.quit().catch(() => redis.disconnect());
      await pool.end();
    },
  };
}
