import { createContext } from '../app/context.js';
import { createLogger } from '../app/logger.js';
import { loadConfig } from '../config.js';
import { onShutdownSignals, runMain } from '../app/process.js';
import { startWorker } from '../worker/start-worker.js';
import { startTracing } from '../tracing/tracing.js';

/** Extra time after the grace period for handed-back jobs to reach a safe point before exiting anyway. */
const HAND_BACK_MS = 15_000;

/**
 * The worker process: migrations (MIGRATE_ON_START), the BullMQ pipeline worker and its background
 * services. On SIGTERM/SIGINT it takes no new jobs, lets active ones finish for up to
 * WORKER_SHUTDOWN_GRACE_MS, hands the rest back to the queue, closes everything and exits 0.
 * A second signal exits at once with 1 (the queue's stalled-job check recovers what was running).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { role: 'worker' });
  const tracing = await startTracing('worker');
  const ctx = await createContext(config, { role: 'worker', logger });
  const handle = startWorker(ctx);
  await handle.worker.waitUntilReady();
  logger.info({ concurrency: config.worker.concurrency, prefix: config.redis.prefix }, 'worker ready');

  onShutdownSignals(logger, async (signal) => {
    logger.info({ signal, graceMs: config.worker.shutdownGraceMs }, 'shutting down: no new jobs, finishing active ones');
    const force = setTimeout(() => {
      logger.error('active jobs did not stop in time; exiting');
      process.exit(1);
    }, config.worker.shutdownGraceMs + HAND_BACK_MS);
    force.unref();
    await handle.close();
    await ctx.close();
    await tracing.shutdown().catch((err: unknown) => logger.warn({ err }, 'traces not flushed'));
    logger.info('worker stopped');
  });
}

runMain(main);
