import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../../errors.js';
import { sendProblem } from '../problem.js';

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '53300']);

/** Postgres/Redis being down or saturated is not the client's fault, and not a bug: 503, not 500. */
function isBackendUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  return /timeout exceeded when trying to connect|Connection terminated|Stream isn't writeable|Connection is closed|is not queryable/.test(err.message);
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `no route for ${req.method} ${req.path}`));
};

/**
 * The one error handler: AppErrors become their problem document; anything else is logged with
 * the request id and answered with a generic 500 that says nothing about the cause.
 */
export const errorHandler: ErrorRequestHandler = (err: unknown, _req, res, next) => {
  const requestId = res.locals.requestId ?? 'unknown';
  if (res.headersSent) {
    res.locals.log?.error({ err }, 'error after the response started');
    next(err);
    return;
  }
  if (err instanceof AppError) {
    sendProblem(res, err, requestId);
    return;
  }
  if (err instanceof URIError) {
    // Express could not percent-decode a path parameter (e.g. /pipeline/jobs/%ZZ): the client's mistake.
    sendProblem(res, new AppError('bad_request', 'the URL path has malformed percent-encoding'), requestId);
    return;
  }
  res.locals.log?.error({ err }, 'unhandled error');
  if (isBackendUnavailable(err)) {
    sendProblem(res, new AppError('service_unavailable', 'a backend is unavailable right now; retry shortly', { retryAfterSeconds: 5 }), requestId);
    return;
  }
  sendProblem(res, new AppError('internal', 'an internal error occurred; quote the request id when reporting it'), requestId);
};
