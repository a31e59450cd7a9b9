import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, isTransientBackendError } from '../../errors.js';
import { sendProblem } from '../problem.js';

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
  // Postgres/Redis down, saturated or mid-failover is not the client's fault, and not a bug: 503, not 500.
  if (isTransientBackendError(err)) {
    sendProblem(res, new AppError('service_unavailable', 'a backend is unavailable right now; retry shortly', { retryAfterSeconds: 5 }), requestId);
    return;
  }
  sendProblem(res, new AppError('internal', 'an internal error occurred; quote the request id when reporting it'), requestId);
};
