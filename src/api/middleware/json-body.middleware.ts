import express from 'express';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../../errors.js';

const JSON_TYPES = ['application/json', 'application/*+json'];

function hasBody(req: express.Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

// NUL and unpaired surrogates are valid JSON escapes but cannot be stored in Postgres text/jsonb.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unstorable = (s: string) => s.includes('\u0000') || LONE_SURROGATE.test(s);

function rejectUnstorableText(key: string, value: unknown): unknown {
  if ((typeof value === 'string' && unstorable(value)) || unstorable(key)) {
    throw new SyntaxError('text must not contain NUL characters or unpaired surrogates');
  }
  return value;
}

/**
 * Strict JSON bodies for the API: a body must be declared JSON (415 otherwise), fit the size cap
 * (413), and parse as a JSON object or array (400 naming the body). A request without a body gets
 * `{}`, so validation can name the missing fields.
 */
export function jsonBody(limit: string): RequestHandler[] {
  const parse = express.json({ limit, strict: true, type: JSON_TYPES, reviver: rejectUnstorableText });
  const requireJson: RequestHandler = (req, _res, next) => {
    if (!hasBody(req)) {
      req.body = {};
      next();
      return;
    }
    if (!req.is(JSON_TYPES)) {
      next(new AppError('unsupported_media_type', 'request body must be JSON (Content-Type: application/json)'));
      return;
    }
    next();
  };
  return [requireJson, parse];
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
  code?: string;
}

/** zlib/brotli failures while inflating a Content-Encoding'd body (body-parser passes them on untyped). */
const isDecompressionError = (err: BodyParserError) =>
  typeof err?.code === 'string' && /^(Z_|ERR_BROTLI|ERR__ERROR_)/.test(err.code);

/** body-parser's errors as AppErrors; anything else passes through untouched. */
export const bodyParserErrors: ErrorRequestHandler = (err: BodyParserError, _req, _res, next) => {
  switch (err?.type) {
    case 'entity.too.large':
      next(new AppError('payload_too_large', `request body is larger than the ${err.limit ?? ''} byte limit`.replace('  ', ' ')));
      return;
    case 'entity.parse.failed':
      next(
        new AppError('bad_request', `request body is not valid JSON: ${err.message.slice(0, 200)}`, {
          errors: [{ field: '(body)', message: 'must be a JSON object' }],
        }),
      );
      return;
    case 'charset.unsupported':
    case 'encoding.unsupported':
      next(new AppError('unsupported_media_type', err.message));
      return;
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      next(new AppError('bad_request', 'request body could not be read'));
      return;
    default:
      if (isDecompressionError(err)) {
        next(new AppError('bad_request', `request body could not be decompressed (Content-Encoding): ${err.message.slice(0, 100)}`));
        return;
      }
      next(err);
  }
};
