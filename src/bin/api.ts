import http from 'node:http';
import { once } from 'node:events';
import { createContext } from '../app/context.js';
import { createLogger } from '../app/logger.js';
import { ConfigError, loadConfig } from '../config.js';
import { createApp, sseHubOf } from '../api/app.js';

/**
 * The API process. On SIGTERM/SIGINT: stop accepting connections, end SSE streams with a final
 * comment (clients resume with Last-Event-ID), let in-flight requests finish for up to
 * SHUTDOWN_TIMEOUT_MS, then close pools and exit 0. A second signal exits at once with 1.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { role: 'api' });
  const ctx = await createContext(config, { role: 'api', logger });
  const app = createApp(ctx);
  const server = http.createServer(app);
  // Slow-loris guards; SSE responses are long-lived but their requests finish at once.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.listen(config.http.port, config.http.host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  logger.info({ host: config.http.host, port }, 'listening');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const streams = sseHubOf(app).closeAll();
    server.closeIdleConnections();
    const force = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; closing their connections');
      server.closeAllConnections();
    }, config.http.shutdownTimeoutMs);
    force.unref();
    closed
      .then(async () => {
        clearTimeout(force);
        await ctx.close();
        logger.info({ streams }, 'stopped');
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
