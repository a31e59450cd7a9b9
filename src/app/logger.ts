import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

/** JSON logs; anything that could carry a secret is redacted wherever it appears. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
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
  });
}
