import { stat } from 'node:fs/promises';
import type { AppContext } from '../app/app-context.js';
import type { Creator } from '../domain/creator.js';
import { genericJsonlFormat } from '../import/formats/generic.format.js';
import { MIN_TRAIN_CREATORS, nicheModelPath, readNicheModel } from '../import/importer.js';
import { nicheDoc, nicheScores, significantNiches, trainNicheModel } from '../import/niche-classifier.js';
import type { NicheModel } from '../import/niche-classifier.js';
import { RowError } from '../import/values.js';
import { creatorDocument } from '../providers/embeddings/embedder.js';
import { noJob } from '../providers/ledger.js';
import type { CallContext } from '../providers/ledger.js';
import { optimizeIndex, prepareForRealData } from './creator-index.service.js';

/** Rows one ingestion request may carry; more is a 413 (split the batch). */
export const MAX_INGEST_ROWS = 5_000;
/** Bytes one ingestion request body may have; more is a 413. */
export const MAX_INGEST_BYTES = 10 * 1024 * 1024;
/** The source API-written creators carry unless the request names one. */
export const DEFAULT_INGEST_SOURCE = 'api';
/**
 * Rows validated, embedded and written per step. Between steps the event loop is free, so
 * searches served by the same process wait at most one step's CPU (tens of ms), never the batch.
 */
const STEP_ROWS = 250;
/** After this many creators written through the API since the last optimisation, one runs in the background. */
const OPTIMIZE_AFTER_ROWS = 20_000;

export interface IngestRowError {
  /** 0-based position of the row in the request (array index or NDJSON line − 1) */
  index: number;
  /** the field the error is about, when it is about one */
  field: string | null;
  message: string;
}

/** One row of a request: its position (array index, or NDJSON line − 1) and its value, or why it is unreadable. */
export type IngestRow = { index: number; value: unknown; error?: undefined } | { index: number; value?: undefined; error: string };

export interface IngestProgress {
  done: number;
  total: number;
  upserted: number;
  rejected: number;
}

export interface IngestSummary {
  source: string;
  received: number;
  upserted: number;
  rejected: number;
  errors: IngestRowError[];
  /** demo creators removed because this was the first real data (see docs/operations.md) */
  demoRemoved: number;
  durationMs: number;
  /** creators written per second */
  ratePerSec: number;
}

export type IngestDeps = Pick<AppContext, 'providers' | 'repos' | 'config'>;

/**
 * Creators written through the API: the generic import format's validation row by row (a bad row
 * is reported by its index and skipped), niches from the stored model (or one trained on a big
 * enough batch), embedded and upserted in steps. One per process (it remembers the niche model and
 * how much was written since the index was last optimised).
 */
export class CreatorIngestService {
  private model: { model: NicheModel | null; mtimeMs: number } | null = null;
  private writtenSinceOptimize = 0;
  private optimizing: Promise<unknown> | null = null;

  constructor(private readonly deps: IngestDeps) {}

  async upsert(
    rows: readonly IngestRow[],
    opts: { source?: string; keepDemo?: boolean; ctx?: CallContext; onProgress?: (p: IngestProgress) => void | Promise<void> } = {},
  ): Promise<IngestSummary> {
    const started = performance.now();
    const { embedder, index } = this.deps.providers;
    const ctx = opts.ctx ?? noJob;
    const source = opts.source ?? DEFAULT_INGEST_SOURCE;
    const rowCtx = { source, now: new Date().toISOString() };
    const errors: IngestRowError[] = [];
    const valid: { creator: Creator; index: number }[] = [];
    for (const { index: i, value, error } of rows) {
      if (error !== undefined) {
        errors.push({ index: i, field: null, message: error });
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        errors.push({ index: i, field: null, message: 'must be a JSON object (one creator)' });
        continue;
      }
      try {
        valid.push({ creator: genericJsonlFormat.toCreator(value as Record<string, unknown>, rowCtx), index: i });
      } catch (err) {
        if (!(err instanceof RowError)) throw err;
        errors.push(rowError(i, err.message));
      }
    }
    // the same creator twice in one request: the later row wins, as a second request would
    const last = new Map(valid.map((v) => [v.creator.key, v]));
    const creators = [...last.values()].sort((a, b) => a.index - b.index).map((v) => v.creator);

    let demoRemoved = 0;
    if (creators.length > 0) ({ demoRemoved } = await prepareForRealData(this.deps, source, { keepDemo: opts.keepDemo, ctx }));
    const model = await this.nicheModel(creators);
    let upserted = 0;
    for (let i = 0; i < creators.length; i += STEP_ROWS) {
      ctx.signal?.throwIfAborted();
      const step = creators.slice(i, i + STEP_ROWS);
      if (model) for (const c of step) c.niches = significantNiches(nicheScores(model, nicheDoc(c)));
      const vectors = await embedder.embed(step.map(creatorDocument), ctx);
      await index.upsert(step.map((creator, j) => ({ creator, vector: vectors[j]! })), ctx);
      upserted += step.length;
      await opts.onProgress?.({ done: Math.min(rows.length, i + step.length + errors.length), total: rows.length, upserted, rejected: errors.length });
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.afterWrite(upserted);
    const durationMs = performance.now() - started;
    return {
      source,
      received: rows.length,
      upserted,
      rejected: errors.length,
      errors: errors.sort((a, b) => a.index - b.index),
      demoRemoved,
      durationMs,
      ratePerSec: durationMs > 0 ? (upserted / durationMs) * 1000 : 0,
    };
  }

  /** Waits for a background optimisation this service started (tests, shutdown). */
  async settled(): Promise<void> {
    await this.optimizing;
  }

  /**
   * Niches for API-written creators: the model `scout import` stored (re-read when the file
   * changes); without one, a batch big enough to learn from trains its own; else none.
   */
  private async nicheModel(creators: Creator[]): Promise<NicheModel | null> {
    const file = nicheModelPath(this.deps.config);
    const mtimeMs = await stat(file).then((s) => s.mtimeMs, () => -1);
    if (!this.model || this.model.mtimeMs !== mtimeMs) this.model = { model: mtimeMs < 0 ? null : await readNicheModel(file), mtimeMs };
    if (this.model.model) return this.model.model;
    return creators.length >= MIN_TRAIN_CREATORS ? trainNicheModel(creators.map(nicheDoc)) : null;
  }

  /** Many small API batches leave many small fragments: compact them once in a while, off the request. */
  private afterWrite(rows: number): void {
    this.writtenSinceOptimize += rows;
    if (this.writtenSinceOptimize < OPTIMIZE_AFTER_ROWS || this.optimizing || !this.deps.providers.index.optimize) return;
    this.writtenSinceOptimize = 0;
    this.optimizing = optimizeIndex(this.deps)
      .catch(() => undefined)
      .finally(() => {
        this.optimizing = null;
      });
  }
}

/** "followers: "lots" is not a count" → field followers; a message without a field prefix has none. */
function rowError(index: number, message: string): IngestRowError {
  const m = /^([a-z_]+): (.*)$/s.exec(message);
  return m ? { index, field: m[1]!, message: m[2]! } : { index, field: null, message };
}
