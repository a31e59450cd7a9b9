import type { RequestHandler } from 'express';

const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const ALLOWED_HEADERS = 'Content-Type, X-API-Key, Idempotency-Key, Last-Event-ID, X-Request-Id';
const EXPOSED_HEADERS =
  'X-Request-Id, Retry-After, RateLimit, RateLimit-Policy, Idempotent-Replayed, Location';

/**
 * CORS for browser clients of the public API. Origins come from CORS_ORIGINS (exact origins, or `*`).
 * Credentials are never allowed: the API authenticates with a header, not cookies. A preflight from
 * an origin that is not allowed gets an empty 204 without CORS headers, so the browser refuses.
 */
export function cors(origins: string[]): RequestHandler {
  const any = origins.includes('*');
  const allowed = new Set(origins.map((o) => o.replace(/\/$/, '').toLowerCase()));
  return (req, res, next) => {
    const origin = req.get('origin');
    res.vary('Origin');
    const ok = origin !== undefined && (any || allowed.has(origin.toLowerCase()));
    if (ok) {
      res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
      res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    }
    if (req.method === 'OPTIONS' && req.get('access-control-request-method') !== undefined) {
      if (ok) {
        res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
        res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
        res.setHeader('Access-Control-Max-Age', '600');
      }
      res.status(204).end();
      return;
    }
    next();
  };
}
