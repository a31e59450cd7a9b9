import type { JobEvent } from '../../repositories/events.repository.js';
import type { JobEventsService } from '../../stores/job-events.store.js';
import { fanOutTrace } from './fan-out-trace.js';

type Events = Pick<JobEventsService, 'subscribe' | 'list'>;
type Listener = () => void;

/** Events kept in memory per watched job; a stream further behind reads Postgres itself. */
export const TAIL_MAX = 1_000;
const PAGE = 500;

/**
 * The recent events of one watched job, shared by all its streams in this process. `events` are
 * contiguous in the job's sequence after `floor`; the tail is current when nothing newer than its
 * last event has been announced since it was read.
 */
class JobTail {
  readonly listeners = new Set<Listener>();
  events: JobEvent[] = [];
  /** every event with floor < seq ≤ last is in `events`; null until first read */
  floor: number | null = null;
  announced = 0;
  stale = false;
  refreshing: Promise<void> | null = null;
  unsubscribe: (() => void) | null = null;

  get last(): number {
    return this.events.at(-1)?.seq ?? this.floor ?? 0;
  }

  get current(): boolean {
    return this.floor !== null && !this.stale && this.announced <= this.last;
  }

  /** Events with seq > after, at most `limit`, when `after` lies inside the tail. */
  slice(after: number, limit: number): JobEvent[] | null {
    if (this.floor === null || after < this.floor) return null;
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.events[mid]!.seq <= after) lo = mid + 1;
      else hi = mid;
    }
    return this.events.slice(lo, lo + limit);
  }

  append(after: number, page: JobEvent[]): void {
    if (this.floor === null || after !== this.last) {
      // first read, or a read that does not continue the tail: start over from it
      this.floor = after;
      this.events = [];
    }
    for (const e of page) if (e.seq > this.last) this.events.push(e);
    if (this.events.length > TAIL_MAX) {
      const drop = this.events.length - TAIL_MAX;
      this.floor = this.events[drop - 1]!.seq;
      this.events = this.events.slice(drop);
    }
  }
}

/**
 * Fan-out of job events to the SSE streams of one API process: one Redis subscription, and per job
 * and announcement at most one Postgres read, however many streams watch that job; none when the
 * announcement carries the event that continues the job's current tail (the usual case). A stream reads
 * through `read`, which answers from the job's shared tail when it is current, joins the refresh
 * in flight when one is running, and reads Postgres on its own only when it resumes from further
 * back than the tail reaches (or asks for a fresh read).
 *
 * The order that makes resume exact is kept: a stream subscribes before its first read, and every
 * announcement that reaches the process after that read started marks the tail as behind, so the
 * stream's listener fires and its next read refreshes the tail.
 */
export class JobEventFeed {
  private readonly tails = new Map<string, JobTail>();
  /** Postgres reads issued (for tests and metrics) */
  reads = 0;

  constructor(private readonly events: Events) {}

  /** Calls `listener` whenever job `jobId` may have new events; returns the function that unsubscribes. */
  async subscribe(jobId: string, listener: Listener): Promise<() => void> {
    let tail = this.tails.get(jobId);
    if (!tail) {
      tail = new JobTail();
      this.tails.set(jobId, tail);
    }
    tail.listeners.add(listener);
    if (!tail.unsubscribe) {
      const t = tail;
      try {
        t.unsubscribe = await this.events.subscribe(jobId, (seq, event) => {
          if (fanOutTrace.announced.hasSubscribers) fanOutTrace.announced.publish({ jobId, seq });
          // seq 0 = the announcement channel reconnected: anything may have been missed
          if (seq === 0) t.stale = true;
          else {
            // the announcement carries the event that comes right after a current tail: no read needed
            if (event && t.current && !t.refreshing && seq === t.last + 1) t.append(t.last, [event]);
            t.announced = Math.max(t.announced, seq);
          }
          for (const l of [...t.listeners]) l();
        });
      } catch (err) {
        this.drop(jobId, t, listener);
        throw err;
      }
    }
    return () => this.drop(jobId, tail, listener);
  }

  private drop(jobId: string, tail: JobTail, listener: Listener): void {
    tail.listeners.delete(listener);
    if (tail.listeners.size > 0 || this.tails.get(jobId) !== tail) return;
    this.tails.delete(jobId);
    tail.unsubscribe?.();
  }

  /** Events of `jobId` with seq > after, oldest first, at most `limit`. */
  async read(jobId: string, after: number, limit: number, opts: { fresh?: boolean } = {}): Promise<JobEvent[]> {
    const tail = this.tails.get(jobId);
    if (!tail) return this.list(jobId, after, limit);
    if (opts.fresh) tail.stale = true;
    if (tail.floor !== null && after < tail.floor) return this.list(jobId, after, limit);
    if (!tail.current) await this.refresh(jobId, tail, after);
    return tail.slice(after, limit) ?? this.list(jobId, after, limit);
  }

  /**
   * `read` without a promise, for the usual case: the job's tail is current and reaches back to
   * `after`, so the answer is in memory. Null when `read` would have to wait (a refresh, a read of
   * Postgres, or a stream resuming from before the tail).
   */
  readNow(jobId: string, after: number, limit: number): JobEvent[] | null {
    const tail = this.tails.get(jobId);
    if (!tail?.current) return null;
    return tail.slice(after, limit);
  }

  /** One refresh per tail at a time; whoever comes while it runs waits for it (and for a next one if needed). */
  private async refresh(jobId: string, tail: JobTail, after: number): Promise<void> {
    while (!tail.current) {
      if (!tail.refreshing) {
        const from = tail.floor === null ? after : tail.last;
        const announcedBefore = tail.announced;
        tail.stale = false;
        tail.refreshing = this.readAll(jobId, from)
          .then(({ events, complete }) => {
            tail.append(from, events);
            // An event is announced only after its insert committed, so a read that started after
            // an announcement sees that event. If it did not (the row is gone), do not ask again
            // until something new is announced.
            if (complete && tail.announced === announcedBefore && tail.last < announcedBefore) tail.announced = tail.last;
          })
          .catch((err: unknown) => {
            tail.stale = true;
            throw err;
          })
          .finally(() => {
            tail.refreshing = null;
          });
      }
      await tail.refreshing;
      if (tail.floor !== null && after < tail.floor) return;
    }
  }

  /** Everything after `after`, up to what the tail keeps; `complete` when it reached the end. */
  private async readAll(jobId: string, after: number): Promise<{ events: JobEvent[]; complete: boolean }> {
    const events: JobEvent[] = [];
    for (let from = after; ; ) {
      const page = await this.list(jobId, from, PAGE);
      events.push(...page);
      if (page.length < PAGE) return { events, complete: true };
      if (events.length >= TAIL_MAX) return { events, complete: false };
      from = page.at(-1)!.seq;
    }
  }

  private list(jobId: string, after: number, limit: number): Promise<JobEvent[]> {
    this.reads++;
    return this.events.list(jobId, after, limit);
  }

  /** jobs watched by at least one stream */
  get watchedJobs(): number {
    return this.tails.size;
  }
}
