import { createHash } from 'node:crypto';
import express from 'express';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.js';
import { createPool } from '../../src/db/pool.js';
import { newJobId } from '../../src/domain/ids.js';
import { emptyMeta, startJobSchema, toJobParams } from '../../src/domain/job.js';
import { bullConnection } from '../../src/queue/connection.js';
import { PipelineQueue } from '../../src/queue/pipeline.queue.js';
import { JobsRepository } from '../../src/repositories/jobs.repository.js';
import { IdempotencyStore } from '../../src/stores/idempotency.store.js';
import { RateLimiter } from '../../src/stores/rate-limiter.store.js';
import type { BucketSpec } from '../../src/stores/rate-limiter.store.js';

/**
 * The I/O floors for the API benchmark: a bare Express 5 app, in its own process like the real API,
 * whose routes do exactly the Postgres and Redis round trips a real route makes and nothing else
 * (no auth, no metrics, no validation, no logging). The round trips go through the same code as the
 * API's (RateLimiter's Lua script, JobsRepository's SQL, IdempotencyStore, PipelineQueue) on the
 * same settings (the API's config: pool size, ioredis options, BullMQ connection and job options),
 * so what is left between a route and its floor is our per-request JavaScript.
 *
 * The caller's API key id comes in `X-Key-Id` (no authentication here; the API serves its verified
 * keys from memory, see VerifiedKeyCache). Configured by the API's own environment variables.
 * Prints "listening <port>" once ready.
 *
 *   GET  /floor/redis            the status route's one Redis command: the `default` token bucket
 *   GET  /floor/pg/:jobId        the status route's one Postgres query: the job by id and key
 *   GET  /floor/status/:jobId    both, in the route's order: the floor of GET /pipeline/jobs/:id
 *   POST /floor/start-db         a start's Postgres write (JobsRepository.createForStart) + BullMQ add
 *   POST /floor/start            every round trip of a start, in order: `start` bucket, Idempotency-Key
 *                                claim, the Postgres write, then the key's record and BullMQ add at once
 */
const config = loadConfig(process.env);
const pool = createPool(config.database.url, config.database.poolMax);
// the API's command connection: fail fast, no offline queue (src/app/context.ts)
const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
redis.on('error', () => {});
const limiter = new RateLimiter(redis, config.redis.prefix);
const idempotency = new IdempotencyStore(redis, config.redis.prefix);
const jobs = new JobsRepository(pool);
const queue = new PipelineQueue(bullConnection(config), config.redis.prefix, config.worker.attempts);

const huge = 100_000_000;
const defaultBucket: BucketSpec = { name: 'default', capacity: huge, refillPerMin: huge };
const startBucket: BucketSpec = { name: 'start', capacity: huge, refillPerMin: huge };
// The parameters a start stores, parsed once: turning the body into them is our JavaScript, not I/O.
const params = toJobParams(startJobSchema.parse({ brief: 'travel creators for a luggage brand', top_k: 10 }));

const keyId = (req: express.Request) => req.get('x-key-id') ?? 'floor';

const app = express();
app.disable('x-powered-by');
app.get('/floor/redis', async (req, res) => {
  const r = await limiter.take(keyId(req), defaultBucket);
  res.json({ allowed: r.allowed });
});
app.get('/floor/pg/:jobId', async (req, res) => {
  const job = await jobs.getForKey(req.params.jobId, keyId(req));
  res.status(job ? 200 : 404).json({ id: job?.id, status: job?.status });
});
app.get('/floor/status/:jobId', async (req, res) => {
  await limiter.take(keyId(req), defaultBucket);
  const job = await jobs.getForKey(req.params.jobId, keyId(req));
  res.status(job ? 200 : 404).json({ id: job?.id, status: job?.status });
});

async function createJob(apiKeyId: string, idempotencyKey: string | null, hash: string): Promise<string> {
  const write = await JobsRepository.createForStart(
    pool,
    { id: newJobId(), apiKeyId, params, meta: emptyMeta(), idempotencyKey, requestHash: hash },
    huge,
  );
  if (write.kind !== 'created') throw new Error(`floor start: ${write.kind}`);
  await queue.enqueue(write.job.id);
  return write.job.id;
}

app.post('/floor/start-db', express.json(), async (req, res) => {
  const hash = createHash('sha256').update(JSON.stringify(req.body)).digest('hex');
  const id = await createJob(keyId(req), req.get('idempotency-key') ?? null, hash);
  res.status(202).json({ job_id: id });
});
app.post('/floor/start', express.json(), async (req, res) => {
  const apiKeyId = keyId(req);
  const idemKey = req.get('idempotency-key') ?? null;
  const hash = createHash('sha256').update(JSON.stringify(req.body)).digest('hex');
  await limiter.take(apiKeyId, startBucket);
  if (idemKey !== null) {
    const claim = await idempotency.begin(apiKeyId, idemKey, hash);
    if (claim.state !== 'acquired') throw new Error('floor start: Idempotency-Key already used');
  }
  const write = await JobsRepository.createForStart(pool, { id: newJobId(), apiKeyId, params, meta: emptyMeta(), idempotencyKey: idemKey, requestHash: hash }, huge);
  if (write.kind !== 'created') throw new Error(`floor start: ${write.kind}`);
  // as the start does: the key's record and the enqueue at once
  await Promise.all([idemKey === null ? null : idempotency.complete(apiKeyId, idemKey, hash, write.job.id), queue.enqueue(write.job.id)]);
  res.status(202).json({ job_id: write.job.id });
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  console.log(`listening ${typeof addr === 'object' && addr ? addr.port : '?'}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
