import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../../errors.js';
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
  res.locals.log?.error({ err }, 'unhandled error');
  sendProblem(res, new AppError('internal', 'an internal error occurred; quote the request id when reporting it'), requestId);
};
