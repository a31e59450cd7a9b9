import { createContext } from '../app/context.js';
import { createLogger } from '../app/logger.js';
import { ConfigError, loadConfig } from '../config.js';
import { startWorker } from '../worker/start-worker.js';

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
  const ctx = await createContext(config, { role: 'worker', logger });
  const handle = startWorker(ctx);
  await handle.worker.waitUntilReady();
  logger.info({ concurrency: config.worker.concurrency, prefix: config.redis.prefix }, 'worker ready');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, graceMs: config.worker.shutdownGraceMs }, 'shutting down: no new jobs, finishing active ones');
    const force = setTimeout(() => {
      logger.error('active jobs did not stop in time; exiting');
      process.exit(1);
    }, config.worker.shutdownGraceMs + HAND_BACK_MS);
    force.unref();
    handle
      .close()
      .then(() => ctx.close())
      .then(() => {
        logger.info('worker stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(78);
  }
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
