import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import type { Logger } from './logger.js';
import type { Ledger } from '../providers/ledger.js';
import type { Embedder } from '../providers/embeddings/embedder.js';
import type { CreatorIndex } from '../providers/search-index/creator-index.js';
import type { Llm } from '../providers/llm/llm.js';
import type { ProfileSource } from '../providers/profiles/profile-source.js';
import type { PipelineQueue } from '../queue/pipeline.queue.js';
import type { AdminJobsRepository } from '../repositories/admin-jobs.repository.js';
import type { AdminSessionsRepository } from '../repositories/admin-sessions.repository.js';
import type { AdminStatsRepository } from '../repositories/admin-stats.repository.js';
import type { ApiKeysRepository } from '../repositories/api-keys.repository.js';
import type { ArtifactsRepository } from '../repositories/artifacts.repository.js';
import type { IndexStateRepository } from '../repositories/index-state.repository.js';
import type { BrightDataCacheRepository } from '../repositories/brightdata-cache.repository.js';
import type { EventsRepository } from '../repositories/events.repository.js';
import type { ExternalCallsRepository } from '../repositories/external-calls.repository.js';
import type { JobsRepository } from '../repositories/jobs.repository.js';
import type { WebhookDeliveriesRepository } from '../repositories/webhook-deliveries.repository.js';
import type { IdempotencyStore } from '../stores/idempotency.store.js';
import type { JobEventsService } from '../stores/job-events.store.js';
import type { RateLimiter } from '../stores/rate-limiter.store.js';
import type { WebhookQueue } from '../queue/webhook.queue.js';
import type { AdminKeyGate } from '../admin/admin-key-gate.js';

// The shape of the composition root, as types only: code that receives a context imports this
// file, never app/context.ts (which builds it and so imports everything).

export type Role = 'api' | 'worker' | 'cli' | 'test';

export interface Repositories {
  jobs: JobsRepository;
  events: EventsRepository;
  artifacts: ArtifactsRepository;
  calls: ExternalCallsRepository;
  apiKeys: ApiKeysRepository;
  cache: BrightDataCacheRepository;
  indexState: IndexStateRepository;
  webhookDeliveries: WebhookDeliveriesRepository;
  adminSessions: AdminSessionsRepository;
  adminStats: AdminStatsRepository;
  adminJobs: AdminJobsRepository;
}

/** Redis-backed stores shared by the API's requests. */
export interface Stores {
  idempotency: IdempotencyStore;
  rateLimiter: RateLimiter;
  /** every admin-key check (admin sign-in, X-Admin-Key, /metrics, detailed /health) counts here first */
  adminKeyGate: AdminKeyGate;
}

export interface Providers {
  embedder: Embedder;
  index: CreatorIndex;
  llm: Llm;
  profiles: ProfileSource;
}

/** Everything a process needs, wired by hand from config (app/context.ts). The API, worker and CLI all start there. */
export interface AppContext {
  role: Role;
  config: Config;
  logger: Logger;
  pool: Pool;
  /** command connection; fails fast when Redis is down so requests get a 503 instead of hanging */
  redis: Redis;
  repos: Repositories;
  stores: Stores;
  ledger: Ledger;
  providers: Providers;
  queue: PipelineQueue;
  /** producer of webhook deliveries (the worker consumes them); closed by close() */
  webhookQueue: WebhookQueue;
  jobEvents: JobEventsService;
  close(): Promise<void>;
}
