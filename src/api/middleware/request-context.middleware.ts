import type { RequestHandler } from 'express';
import type { Logger } from '../../app/logger.js';
import { randomId } from '../../domain/ids.js';

/** A client-supplied request id is kept only when it is short and plain, so it is safe to log and echo. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function newRequestId(): string {
  return `req_${randomId(12)}`;
}

/**
 * Gives every request an id (honouring a sane `X-Request-Id`), echoes it on the response, and logs
 * one line per request when it ends. Only method, path, status, duration and the key's id are
 * logged: never headers, query strings or bodies, which can carry secrets.
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : newRequestId();
    const started = process.hrtime.bigint();
    res.locals.requestId = requestId;
    res.locals.log = logger.child({ request_id: requestId });
    res.setHeader('X-Request-Id', requestId);

    let logged = false;
    const done = (aborted: boolean) => {
      if (logged) return;
      logged = true;
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const line = {
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        duration_ms: Math.round(durationMs * 10) / 10,
        api_key_id: res.locals.apiKey?.id,
        aborted: aborted || undefined,
      };
      if (res.statusCode >= 500) res.locals.log.error(line, 'request failed');
      else res.locals.log.info(line, 'request');
    };
    res.on('finish', () => done(false));
    res.on('close', () => done(!res.writableFinished));
    next();
  };
}
