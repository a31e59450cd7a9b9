import express, { Router } from 'express';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../app/app-context.js';
import { parseOrThrow, problemBody } from '../../api/problem.js';
import { platforms } from '../../domain/creator.js';
import type { Creator, CreatorKey } from '../../domain/creator.js';
import { AppError } from '../../errors.js';
import { DEMO_SOURCE } from '../../import/demo-source.js';
import { noJob } from '../../providers/ledger.js';
import { indexStatus, removeCreators } from '../../services/creator-index.service.js';
import { CreatorIngestService, MAX_INGEST_BYTES, MAX_INGEST_ROWS } from '../../services/creator-ingest.service.js';
import type { IngestRow, IngestSummary } from '../../services/creator-ingest.service.js';

const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'];

const upsertQuery = z.strictObject({
  source: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,99}$/, 'must be 1–100 characters: letters, digits and . _ : @ / -')
    .refine((s) => s !== DEMO_SOURCE, `"${DEMO_SOURCE}" is reserved for the generated demo creators`)
    .optional(),
  keep_demo: z.enum(['true', 'false']).optional(),
});
const creatorParams = z.strictObject({
  platform: z.enum(platforms),
  handle: z.string().regex(/^@?[A-Za-z0-9._-]{1,100}$/, "must be 1–100 characters: a-z, 0-9, '.', '_' and '-'"),
});

/**
 * The creator ingestion API, for operators (admin key): bulk upsert as JSON or NDJSON with errors
 * per row, delete and get one creator, and the index status. Mounted before the admin API's
 * small JSON parser: bulk bodies have their own cap (MAX_INGEST_BYTES).
 */
export function creatorRoutes(ctx: AppContext): Router {
  const router = Router();
  const ingest = new CreatorIngestService(ctx);
  const json = express.json({ limit: MAX_INGEST_BYTES, strict: true });
  const ndjson = express.text({ limit: MAX_INGEST_BYTES, type: NDJSON_TYPES });

  router.post('/creators', json, ndjson, async (req, res) => {
    const query = parseOrThrow(upsertQuery, req.query, 'query');
    const rows = requestRows(req);
    if (rows.length > MAX_INGEST_ROWS) {
      throw new AppError('payload_too_large', `at most ${MAX_INGEST_ROWS.toLocaleString('en-US')} creators per request, got ${rows.length.toLocaleString('en-US')}: split the batch`);
    }
    if (rows.length === 0) {
      throw new AppError('validation_failed', 'no creators in the request', { errors: [{ field: 'creators', message: 'give at least one creator' }] });
    }
    const opts = { source: query.source, keepDemo: query.keep_demo === 'true', ctx: noJob };
    if (req.accepts(['application/json', 'application/x-ndjson']) === 'application/x-ndjson') {
      await streamUpsert(ctx, ingest, rows, opts, res);
      return;
    }
    const summary = await ingest.upsert(rows, opts);
    if (summary.upserted === 0) {
      throw new AppError('validation_failed', `none of the ${summary.received} creators is valid`, {
        errors: summary.errors.map((e) => ({ field: `creators[${e.index}]${e.field ? `.${e.field}` : ''}`, message: e.message })),
      });
    }
    res.json(await summaryBody(ctx, summary));
  });

  router.get('/creators/:platform/:handle', async (req, res) => {
    const key = keyOf(req);
    const [creator] = await ctx.providers.index.get([key], noJob);
    if (!creator) throw new AppError('not_found', `creator ${key} is not in the index`);
    res.json({ creator: creatorBody(creator) });
  });

  router.delete('/creators/:platform/:handle', async (req, res) => {
    const key = keyOf(req);
    const removed = await removeCreators(ctx, { keys: [key] });
    if (removed === 0) throw new AppError('not_found', `creator ${key} is not in the index`);
    res.locals.log?.info({ creator: key }, 'creator removed through the admin API');
    res.status(204).end();
  });

  router.get('/index', async (_req, res) => {
    res.json(await indexStatus(ctx, { maxAgeDays: ctx.config.profiles.maxAgeDays }));
  });

  return router;
}

/** The request's creators: a JSON array, `{ "creators": [...] }`, or NDJSON (one object per line). */
function requestRows(req: Request): IngestRow[] {
  if (typeof req.body === 'string') {
    const rows: IngestRow[] = [];
    req.body.split('\n').forEach((line, i) => {
      const t = line.trim();
      if (t === '') return;
      try {
        rows.push({ index: i, value: JSON.parse(t) as unknown });
      } catch (err) {
        rows.push({ index: i, error: `invalid JSON: ${(err as Error).message.slice(0, 200)}` });
      }
    });
    return rows;
  }
  if (!req.is('application/json')) {
    throw new AppError('unsupported_media_type', 'send creators as application/json (an array, or {"creators": [...]}) or application/x-ndjson');
  }
  const body: unknown = req.body;
  const list = Array.isArray(body) ? body : body && typeof body === 'object' && Array.isArray((body as { creators?: unknown }).creators) ? (body as { creators: unknown[] }).creators : null;
  if (!list) {
    throw new AppError('validation_failed', 'the body must be a JSON array of creators or {"creators": [...]}', {
      errors: [{ field: 'creators', message: 'must be an array of creator objects' }],
    });
  }
  return list.map((value, index) => ({ index, value }));
}

/**
 * NDJSON response for long batches: a `progress` line after every step, then the `result` (or an
 * `error` line with the problem when the index fails midway: the status line was already sent).
 */
async function streamUpsert(
  ctx: AppContext,
  ingest: CreatorIngestService,
  rows: IngestRow[],
  opts: Parameters<CreatorIngestService['upsert']>[1],
  res: Response,
): Promise<void> {
  res.status(200).type('application/x-ndjson');
  res.flushHeaders();
  const line = (value: unknown) => res.write(`${JSON.stringify(value)}\n`);
  try {
    const summary = await ingest.upsert(rows, { ...opts, onProgress: (p) => void line({ type: 'progress', ...p }) });
    line({ type: 'result', ...(await summaryBody(ctx, summary)) });
  } catch (err) {
    res.locals.log?.error({ err }, 'creator ingestion failed midway');
    const problem = err instanceof AppError ? err : new AppError('internal', 'the index write failed; creators before the failure were written');
    line({ type: 'error', problem: problemBody(problem, res.locals.requestId ?? '') });
  }
  res.end();
}

async function summaryBody(ctx: AppContext, s: IngestSummary) {
  return {
    source: s.source,
    received: s.received,
    upserted: s.upserted,
    rejected: s.rejected,
    errors: s.errors,
    demo_removed: s.demoRemoved,
    duration_ms: Math.round(s.durationMs),
    creators_per_sec: Math.round(s.ratePerSec),
    index_count: await ctx.providers.index.count(),
  };
}

function keyOf(req: Request): CreatorKey {
  const { platform, handle } = parseOrThrow(creatorParams, req.params, 'params');
  return `${platform}:${handle.replace(/^@/, '').toLowerCase()}`;
}

/** A creator as stored, in the API's snake_case. */
export function creatorBody(c: Creator) {
  return {
    key: c.key,
    platform: c.platform,
    handle: c.handle,
    display_name: c.displayName,
    bio: c.bio,
    categories: c.categories,
    topics: c.topics,
    niches: c.niches ?? [],
    followers: c.followers,
    following: c.following,
    posts_count: c.postsCount,
    engagement_rate: c.engagementRate,
    country: c.country,
    language: c.language,
    verified: c.verified,
    profile_url: c.profileUrl,
    source: c.source,
    updated_at: c.updatedAt,
    observed_at: c.observedAt,
    observed_at_basis: c.observedAtBasis,
  };
}
