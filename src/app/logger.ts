import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';

export type { Logger };

/** Stdout lines gathered into one write: at most `bytes` of them, for at most `flushMs`. */
export interface LogBuffering {
  bytes: number;
  flushMs: number;
}

/**
 * The API process's buffering: a request line per request was a write syscall per request
 * (~7 µs of CPU each on our VMs). Up to 4 KiB (~15 request lines) or 200 ms of lines is what a
 * SIGKILL or a crash of the VM can lose; a normal exit, a signal we handle, process.exit and an
 * uncaught exception all flush first (docs/operations.md).
 */
export const API_LOG_BUFFERING: LogBuffering = { bytes: 4096, flushMs: 200 };

/** JSON logs; anything that could carry a secret is redacted wherever it appears. */
export function createLogger(level: string, base: Record<string, unknown> = {}, buffering?: LogBuffering): Logger {
  const options = {
    level,
    base: { ...base },
    redact: {
      paths: [
        'req.headers["x-api-key"]',
        'req.headers["x-admin-key"]',
        'req.headers.authorization',
        'req.headers.cookie',
        'headers["x-api-key"]',
        'headers.authorization',
        'apiKey',
        'adminKey',
        'key',
        '*.apiKey',
        '*.webhookSecret',
      ],
      censor: '[redacted]',
    },
  };
  return buffering ? pino(options, bufferedStdout(buffering)) : pino(options);
}

/** Stdout, written synchronously once `bytes` are waiting, every `flushMs`, and at exit. */
function bufferedStdout({ bytes, flushMs }: LogBuffering): DestinationStream {
  const dest = pino.destination({ dest: 1, sync: true, minLength: bytes });
  const flush = () => {
    try {
      dest.flushSync();
    } catch {
      // stdout is gone (EPIPE) or not ready yet: nothing better to do with the lines
    }
  };
  setInterval(flush, flushMs).unref();
  process.on('exit', flush);
  return dest;
}
