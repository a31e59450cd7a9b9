import http from 'node:http';
import { once } from 'node:events';
import { createContext } from '../app/context.js';
import { API_LOG_BUFFERING, createLogger } from '../app/logger.js';
import { loadConfig } from '../config.js';
import { onShutdownSignals, runMain } from '../app/process.js';
import { createApp, sseHubOf } from '../api/app.js';
import { startTracing } from '../tracing/tracing.js';

/**
 * The API process. On SIGTERM/SIGINT: stop accepting connections, end SSE streams with a final
 * comment (clients resume with Last-Event-ID), let in-flight requests finish for up to
 * SHUTDOWN_TIMEOUT_MS, then close pools and exit 0. A second signal exits at once with 1.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { role: 'api' }, API_LOG_BUFFERING);
  const tracing = await startTracing('api');
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

  onShutdownSignals(logger, async (signal) => {
    logger.info({ signal }, 'shutting down');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const streams = sseHubOf(app).closeAll();
    server.closeIdleConnections();
    const force = setTimeout(() => {
      logger.warn('in-flight requests did not finish in time; closing their connections');
      server.closeAllConnections();
    }, config.http.shutdownTimeoutMs);
    force.unref();
    await closed;
    clearTimeout(force);
    await ctx.close();
    await tracing.shutdown().catch((err: unknown) => logger.warn({ err }, 'traces not flushed'));
    logger.info({ streams }, 'stopped');
  });
}

runMain(main);
