import { ConfigError } from '../config.js';
import type { Logger } from './logger.js';
import { explainOperatorError } from './operator-error.js';

/**
 * Runs a process entry point: bad configuration exits 78 (EX_CONFIG) with its message; an
 * operator error (unreachable dependency, missing database, rejected key) exits 1 with one line
 * naming what to check; only a bug prints a stack.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78);
    }
    const explained = explainOperatorError(err);
    console.error(explained !== null ? `error: ${explained}` : err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  });
}

/**
 * Graceful shutdown on SIGTERM/SIGINT: the first signal runs `stop` and exits 0 when it succeeds
 * (1 when it fails); a second signal exits at once with 1.
 */
export function onShutdownSignals(logger: Logger, stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    stop(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
