import createClient from 'openapi-fetch';
import type { Client } from 'openapi-fetch';
import type { paths } from './generated/openapi.js';
import { ScoutJobError, ScoutProblemError } from './problem.js';
import { retryingFetch } from './retry.js';
import type { RequestFetch, RetryOptions } from './retry.js';
import { watchJob } from './watch.js';
import type { WatchOptions } from './watch.js';
import type {
  Artifact,
  ArtifactKind,
  Health,
  Job,
  JobEvent,
  JobEventsBatch,
  JobResults,
  SearchRequest,
  SearchResponse,
  SimilarRequest,
  SimilarResponse,
  StartJobRequest,
  StartJobResponse,
} from './types.js';

export interface ScoutClientOptions {
  /** e.g. `https://scout.example.com` (no trailing path needed) */
  baseUrl: string;
  /** `isk_…`; leave it out in a browser talking to a proxy that adds the key */
  apiKey?: string;
  /** extra headers on every request */
  headers?: Record<string, string>;
  /** a fetch to use instead of globalThis.fetch (a test double, an instrumented fetch) */
  fetch?: RequestFetch;
  /** retries on 429/503 (see RetryOptions); `false` turns them off */
  retry?: RetryOptions | false;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface StartJobOptions extends RequestOptions {
  /** sent as Idempotency-Key; a fresh UUID when left out. Pass your own to survive a restart of your program. */
  idempotencyKey?: string;
}

export interface StartedJob extends StartJobResponse {
  /** the Idempotency-Key the job was started with: a retry with it returns this job */
  idempotency_key: string;
  /** true when an earlier request with the same key had created the job */
  replayed: boolean;
}

export interface WaitOptions extends WatchOptions {
  /** every event as it arrives (progress, warnings, partial results) */
  onEvent?: (event: JobEvent) => void;
}

type Outcome<T> = { data?: T; error?: unknown; response: Response };

/** The data of a 2xx answer, or a typed ScoutProblemError for anything else. */
function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.error !== undefined || !outcome.response.ok) throw ScoutProblemError.fromResponse(outcome.response, outcome.error);
  return outcome.data as T;
}

/**
 * The influencer-scout API, typed from its OpenAPI document. Each method throws ScoutProblemError for
 * an error answer and takes an AbortSignal; `raw` is the generated openapi-fetch client for anything
 * else. One instance per base URL and key; it holds no connections between calls.
 */
export class ScoutClient {
  readonly raw: Client<paths>;

  constructor(opts: ScoutClientOptions) {
    const base: RequestFetch = opts.fetch ?? ((request) => globalThis.fetch(request));
    this.raw = createClient<paths>({
      baseUrl: opts.baseUrl.replace(/\/+$/, ''),
      headers: { ...opts.headers, ...(opts.apiKey ? { 'X-API-Key': opts.apiKey } : {}) },
      fetch: opts.retry === false ? base : retryingFetch(base, opts.retry),
    });
  }

  async health(opts: RequestOptions = {}): Promise<Health> {
    // 503 carries a Health body too: it is an answer, not an error.
    const { data, error, response } = await this.raw.GET('/health', { signal: opts.signal });
    if (response.status === 503 && error && typeof error === 'object') return error as Health;
    return unwrap({ data, error, response });
  }

  /** Starts a job with an Idempotency-Key, so the retries on 429/503 (and yours) never create a second job. */
  async startJob(body: StartJobRequest, opts: StartJobOptions = {}): Promise<StartedJob> {
    const idempotencyKey = opts.idempotencyKey ?? globalThis.crypto.randomUUID();
    const outcome = await this.raw.POST('/pipeline/start', {
      body,
      params: { header: { 'Idempotency-Key': idempotencyKey } },
      signal: opts.signal,
    });
    const started = unwrap(outcome);
    return { ...started, idempotency_key: idempotencyKey, replayed: outcome.response.headers.get('Idempotent-Replayed') === 'true' };
  }

  async getJob(jobId: string, opts: RequestOptions = {}): Promise<Job> {
    return unwrap(await this.raw.GET('/pipeline/jobs/{jobId}', { params: { path: { jobId } }, signal: opts.signal }));
  }

  /** The shortlist of a finished job (409 `job_not_finished` before that: see waitForResults). */
  async getResults(jobId: string, opts: RequestOptions = {}): Promise<JobResults> {
    // JSON (the route also answers text/csv: see getResultsCsv)
    const outcome = await this.raw.GET('/pipeline/jobs/{jobId}/results', { params: { path: { jobId } }, signal: opts.signal });
    return unwrap(outcome) as JobResults;
  }

  /** The shortlist as CSV (the export's documented columns, formula-injection safe), as text. */
  async getResultsCsv(jobId: string, opts: RequestOptions = {}): Promise<string> {
    const outcome = await this.raw.GET('/pipeline/jobs/{jobId}/results', {
      params: { path: { jobId }, query: { format: 'csv' } },
      parseAs: 'text',
      signal: opts.signal,
    });
    return unwrap(outcome) as unknown as string;
  }

  async getArtifact(jobId: string, kind: ArtifactKind, opts: RequestOptions = {}): Promise<Artifact> {
    return unwrap(await this.raw.GET('/pipeline/jobs/{jobId}/artifacts/{kind}', { params: { path: { jobId, kind } }, signal: opts.signal }));
  }

  /** One JSON page of a job's events after `after` (the polling API). */
  async listEvents(jobId: string, opts: RequestOptions & { after?: number; limit?: number } = {}): Promise<JobEventsBatch> {
    const query = { format: 'json' as const, after: opts.after, limit: opts.limit };
    const page = unwrap(await this.raw.GET('/pipeline/jobs/{jobId}/events', { params: { path: { jobId }, query }, signal: opts.signal }));
    // format=json: the JSON half of the route's two media types.
    return page as JobEventsBatch;
  }

  async cancelJob(jobId: string, opts: RequestOptions = {}): Promise<Job> {
    return unwrap(await this.raw.POST('/pipeline/jobs/{jobId}/cancel', { params: { path: { jobId } }, signal: opts.signal })) as Job;
  }

  async search(body: SearchRequest, opts: RequestOptions = {}): Promise<SearchResponse> {
    return unwrap(await this.raw.POST('/weaviate/search', { body, signal: opts.signal }));
  }

  /** Lookalikes of seed creators from the index, synchronously (POST /search/similar). */
  async searchSimilar(body: SimilarRequest, opts: RequestOptions = {}): Promise<SimilarResponse> {
    return unwrap(await this.raw.POST('/search/similar', { body, signal: opts.signal }));
  }

  /**
   * The job's events as an async iterator, each once and in order, ending after `completed`, `failed`
   * or `cancelled`. SSE first, resuming with Last-Event-ID after a drop; polling when streaming fails.
   * `break` out of the loop (or abort the signal) to stop watching.
   */
  watchJob(jobId: string, opts: WatchOptions = {}): AsyncGenerator<JobEvent, void, undefined> {
    return watchJob(
      {
        openStream: async (id, after, signal) => {
          const { response } = await this.raw.GET('/pipeline/jobs/{jobId}/events', {
            params: { path: { jobId: id }, header: after > 0 ? { 'Last-Event-ID': String(after) } : {} },
            headers: { Accept: 'text/event-stream' },
            parseAs: 'stream',
            signal,
          });
          return response;
        },
        listEvents: (id, o) => this.listEvents(id, o),
      },
      jobId,
      opts,
    );
  }

  /** Watches the job to its end and returns its results; a failed or cancelled job is a ScoutJobError. */
  async waitForResults(jobId: string, opts: WaitOptions = {}): Promise<JobResults> {
    let last: JobEvent | null = null;
    for await (const event of this.watchJob(jobId, opts)) {
      opts.onEvent?.(event);
      last = event;
    }
    if (last && last.type !== 'completed') throw new ScoutJobError(jobId, last);
    if (!last) {
      // Watching started after the end: the job's status says how it ended.
      const job = await this.getJob(jobId, opts);
      if (job.status === 'failed' || job.status === 'cancelled') {
        throw new ScoutJobError(jobId, { seq: 0, type: job.status, created_at: job.finished_at ?? new Date().toISOString(), data: {} });
      }
    }
    return this.getResults(jobId, opts);
  }
}

export function createScoutClient(opts: ScoutClientOptions): ScoutClient {
  return new ScoutClient(opts);
}
