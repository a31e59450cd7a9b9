import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NextFunction, Request, Response } from 'express';
import { errorHandler } from '../src/api/middleware/errors.middleware.js';
import { isTransientBackendError, NETWORK_ERROR_CODES, TRANSIENT_SQLSTATES } from '../src/errors.js';
import { describeFailure } from '../src/pipeline/failure.js';

const coded = (code: string, message = `failed: ${code}`) => Object.assign(new Error(message), { code });

/** The status the API's error handler answers with. */
function apiStatus(err: unknown): number {
  let status = 0;
  const res = {
    headersSent: false,
    locals: {},
    setHeader: () => res,
    status(s: number) {
      status = s;
      return res;
    },
    type: () => res,
    send: () => res,
  };
  errorHandler(err, {} as Request, res as unknown as Response, (() => {}) as NextFunction);
  return status;
}

const transient = [
  ...NETWORK_ERROR_CODES.map((c) => coded(c)),
  ...TRANSIENT_SQLSTATES.map((c) => coded(c)),
  new Error('Connection terminated unexpectedly'),
  new Error('Connection is closed.'),
  new Error('timeout exceeded when trying to connect'),
  new Error("Stream isn't writeable and enableOfflineQueue options is false"),
  new Error('Client has encountered a connection error and is not queryable'),
];
const lasting = [
  coded('42601', 'syntax error at or near "SELEC"'),
  coded('23505', 'duplicate key value violates unique constraint'),
  coded('ERR_INVALID_ARG_TYPE'),
  new TypeError("Cannot read properties of undefined (reading 'x')"),
  new Error('boom'),
  'ECONNRESET',
  null,
];

describe('transient backend errors: one rule for the API and the worker', () => {
  it('knows network failures, the retryable SQLSTATEs and the drivers\' lost-connection messages', () => {
    for (const err of transient) assert.equal(isTransientBackendError(err), true, String(err));
    for (const err of lasting) assert.equal(isTransientBackendError(err), false, String(err));
  });

  it('the API answers 503 exactly where the worker retries the job as `unavailable`', () => {
    for (const err of transient) {
      assert.equal(apiStatus(err), 503, String(err));
      assert.deepEqual([describeFailure(err, 'search').code, describeFailure(err, 'search').retryable], ['unavailable', true], String(err));
    }
    for (const err of lasting.filter((e) => e instanceof Error)) {
      assert.equal(apiStatus(err), 500, String(err));
      assert.deepEqual([describeFailure(err, 'search').code, describeFailure(err, 'search').retryable], ['internal', false], String(err));
    }
  });
});
