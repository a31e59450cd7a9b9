import { ScoutProblemError } from './problem.js';
import { sleep } from './retry.js';
import { readSse } from './sse.js';
import { TERMINAL_EVENT_TYPES } from './types.js';
import type { JobEvent, JobEventsBatch } from './types.js';

export interface WatchOptions {
  /** start after this event sequence number (default 0: from the first event) */
  after?: number;
  signal?: AbortSignal;
  /** `auto` (default): SSE, falling back to polling when streaming does not work; or force one */
  transport?: 'auto' | 'sse' | 'poll';
  /** wait before reconnecting a dropped stream (default: the server's `retry:` advice, else 1 s) */
  reconnectDelayMs?: number;
  /** stream attempts in a row that deliver nothing before `auto` switches to polling (default 3) */
  streamFailuresBeforePolling?: number;
  /** polling interval while nothing new arrives (default 1 s) */
  pollIntervalMs?: number;
  /** failed attempts in a row (stream or poll) before the last error is thrown (default 10) */
  maxConsecutiveFailures?: number;
  /** called whenever the watcher (re)connects or changes transport: for logs and tests */
  onConnect?: (info: { transport: 'sse' | 'poll'; after: number; reason: string }) => void;
}

/** The two reads watchJob needs, provided by ScoutClient (kept apart so this file has no HTTP details). */
export interface EventSourceApi {
  openStream(jobId: string, after: number, signal?: AbortSignal): Promise<Response>;
  listEvents(jobId: string, opts: { after: number; limit: number; signal?: AbortSignal }): Promise<JobEventsBatch>;
}

const TERMINAL_STATUSES = new Set(['completed', 'failed', 'cancelled']);

function isEventStream(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream');
}

/** A 4xx other than 429 will not get better by asking again (bad key, unknown job, bad cursor). */
function isFatal(err: unknown): boolean {
  return err instanceof ScoutProblemError && err.status >= 400 && err.status < 500 && err.status !== 429;
}

/**
 * Every event of a job, each once and in order, ending after the terminal one. Over SSE it resumes
 * a dropped stream with `Last-Event-ID`; when streaming does not work (a buffering proxy, a stream
 * cap, repeated drops with nothing delivered) it polls the JSON event pages from the same cursor.
 */
export async function* watchJob(api: EventSourceApi, jobId: string, opts: WatchOptions = {}): AsyncGenerator<JobEvent, void, undefined> {
  const { signal } = opts;
  const maxFailures = opts.maxConsecutiveFailures ?? 10;
  const failuresBeforePolling = opts.streamFailuresBeforePolling ?? 3;
  let after = opts.after ?? 0;
  let transport: 'sse' | 'poll' = opts.transport === 'poll' ? 'poll' : 'sse';
  let reason = 'start';
  let serverRetryMs: number | null = null;
  let failures = 0;
  let streamFailures = 0;
  let lastError: unknown = null;

  const fail = (err: unknown) => {
    if (signal?.aborted) throw signal.reason;
    if (isFatal(err)) throw err;
    lastError = err;
    failures++;
    if (failures >= maxFailures) throw lastError;
  };

  for (;;) {
    signal?.throwIfAborted();
    opts.onConnect?.({ transport, after, reason });
    if (transport === 'sse') {
      let delivered = false;
      let response: Response | null = null;
      try {
        response = await api.openStream(jobId, after, signal);
        // 204: the stream already ended for this cursor (its terminal event is at or before `after`).
        if (response.status === 204) return;
        if (!response.ok) throw ScoutProblemError.fromResponse(response, await response.text().catch(() => ''));
        if (!response.body || !isEventStream(response)) {
          if (opts.transport === 'sse') throw new Error(`events answered ${response.headers.get('content-type') ?? 'no content type'}, not an event stream`);
          transport = 'poll';
          reason = 'the answer was not an event stream';
          continue;
        }
        for await (const msg of readSse(response.body, { onRetry: (ms) => (serverRetryMs = ms) })) {
          const event = JSON.parse(msg.data) as JobEvent;
          if (event.seq <= after) continue;
          after = event.seq;
          delivered = true;
          failures = 0;
          streamFailures = 0;
          // an abort while the caller handled the last event ends the watch, even with more already read
          signal?.throwIfAborted();
          yield event;
          if (TERMINAL_EVENT_TYPES.has(event.type)) return;
        }
        reason = 'the stream ended before the job did';
      } catch (err) {
        fail(err);
        reason = `the stream failed: ${(err as Error).message}`;
      } finally {
        await response?.body?.cancel().catch(() => {});
      }
      if (!delivered) {
        streamFailures++;
        if (opts.transport !== 'sse' && streamFailures >= failuresBeforePolling) {
          transport = 'poll';
          reason = `${streamFailures} stream attempts delivered nothing (${reason})`;
          continue;
        }
      }
      await sleep(opts.reconnectDelayMs ?? serverRetryMs ?? 1000, signal);
    } else {
      let page: JobEventsBatch;
      try {
        page = await api.listEvents(jobId, { after, limit: 500, signal });
      } catch (err) {
        fail(err);
        reason = `polling failed: ${(err as Error).message}`;
        await sleep(opts.pollIntervalMs ?? 1000, signal);
        continue;
      }
      failures = 0;
      for (const event of page.events) {
        if (event.seq <= after) continue;
        after = event.seq;
        signal?.throwIfAborted();
        yield event;
        if (TERMINAL_EVENT_TYPES.has(event.type)) return;
      }
      if (page.has_more) {
        reason = 'next page';
        continue;
      }
      // Ended and nothing left after our cursor: its terminal event came before `after`.
      if (TERMINAL_STATUSES.has(page.status)) return;
      reason = 'poll';
      await sleep(opts.pollIntervalMs ?? 1000, signal);
    }
  }
}
