import type { Logger } from '../app/logger.js';
import type { ApiKeyRow } from '../repositories/api-keys.repository.js';

/** What the middleware chain leaves on `res.locals` for later handlers. */
declare global {
  // Express declares Locals in this global namespace; merging into it is the typed way to extend it.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      requestId: string;
      /** request-scoped logger carrying the request id */
      log: Logger;
      /** the authenticated API key (pipeline and search routes only) */
      apiKey?: ApiKeyRow;
    }
  }
}

export {};
