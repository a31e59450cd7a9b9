import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_PROFILE_MAX_AGE_DAYS } from './domain/creator.js';

/**
 * The only module that reads process.env. Every variable is validated at boot and every bad one
 * is listed at once (ConfigError), so a misconfigured deployment fails with one clear message.
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(def);
const num = (def: number, min = 0, max = Number.MAX_VALUE) => z.coerce.number().min(min).max(max).default(def);
/** A number that may be left unset (or empty): then whoever reads it applies its own default. */
const optionalNum = (min: number, max: number, integer = true) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), (integer ? z.coerce.number().int() : z.coerce.number()).min(min).max(max).optional());
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
/**
 * An absolute URL the service connects to: the scheme must be one of `schemes` and there must be a
 * host. `localhost:18412` is a valid URL to WHATWG (scheme "localhost:") but not an address, so it
 * is refused here, at boot, rather than as "Invalid URL" inside a retry message later.
 */
const endpointUrl = (schemes: string[] = ['http', 'https']) =>
  z.string().trim().superRefine((value, ctx) => {
    let u: URL | null = null;
    try {
      u = new URL(value);
    } catch {
      u = null;
    }
    const scheme = u?.protocol.replace(/:$/, '');
    if (!u || !scheme || !schemes.includes(scheme) || u.hostname === '') {
      const hint = /^[\w.-]+:\d+(\/|$)/.test(value) ? ` — did you mean ${schemes[0]}://${value}?` : '';
      ctx.addIssue({ code: 'custom', message: `must be an ${schemes.join('/')} URL with a host, e.g. ${schemes[0]}://127.0.0.1:8080 (got "${value}")${hint}` });
    }
  });
const url = (def?: string, schemes?: string[]) =>
  def === undefined ? endpointUrl(schemes).optional() : endpointUrl(schemes).default(def);

/** USD prices used to estimate the cost of each external call; override with PRICES_JSON. */
export const defaultPrices = {
  /** per 1M tokens */
  llmPromptPer1M: 0.15,
  llmCompletionPer1M: 0.6,
  embeddingsPer1M: 0.02,
  /** per 1k records returned (failed records are not billed) */
  brightdataPer1kRecords: 1.5,
  /** per 1k queries / objects */
  weaviateQueryPer1k: 0,
  weaviateUpsertPer1k: 0,
};
export type Prices = typeof defaultPrices;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  PORT: int(8080, 0, 65535),
  PUBLIC_BASE_URL: url(),
  DATA_DIR: z.string().default('data'),

  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/scout'),
  DATABASE_POOL_MAX: int(10, 1, 200),
  MIGRATE_ON_START: bool.default(true),

  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().regex(/^[a-zA-Z0-9_.-]+$/).default('scout'),

  ADMIN_KEY: optionalString,
  ADMIN_SESSION_IDLE_MINUTES: int(30, 1, 24 * 60),
  ADMIN_SESSION_MAX_HOURS: int(8, 1, 24 * 7),
  ADMIN_LOGIN_MAX_ATTEMPTS: int(10, 1, 1000),
  ADMIN_LOGIN_WINDOW_SECONDS: int(900, 1, 86_400),
  ADMIN_LOGIN_GLOBAL_MAX_ATTEMPTS: int(200, 0, 1_000_000),
  METRICS_ALLOW: z.string().default(''),
  METRICS_HOST: z.string().default('127.0.0.1'),
  METRICS_PORT: int(0, 0, 65535),
  CORS_ORIGINS: z.string().default(''),
  TRUST_PROXY: z.string().default('loopback'),
  BODY_LIMIT: z.string().default('64kb'),
  SSE_HEARTBEAT_MS: int(15_000, 10),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0),
  ENQUEUE_TIMEOUT_MS: int(3_000, 50),

  RATE_LIMIT_PER_MIN: int(120, 1),
  RATE_LIMIT_BURST: int(60, 1),
  START_RATE_LIMIT_PER_MIN: int(20, 1),
  START_RATE_LIMIT_BURST: int(10, 1),
  DAILY_JOB_QUOTA: int(1000, 1),
  AUTH_FAIL_PER_MIN: int(60, 1),
  AUTH_FAIL_BURST: int(30, 1),

  WORKER_CONCURRENCY: int(4, 1, 256),
  JOB_ATTEMPTS: int(3, 1, 20),
  JOB_TIMEOUT_MS: int(15 * 60_000, 1000),
  SWEEP_INTERVAL_MS: int(30_000, 100),
  WORKER_LOCK_DURATION_MS: int(30_000, 1000),
  WORKER_STALLED_INTERVAL_MS: int(30_000, 500),
  WORKER_SHUTDOWN_GRACE_MS: int(20_000, 0),
  RETENTION_DAYS: int(30, 1),
  RETENTION_INTERVAL_MS: int(60 * 60_000, 1000),
  RETENTION_BATCH_SIZE: int(500, 1, 10_000),
  WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  WEBHOOK_ATTEMPTS: int(8, 1, 30),
  WEBHOOK_BACKOFF_MS: int(10_000, 1),
  WEBHOOK_TIMEOUT_MS: int(10_000, 100),
  WEBHOOK_CONNECT_TIMEOUT_MS: int(3_000, 50),
  WEBHOOK_CONCURRENCY: int(8, 1, 1000),
  WEBHOOK_PER_KEY_CONCURRENCY: int(2, 1, 1000),
  WEBHOOK_BREAKER_THRESHOLD: int(5, 1, 1000),
  WEBHOOK_BREAKER_COOLDOWN_MS: int(60_000, 10),

  SEARCH_BACKEND: z.enum(['lancedb', 'weaviate']).default('lancedb'),
  LANCEDB_DIR: optionalString,
  /** lancedb: add word-vector neighbours of the query's words to the keyword leg (embedders with word vectors) */
  SEARCH_EXPAND_KEYWORDS: bool.default(true),
  /** lancedb: API and worker load the full-text index into memory at start (faster first searches, ~200–450 MB) */
  SEARCH_WARM_INDEX: bool.default(true),
  /**
   * lancedb: the hybrid search's recall/latency trade-off (docs/operations.md "Search tuning"); unset,
   * the index's defaults (DEFAULT_SEARCH_TUNING) apply: each leg 2 × the results wanted, HNSW breadth
   * 8 × the leg's depth (24 × from 500,000 rows on), no refine
   */
  SEARCH_LEG_DEPTH: optionalNum(1, 20, false),
  SEARCH_EF_PER_RESULT: optionalNum(1, 256),
  SEARCH_REFINE_FACTOR: optionalNum(0, 50),
  SEARCH_LARGE_MIN_ROWS: optionalNum(0, Number.MAX_SAFE_INTEGER),
  SEARCH_LARGE_EF_PER_RESULT: optionalNum(1, 256),
  WEAVIATE_URL: url(),
  WEAVIATE_GRPC_URL: url(undefined, ['http', 'https', 'grpc', 'grpcs']),
  WEAVIATE_API_KEY: optionalString,
  WEAVIATE_COLLECTION: z.string().regex(/^[A-Z][A-Za-z0-9_]*$/).default('Creator'),
  WEAVIATE_ALPHA: num(0.5, 0, 1),
  WEAVIATE_FUSION: z.enum(['Ranked', 'RelativeScore']).default('RelativeScore'),

  EMBEDDINGS_PROVIDER: z.enum(['hashing', 'wordvec', 'openai']).default('wordvec'),
  EMBEDDINGS_DIM: int(384, 8, 8192),
  EMBEDDINGS_BASE_URL: url(),
  EMBEDDINGS_API_KEY: optionalString,
  EMBEDDINGS_MODEL: optionalString,
  EMBEDDINGS_BATCH_SIZE: int(64, 1, 2048),
  EMBEDDINGS_SEND_DIMENSIONS: bool.default(false),
  EMBEDDINGS_ENCODING: z.enum(['float', 'base64']).default('float'),
  /** wordvec: the directory of the converted word-vector table (default DATA_DIR/wordvec; the image ships one, read-only) */
  WORDVEC_DIR: optionalString,
  /** wordvec: dimensions of the hashing component for words the vectors do not know (0 = ignore them) */
  WORDVEC_FALLBACK_DIM: z.coerce.number().int().refine((n) => n === 0 || (n >= 8 && n <= 1024), 'must be 0 or 8..1024').default(64),

  LLM_PROVIDER: z.enum(['heuristic', 'openai']).default('heuristic'),
  LLM_BASE_URL: url(),
  LLM_API_KEY: optionalString,
  LLM_MODEL: optionalString,
  LLM_TIMEOUT_MS: int(60_000, 100),
  LLM_MAX_RETRIES: int(2, 0, 10),

  SCORE_BATCH_SIZE: int(10, 1, 100),
  SCORE_CONCURRENCY: int(4, 1, 64),
  ENRICH_BATCH_SIZE: int(20, 1, 500),
  ENRICH_CONCURRENCY: int(4, 1, 64),

  PROFILE_SOURCE: z.enum(['index', 'brightdata']).default('index'),
  /** profile data observed longer ago than this is `stale` in results, whatever its source */
  PROFILE_MAX_AGE_DAYS: int(DEFAULT_PROFILE_MAX_AGE_DAYS, 1, 36_500),
  BRIGHTDATA_BASE_URL: url('https://api.brightdata.com'),
  BRIGHTDATA_API_KEY: optionalString,
  BRIGHTDATA_INSTAGRAM_DATASET: z.string().default('gd_l1vikfch901nx3by4'),
  BRIGHTDATA_TIKTOK_DATASET: z.string().default('gd_l1villgoiiidt09ci'),
  BRIGHTDATA_CACHE_TTL_HOURS: num(24 * 7, 0),
  BRIGHTDATA_CONCURRENCY: int(2, 1, 16),
  BRIGHTDATA_TIMEOUT_MS: int(120_000, 100),
  BRIGHTDATA_POLL_INTERVAL_MS: int(10_000, 10),
  BRIGHTDATA_MAX_429_PER_5MIN: int(10, 1, 24),
  BRIGHTDATA_MAX_WAIT_MS: int(600_000, 100),
  BRIGHTDATA_RETRY_BASE_MS: int(2000, 1),

  PROVIDER_MAX_RETRIES: int(3, 0, 10),
  PROVIDER_TIMEOUT_MS: int(30_000, 100),
  PROVIDER_RETRY_BASE_MS: int(500, 1),
  PROVIDER_RETRY_MAX_DELAY_MS: int(30_000, 1),
  PROVIDER_BREAKER_THRESHOLD: int(5, 1, 1000),
  PROVIDER_BREAKER_COOLDOWN_MS: int(30_000, 10),
  PRICES_JSON: optionalString,
});

export type Env = z.infer<typeof envSchema>;

/** Every environment variable the service reads (docs and .env.example are checked against this). */
export const configVariables = Object.keys(envSchema.shape) as (keyof Env)[];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Variables whose values never appear in an error message. */
const secretName = /KEY|SECRET|PASSWORD|TOKEN|DATABASE_URL|REDIS_URL/;

/**
 * Validates every variable in one pass: each one is parsed on its own, so a type error in one
 * never hides another, and the cross-field checks run on whatever did parse, so
 * `EMBEDDINGS_DIM=abc` and a bad `PRICES_JSON` and a missing `LLM_MODEL` are reported together.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env) {
  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};
  const invalid = new Set<string>();
  for (const [name, schema] of Object.entries(envSchema.shape)) {
    const raw = source[name];
    const r = (schema as z.ZodType).safeParse(raw);
    if (r.success) {
      parsed[name] = r.data;
      continue;
    }
    invalid.add(name);
    const shown = raw !== undefined && !secretName.test(name) && raw.length <= 80 && !r.error.issues.some((i) => i.code === 'custom');
    for (const issue of r.error.issues) problems.push(`${name}: ${issue.message}${shown ? ` (got "${raw}")` : ''}`);
  }
  const env = parsed as Env;
  /** a cross-field requirement: skipped for a variable already reported as invalid */
  const requireFor = (when: string, vars: (keyof Env)[]) => {
    for (const v of vars) if (env[v] === undefined && !invalid.has(v)) problems.push(`${v}: required when ${when}`);
  };
  if (env.SEARCH_BACKEND === 'weaviate') requireFor('SEARCH_BACKEND=weaviate', ['WEAVIATE_URL']);
  if (env.EMBEDDINGS_PROVIDER === 'openai') requireFor('EMBEDDINGS_PROVIDER=openai', ['EMBEDDINGS_BASE_URL', 'EMBEDDINGS_MODEL']);
  // The index records the dimension at creation, before any embedding call: it must be stated, not guessed.
  if (env.EMBEDDINGS_PROVIDER === 'openai' && !source.EMBEDDINGS_DIM)
    problems.push("EMBEDDINGS_DIM: required when EMBEDDINGS_PROVIDER=openai (the model's vector size, e.g. 1536)");
  if (env.LLM_PROVIDER === 'openai') requireFor('LLM_PROVIDER=openai', ['LLM_BASE_URL', 'LLM_MODEL']);
  if (env.PROFILE_SOURCE === 'brightdata') requireFor('PROFILE_SOURCE=brightdata', ['BRIGHTDATA_API_KEY']);
  if (env.NODE_ENV === 'production' && !invalid.has('ADMIN_KEY') && (env.ADMIN_KEY === undefined || env.ADMIN_KEY.length < 24))
    problems.push('ADMIN_KEY: required in production, at least 24 characters');

  let prices: Prices = { ...defaultPrices };
  if (env.PRICES_JSON !== undefined) {
    const p = z
      .object(Object.fromEntries(Object.keys(defaultPrices).map((k) => [k, z.number().min(0).optional()])))
      .strict()
      .safeParse(safeJson(env.PRICES_JSON));
    if (p.success) prices = { ...prices, ...(p.data as Partial<Prices>) };
    else problems.push(`PRICES_JSON: ${p.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = path.resolve(env.DATA_DIR);
  return {
    env: env.NODE_ENV,
    isProduction: env.NODE_ENV === 'production',
    logLevel: env.LOG_LEVEL,
    http: {
      host: env.HOST,
      port: env.PORT,
      publicBaseUrl: env.PUBLIC_BASE_URL,
      corsOrigins: env.CORS_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean),
      trustProxy: env.TRUST_PROXY,
      bodyLimit: env.BODY_LIMIT,
      sseHeartbeatMs: env.SSE_HEARTBEAT_MS,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
      enqueueTimeoutMs: env.ENQUEUE_TIMEOUT_MS,
    },
    dataDir,
    database: { url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX, migrateOnStart: env.MIGRATE_ON_START },
    redis: { url: env.REDIS_URL, prefix: env.REDIS_PREFIX },
    adminKey: env.ADMIN_KEY,
    admin: {
      sessionIdleMs: env.ADMIN_SESSION_IDLE_MINUTES * 60_000,
      sessionMaxMs: env.ADMIN_SESSION_MAX_HOURS * 3_600_000,
      loginMaxAttempts: env.ADMIN_LOGIN_MAX_ATTEMPTS,
      loginWindowSeconds: env.ADMIN_LOGIN_WINDOW_SECONDS,
      /** admin-key attempts from all addresses together per window (0 = none) */
      loginGlobalMaxAttempts: env.ADMIN_LOGIN_GLOBAL_MAX_ATTEMPTS,
    },
    metrics: {
      /** IPs/CIDRs that may read /metrics on the API port without the admin key (direct, unproxied requests only) */
      allow: env.METRICS_ALLOW.split(',').map((s) => s.trim()).filter(Boolean),
      /** separate listener serving only /metrics, unauthenticated (internal bind); 0 = none */
      host: env.METRICS_HOST,
      port: env.METRICS_PORT,
    },
    limits: {
      ratePerMin: env.RATE_LIMIT_PER_MIN,
      burst: env.RATE_LIMIT_BURST,
      startRatePerMin: env.START_RATE_LIMIT_PER_MIN,
      startBurst: env.START_RATE_LIMIT_BURST,
      dailyJobQuota: env.DAILY_JOB_QUOTA,
      /** failed API-key authentications per client IP (token bucket, checked before authentication) */
      authFailPerMin: env.AUTH_FAIL_PER_MIN,
      authFailBurst: env.AUTH_FAIL_BURST,
    },
    worker: {
      concurrency: env.WORKER_CONCURRENCY,
      attempts: env.JOB_ATTEMPTS,
      jobTimeoutMs: env.JOB_TIMEOUT_MS,
      sweepIntervalMs: env.SWEEP_INTERVAL_MS,
      lockDurationMs: env.WORKER_LOCK_DURATION_MS,
      stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
      shutdownGraceMs: env.WORKER_SHUTDOWN_GRACE_MS,
      retentionDays: env.RETENTION_DAYS,
      retentionIntervalMs: env.RETENTION_INTERVAL_MS,
      retentionBatchSize: env.RETENTION_BATCH_SIZE,
    },
    webhooks: {
      attempts: env.WEBHOOK_ATTEMPTS,
      backoffMs: env.WEBHOOK_BACKOFF_MS,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      connectTimeoutMs: env.WEBHOOK_CONNECT_TIMEOUT_MS,
      /** delivery slots per worker process; at most perKeyConcurrency of them for one API key */
      concurrency: env.WEBHOOK_CONCURRENCY,
      perKeyConcurrency: env.WEBHOOK_PER_KEY_CONCURRENCY,
      /** consecutive failures to one receiver origin that pause its deliveries, and for how long */
      breakerThreshold: env.WEBHOOK_BREAKER_THRESHOLD,
      breakerCooldownMs: env.WEBHOOK_BREAKER_COOLDOWN_MS,
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
    },
    search: {
      backend: env.SEARCH_BACKEND,
      lancedbDir: path.resolve(env.LANCEDB_DIR ?? path.join(dataDir, 'lancedb')),
      expandKeywords: env.SEARCH_EXPAND_KEYWORDS,
      warmIndex: env.SEARCH_WARM_INDEX,
      tuning: searchTuning(env),
      weaviate: {
        url: env.WEAVIATE_URL,
        grpcUrl: env.WEAVIATE_GRPC_URL,
        apiKey: env.WEAVIATE_API_KEY,
        collection: env.WEAVIATE_COLLECTION,
        alpha: env.WEAVIATE_ALPHA,
        fusion: env.WEAVIATE_FUSION,
      },
    },
    embeddings: {
      provider: env.EMBEDDINGS_PROVIDER,
      dim: env.EMBEDDINGS_DIM,
      baseUrl: env.EMBEDDINGS_BASE_URL,
      apiKey: env.EMBEDDINGS_API_KEY,
      model: env.EMBEDDINGS_MODEL,
      batchSize: env.EMBEDDINGS_BATCH_SIZE,
      sendDimensions: env.EMBEDDINGS_SEND_DIMENSIONS,
      encoding: env.EMBEDDINGS_ENCODING,
      /** wordvec: where the converted word-vector table lives (converted there on first use if missing) */
      wordvecDir: path.resolve(env.WORDVEC_DIR ?? path.join(dataDir, 'wordvec')),
      wordvecFallbackDim: env.WORDVEC_FALLBACK_DIM,
    },
    llm: {
      provider: env.LLM_PROVIDER,
      baseUrl: env.LLM_BASE_URL,
      apiKey: env.LLM_API_KEY,
      model: env.LLM_MODEL,
      timeoutMs: env.LLM_TIMEOUT_MS,
      maxRetries: env.LLM_MAX_RETRIES,
    },
    scoring: { batchSize: env.SCORE_BATCH_SIZE, concurrency: env.SCORE_CONCURRENCY },
    enrich: { batchSize: env.ENRICH_BATCH_SIZE, concurrency: env.ENRICH_CONCURRENCY },
    profiles: {
      source: env.PROFILE_SOURCE,
      maxAgeDays: env.PROFILE_MAX_AGE_DAYS,
      brightdata: {
        baseUrl: env.BRIGHTDATA_BASE_URL,
        apiKey: env.BRIGHTDATA_API_KEY,
        datasets: { instagram: env.BRIGHTDATA_INSTAGRAM_DATASET, tiktok: env.BRIGHTDATA_TIKTOK_DATASET },
        cacheTtlHours: env.BRIGHTDATA_CACHE_TTL_HOURS,
        concurrency: env.BRIGHTDATA_CONCURRENCY,
        timeoutMs: env.BRIGHTDATA_TIMEOUT_MS,
        pollIntervalMs: env.BRIGHTDATA_POLL_INTERVAL_MS,
        max429Per5Min: env.BRIGHTDATA_MAX_429_PER_5MIN,
        maxWaitMs: env.BRIGHTDATA_MAX_WAIT_MS,
        retryBaseMs: env.BRIGHTDATA_RETRY_BASE_MS,
      },
    },
    providers: {
      maxRetries: env.PROVIDER_MAX_RETRIES,
      timeoutMs: env.PROVIDER_TIMEOUT_MS,
      retryBaseMs: env.PROVIDER_RETRY_BASE_MS,
      retryMaxDelayMs: env.PROVIDER_RETRY_MAX_DELAY_MS,
      breakerThreshold: env.PROVIDER_BREAKER_THRESHOLD,
      breakerCooldownMs: env.PROVIDER_BREAKER_COOLDOWN_MS,
    },
    prices,
  };
}

export type Config = ReturnType<typeof loadConfig>;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The SEARCH_* tuning variables that are set (the index applies its defaults to the rest). */
function searchTuning(env: Pick<Env, 'SEARCH_LEG_DEPTH' | 'SEARCH_EF_PER_RESULT' | 'SEARCH_REFINE_FACTOR' | 'SEARCH_LARGE_MIN_ROWS' | 'SEARCH_LARGE_EF_PER_RESULT'>) {
  return {
    legDepth: env.SEARCH_LEG_DEPTH,
    efPerResult: env.SEARCH_EF_PER_RESULT,
    refineFactor: env.SEARCH_REFINE_FACTOR,
    large: { minRows: env.SEARCH_LARGE_MIN_ROWS, efPerResult: env.SEARCH_LARGE_EF_PER_RESULT },
  };
}
