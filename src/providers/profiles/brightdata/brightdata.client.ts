import { ProviderError } from '../../../errors.js';
import { sleep } from '../../http/abort.js';
import { parseRetryAfter } from '../../http/backoff.js';
import type { CircuitBreaker } from '../../http/circuit-breaker.js';
import { HttpClient, HttpError } from '../../http/http-client.js';
import type { HttpResponse, RequestGate } from '../../http/http-client.js';
import type { RetryPolicy } from '../../http/retry.js';
import type { CallContext, Ledger } from '../../ledger.js';
import { isErrorRecord } from './brightdata.records.js';
import type { RawRecord } from './brightdata.records.js';

export interface BrightDataClientOptions {
  baseUrl: string;
  apiKey: string;
  /** per HTTP request (a synchronous scrape may legitimately take up to a minute) */
  timeoutMs: number;
  retry: RetryPolicy;
  breaker?: CircuitBreaker;
  gate?: RequestGate;
  /** between progress polls and after a 202 without Retry-After */
  pollIntervalMs: number;
  /** how long to wait for an asynchronous snapshot before giving up */
  maxWaitMs: number;
  /** USD per 1,000 delivered records (error records are not billed) */
  pricePer1kRecords: number;
}

/** Largest batch sent to the synchronous /scrape endpoint (BrightData's documented limit). */
export const SYNC_SCRAPE_LIMIT = 20;

type ProgressStatus = 'ready' | 'failed' | 'pending';
type ScrapeResult = { records: RawRecord[] } | { snapshotId: string; retryAfterMs: number };
type SnapshotResult = { records: RawRecord[] } | { notReadyMs: number };

/**
 * BrightData Web Scraper API (datasets v3). `collect` picks the synchronous /scrape for small
 * batches and trigger → progress → snapshot for larger ones, and follows a /scrape that answers
 * 202 (still running) into the same polling. Every HTTP call goes through the shared client (gate,
 * breaker, retries honouring Retry-After) and is one ledger row; cost counts delivered records only.
 */
export class BrightDataClient {
  private readonly http: HttpClient;

  constructor(
    private readonly opts: BrightDataClientOptions,
    ledger: Ledger,
  ) {
    this.http = new HttpClient({
      service: 'brightdata',
      baseUrl: opts.baseUrl,
      headers: { authorization: `Bearer ${opts.apiKey}` },
      timeoutMs: opts.timeoutMs,
      retry: opts.retry,
      breaker: opts.breaker,
      gate: opts.gate,
      ledger,
    });
  }

  /** All records (profiles and error records) for `urls` of one dataset. */
  async collect(datasetId: string, urls: string[], ctx: CallContext): Promise<RawRecord[]> {
    if (urls.length === 0) return [];
    if (urls.length <= SYNC_SCRAPE_LIMIT) {
      const res = await this.scrape(datasetId, urls, ctx);
      if ('records' in res) return res.records;
      await sleep(res.retryAfterMs, ctx.signal);
      return this.waitForSnapshot(res.snapshotId, ctx);
    }
    const snapshotId = await this.trigger(datasetId, urls, ctx);
    return this.waitForSnapshot(snapshotId, ctx);
  }

  /** POST /datasets/v3/scrape: records, or a snapshot id when the collection outlived the request (202). */
  scrape(datasetId: string, urls: string[], ctx: CallContext): Promise<ScrapeResult> {
    return this.http.call<ScrapeResult>(
      {
        method: 'POST',
        path: 'datasets/v3/scrape',
        query: { dataset_id: datasetId, format: 'json', include_errors: true },
        json: { input: urls.map((url) => ({ url })) },
        operation: 'scrape',
      },
      ctx,
      (res) => {
        if (res.status === 202) {
          const body = this.json(res, 'scrape') as { snapshot_id?: unknown };
          if (typeof body.snapshot_id !== 'string') throw this.bad('scrape', '202 answer without a snapshot_id');
          return { result: { snapshotId: body.snapshot_id, retryAfterMs: this.notReadyWait(res) }, units: { records: 0, errors: 0 } };
        }
        const records = this.records(res, 'scrape');
        return { result: { records }, ...this.billing(records) };
      },
    );
  }

  /** POST /datasets/v3/trigger: starts an asynchronous collection, returns its snapshot id. */
  trigger(datasetId: string, urls: string[], ctx: CallContext): Promise<string> {
    return this.http.call(
      {
        method: 'POST',
        path: 'datasets/v3/trigger',
        query: { dataset_id: datasetId, format: 'json', include_errors: true },
        json: urls.map((url) => ({ url })),
        operation: 'trigger',
      },
      ctx,
      (res) => {
        const body = this.json(res, 'trigger') as { snapshot_id?: unknown };
        if (typeof body.snapshot_id !== 'string') throw this.bad('trigger', 'answer without a snapshot_id');
        return { result: body.snapshot_id };
      },
    );
  }

  /** GET /datasets/v3/progress/{id}; every running status of every documented variant is "pending". */
  progress(snapshotId: string, ctx: CallContext): Promise<{ status: ProgressStatus; raw: string; message: string | null }> {
    return this.http.call(
      { method: 'GET', path: `datasets/v3/progress/${encodeURIComponent(snapshotId)}`, operation: 'progress' },
      ctx,
      (res) => {
        const body = this.json(res, 'progress') as { status?: unknown; error_message?: unknown; error?: unknown };
        const raw = typeof body.status === 'string' ? body.status.toLowerCase() : 'unknown';
        const status: ProgressStatus = raw === 'ready' ? 'ready' : ['failed', 'error', 'cancelled', 'canceled'].includes(raw) ? 'failed' : 'pending';
        const message = typeof body.error_message === 'string' ? body.error_message : typeof body.error === 'string' ? body.error : null;
        return { result: { status, raw, message } };
      },
    );
  }

  /** GET /datasets/v3/snapshot/{id}: the records, or `notReady` (202) with how long to wait. */
  async snapshot(snapshotId: string, ctx: CallContext): Promise<SnapshotResult> {
    try {
      return await this.http.call<SnapshotResult>(
        { method: 'GET', path: `datasets/v3/snapshot/${encodeURIComponent(snapshotId)}`, query: { format: 'json' }, operation: 'snapshot' },
        ctx,
        (res) => {
          if (res.status === 202) return { result: { notReadyMs: this.notReadyWait(res) }, units: { records: 0, errors: 0 } };
          const records = this.records(res, 'snapshot');
          return { result: { records }, ...this.billing(records) };
        },
      );
    } catch (err) {
      // "Snapshot is empty" is an answer (nothing was collected), not a failure.
      if (err instanceof ProviderError && err.cause instanceof HttpError && err.cause.status === 400 && /empty/i.test(err.cause.body)) {
        return { records: [] };
      }
      throw err;
    }
  }

  /** Polls progress until ready, then downloads (waiting out 202 "building" answers), within maxWaitMs. */
  async waitForSnapshot(snapshotId: string, ctx: CallContext): Promise<RawRecord[]> {
    const deadline = Date.now() + this.opts.maxWaitMs;
    const giveUpIfLate = () => {
      if (Date.now() > deadline) {
        throw new ProviderError('brightdata', 'snapshot', `snapshot ${snapshotId} not ready after ${Math.round(this.opts.maxWaitMs / 1000)}s`, {
          retryable: true,
        });
      }
    };
    for (;;) {
      const p = await this.progress(snapshotId, ctx);
      if (p.status === 'failed') {
        throw new ProviderError('brightdata', 'progress', `snapshot ${snapshotId} ${p.raw}${p.message ? `: ${p.message}` : ''}`, {
          retryable: false,
        });
      }
      if (p.status === 'ready') break;
      giveUpIfLate();
      await sleep(this.opts.pollIntervalMs, ctx.signal);
    }
    for (;;) {
      const s = await this.snapshot(snapshotId, ctx);
      if ('records' in s) return s.records;
      giveUpIfLate();
      await sleep(s.notReadyMs, ctx.signal);
    }
  }

  /** Wait after a 202: its Retry-After, at least the poll interval, at most the retry cap. */
  private notReadyWait(res: HttpResponse): number {
    const ra = parseRetryAfter(res.headers.get('retry-after')) ?? 0;
    return Math.min(Math.max(ra, this.opts.pollIntervalMs), Math.max(this.opts.retry.maxDelayMs, this.opts.pollIntervalMs));
  }

  private billing(records: RawRecord[]) {
    const errors = records.filter(isErrorRecord).length;
    const delivered = records.length - errors;
    return { units: { records: delivered, errors }, costUsd: (delivered * this.opts.pricePer1kRecords) / 1000 };
  }

  /** A JSON array of records; tolerates NDJSON and a single object. */
  private records(res: HttpResponse, operation: string): RawRecord[] {
    const text = res.text.trim();
    if (text === '') return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      try {
        parsed = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
      } catch {
        throw this.bad(operation, `answer is neither JSON nor NDJSON: ${text.slice(0, 200)}`);
      }
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    return list.filter((r): r is RawRecord => r !== null && typeof r === 'object' && !Array.isArray(r));
  }

  private json(res: HttpResponse, operation: string): Record<string, unknown> {
    try {
      const v = JSON.parse(res.text) as unknown;
      if (v && typeof v === 'object') return v as Record<string, unknown>;
    } catch {
      // fall through
    }
    throw this.bad(operation, `answer is not a JSON object: ${res.text.slice(0, 200)}`);
  }

  private bad(operation: string, message: string): ProviderError {
    return new ProviderError('brightdata', operation, message, { retryable: false });
  }
}
