import type { Redis } from 'ioredis';
import pg from 'pg';
import { eventTypes } from '../domain/job.js';
import type { EventType } from '../domain/job.js';
import type { FinishFields, FinishStatus } from '../repositories/jobs.repository.js';
import { unknownJobError } from '../repositories/events.repository.js';
import type { EventsRepository, JobEvent, NewEvent } from '../repositories/events.repository.js';

interface Emitted {
  jobId: string;
  type: EventType;
  data: Record<string, unknown>;
}

/** `event` is the announced event itself when the announcement carried it (see ANNOUNCED_EVENT_MAX). */
type Listener = (seq: number, event?: JobEvent) => void;

/**
 * An announcement carries its event (as JSON, after the job id and seq) when that JSON is at most
 * this long, so the API processes can push it without reading it back from Postgres; a larger
 * event is announced by its seq alone and read by whoever needs it.
 */
export const ANNOUNCED_EVENT_MAX = 8_192;

/** The most events one statement writes; further emits wait for the next one. */
const EMITS_PER_STATEMENT_MAX = 1000;

type Outcome = { event: JobEvent } | { error: unknown };

/**
 * A write waiting for its turn: an emit (written together with the emits queued next to it) or a
 * finish (its own statement, side by side with the finishes of other jobs queued next to it).
 */
type Write = { kind: 'emit'; event: Emitted; resolve: (e: JobEvent) => void; reject: (err: unknown) => void } | { kind: 'finish'; jobId: string; run: () => Promise<void> };
type EmitWrite = Extract<Write, { kind: 'emit' }>;
type FinishWrite = Extract<Write, { kind: 'finish' }>;

/** Runs `run` on every item: one job's items one after another in the order given, different jobs side by side. */
async function inJobOrder<T>(items: T[], jobOf: (item: T) => string, run: (item: T) => Promise<void>): Promise<void> {
  const byJob = new Map<string, T[]>();
  for (const item of items) {
    const ofJob = byJob.get(jobOf(item));
    if (ofJob) ofJob.push(item);
    else byJob.set(jobOf(item), [item]);
  }
  await Promise.all(
    [...byJob.values()].map(async (ofJob) => {
      for (const item of ofJob) await run(item);
    }),
  );
}

const outcomeOf = (p: Promise<JobEvent>): Promise<Outcome> =>
  p.then(
    (event) => ({ event }),
    (error: unknown) => ({ error }),
  );

/**
 * Postgres answered the statement with an error and the session goes on: the statement was rolled
 * back, so writing its events again cannot write one twice. (A lost connection or a FATAL may
 * come after the commit.)
 */
const refusedStatement = (err: unknown) => err instanceof pg.DatabaseError && err.severity === 'ERROR';

/** The event an announcement carries, or undefined when it carries none or something unexpected. */
function announcedEvent(seq: number, json: string | undefined): JobEvent | undefined {
  if (json === undefined) return undefined;
  try {
    const e = JSON.parse(json) as { type?: unknown; data?: unknown; created_at?: unknown };
    const createdAt = new Date(typeof e.created_at === 'string' ? e.created_at : Number.NaN);
    if (!eventTypes.includes(e.type as EventType) || typeof e.data !== 'object' || e.data === null || Number.isNaN(createdAt.getTime())) return undefined;
    return { seq, type: e.type as EventType, data: e.data as Record<string, unknown>, createdAt };
  } catch {
    return undefined;
  }
}

/**
 * Job events: durable in Postgres (the source of truth, with a per-job sequence), announced on one
 * Redis pub/sub channel so every API process can push them to its SSE clients without polling.
 * Each process holds at most one subscriber connection and fans messages out in memory.
 */
export class JobEventsService {
  private subscriber: Redis | null = null;
  private subscribing: Promise<void> | null = null;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly revocationListeners = new Set<(apiKeyId: string) => void>();
  /**
   * Bumped whenever the subscription (re)connects or drops: what was learnt about keys before may
   * have missed a revocation, so caches keyed on it must start over.
   */
  private revocationEpoch = 0;
  private subscribed = false;
  readonly channel: string;
  /** revoked API key ids, so every API process ends that key's streams at once */
  readonly revocationChannel: string;

  constructor(
    private readonly repo: EventsRepository,
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.channel = `${prefix}:job-events`;
    this.revocationChannel = `${prefix}:api-key-revoked`;
  }

  /**
   * Tells every API process (this one included) that a key was revoked. This process's listeners
   * hear it at once, before the announcement's round trip, so its own next request sees the revoke.
   */
  async announceRevocation(apiKeyId: string): Promise<void> {
    for (const fn of [...this.revocationListeners]) fn(apiKeyId);
    await this.redis.publish(this.revocationChannel, apiKeyId);
  }

  /**
   * Calls `fn` with each revoked key id announced from now on. Registering is synchronous; the
   * subscription itself starts with the first `subscribe` (streams exist only after that).
   */
  onKeyRevoked(fn: (apiKeyId: string) => void): () => void {
    this.revocationListeners.add(fn);
    return () => void this.revocationListeners.delete(fn);
  }

  /**
   * The current revocation epoch while revocations are being received (the subscription is up),
   * else null. A cache of verified keys may serve an entry only while this is non-null and equal
   * to the epoch the entry was stored under. The first call starts the subscription.
   */
  revocationsLiveEpoch(): number | null {
    if (!this.subscribed) {
      this.ensureSubscriber().catch(() => {});
      return null;
    }
    return this.revocationEpoch;
  }

  private readonly observers = new Set<(jobId: string, event: JobEvent) => void>();

  /** Sees every event this process emits (used by metrics); returns the function that unsubscribes. */
  observe(fn: (jobId: string, event: JobEvent) => void): () => void {
    this.observers.add(fn);
    return () => void this.observers.delete(fn);
  }

  /**
   * Writes and announces one event; resolves with it as Postgres returned it once it is durable and
   * its announcement was sent. Group commit: emits called while a write is in flight are written
   * together, in one statement, when it is done (and announced in one Redis round trip), so many
   * jobs progressing at once cost a few commits instead of one each. Each job's events get their
   * seqs in the order this process called `emit` (and `finish`).
   */
  emit(jobId: string, type: EventType, data: Record<string, unknown> = {}): Promise<JobEvent> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'emit', event: { jobId, type, data }, resolve, reject }));
  }

  /**
   * Finishes a pending or running job: its terminal status and terminal event are written together
   * (one statement), after every emit called before it. False when the job had already finished;
   * then nothing is written.
   */
  finish(jobId: string, status: FinishStatus, job: FinishFields, data: Record<string, unknown>): Promise<boolean> {
    return new Promise((resolve, reject) =>
      this.enqueue({
        kind: 'finish',
        jobId,
        run: async () => {
          try {
            const event = await this.repo.appendTerminal(jobId, status, job, data);
            if (event) await this.publish([this.observed(jobId, event)]);
            resolve(event !== null);
          } catch (err) {
            reject(err);
          }
        },
      }),
    );
  }

  /** writes waiting for the one in flight, in call order */
  private readonly writes: Write[] = [];
  private writing = false;

  private enqueue(write: Write): void {
    this.writes.push(write);
    if (this.writing) return;
    this.writing = true;
    // A microtask, not a timer: an idle process writes at once, and emits called in one go (a
    // Promise.all) still share the first statement.
    queueMicrotask(() => void this.drain());
  }

  /** One step at a time (never rejects): the finishes queued next to each other, else the emits queued before the next finish. */
  private async drain(): Promise<void> {
    while (this.writes.length > 0) {
      const kind = this.writes[0]!.kind;
      let n = 1;
      while (n < this.writes.length && this.writes[n]!.kind === kind && (kind === 'finish' || n < EMITS_PER_STATEMENT_MAX)) n++;
      if (kind === 'finish') {
        await inJobOrder(this.writes.splice(0, n) as FinishWrite[], (w) => w.jobId, (w) => w.run());
        continue;
      }
      const batch = this.writes.splice(0, n) as EmitWrite[];
      // writeEmits settles every caller itself; should it throw anyway, none is left waiting and
      // the writes after them still go
      await this.writeEmits(batch).catch((err: unknown) => batch.forEach((w) => w.reject(err)));
    }
    this.writing = false;
  }

  private async writeEmits(batch: EmitWrite[]): Promise<void> {
    const outcomes = await this.append(batch.map((w) => w.event));
    const messages: string[] = [];
    outcomes.forEach((o, i) => {
      if (!('event' in o)) return;
      try {
        messages.push(this.observed(batch[i]!.event.jobId, o.event));
      } catch (error) {
        outcomes[i] = { error };
      }
    });
    await this.publish(messages);
    outcomes.forEach((o, i) => ('event' in o ? batch[i]!.resolve(o.event) : batch[i]!.reject(o.error)));
  }

  /** Each event written, or why not: one statement for them all. */
  private async append(events: Emitted[]): Promise<Outcome[]> {
    // one emit costs what it did before group commit: the single-row statement
    if (events.length === 1) return [await outcomeOf(this.repo.append(events[0]!.jobId, events[0]!.type, events[0]!.data))];
    const outcomes: Outcome[] = [];
    const rows: NewEvent[] = [];
    const indexes: number[] = [];
    for (const [i, { jobId, type, data }] of events.entries()) {
      try {
        rows.push({ jobId, type, json: JSON.stringify(data) });
        indexes.push(i);
      } catch (error) {
        // data that is no JSON fails its own emit only
        outcomes[i] = { error };
      }
    }
    try {
      const written = rows.length > 0 ? await this.repo.appendMany(rows) : [];
      written.forEach((event, k) => (outcomes[indexes[k]!] = event ? { event } : { error: unknownJobError(rows[k]!.jobId) }));
    } catch (error) {
      if (refusedStatement(error)) {
        // Refused (an event Postgres cannot store, a deadlock, a timeout): each call gets the outcome
        // of a statement of its own; one job's after another in call order, jobs side by side.
        await inJobOrder(
          indexes,
          (i) => events[i]!.jobId,
          async (i) => {
            outcomes[i] = await outcomeOf(this.repo.append(events[i]!.jobId, events[i]!.type, events[i]!.data));
          },
        );
      } else {
        // Not written, or not known to be: every caller gets the error, as a statement of its own would have.
        for (const i of indexes) outcomes[i] = { error };
      }
    }
    return outcomes;
  }

  /** Shows the written event to the observers and returns its announcement. */
  private observed(jobId: string, event: JobEvent): string {
    for (const fn of this.observers) fn(jobId, event);
    // The event as Postgres returned it (jsonb-normalised data), so a subscriber holds exactly what a read would give.
    const body = JSON.stringify({ type: event.type, data: event.data, created_at: event.createdAt.toISOString() });
    return body.length <= ANNOUNCED_EVENT_MAX ? `${jobId} ${event.seq} ${body}` : `${jobId} ${event.seq}`;
  }

  /** Sends announcements in the order given, in one round trip. */
  private async publish(messages: string[]): Promise<void> {
    // Announcing is best effort: a subscriber that misses it catches up from Postgres.
    if (messages.length === 1) await this.redis.publish(this.channel, messages[0]!).catch(() => 0);
    else if (messages.length > 1) {
      const pipeline = this.redis.pipeline();
      for (const m of messages) pipeline.publish(this.channel, m);
      await pipeline.exec().catch(() => null);
    }
  }

  list(jobId: string, after: number, limit: number): Promise<JobEvent[]> {
    return this.repo.list(jobId, after, limit);
  }

  /** Calls `listener` with the new sequence number (and the event, when announced with it) whenever job `jobId` gets an event. */
  async subscribe(jobId: string, listener: Listener): Promise<() => void> {
    await this.ensureSubscriber();
    let set = this.listeners.get(jobId);
    if (!set) this.listeners.set(jobId, (set = new Set()));
    set.add(listener);
    return () => {
      const s = this.listeners.get(jobId);
      if (!s) return;
      s.delete(listener);
      if (s.size === 0) this.listeners.delete(jobId);
    };
  }

  get subscriberCount(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }

  /** Every caller waits until SUBSCRIBE is active, so "subscribe, then read Postgres" loses nothing. */
  private ensureSubscriber(): Promise<void> {
    this.subscribing ??= this.connectSubscriber().catch((err: unknown) => {
      this.subscribing = null;
      throw err;
    });
    return this.subscribing;
  }

  private async connectSubscriber(): Promise<void> {
    // The command connection has no offline queue (fail fast); the subscriber must wait for its own
    // connection, and ioredis re-subscribes it after a reconnect.
    const sub = this.redis.duplicate({ enableOfflineQueue: true });
    this.subscriber = sub;
    sub.on('error', () => {});
    sub.on('message', (channel: string, message: string) => {
      if (channel === this.revocationChannel) {
        for (const fn of [...this.revocationListeners]) fn(message);
        return;
      }
      // "<jobId> <seq>" or "<jobId> <seq> <event JSON>"
      const a = message.indexOf(' ');
      const b = a < 0 ? -1 : message.indexOf(' ', a + 1);
      const set = a > 0 ? this.listeners.get(message.slice(0, a)) : undefined;
      if (!set) return;
      const seq = Number(b < 0 ? message.slice(a + 1) : message.slice(a + 1, b));
      // parsed once for all listeners, so the streams of this process share one object per event
      const event = b < 0 ? undefined : announcedEvent(seq, message.slice(b + 1));
      for (const l of [...set]) l(seq, event);
    });
    let connectedBefore = false;
    const lost = () => {
      if (this.subscriber !== sub) return;
      this.subscribed = false;
      this.revocationEpoch++;
    };
    sub.on('close', lost);
    sub.on('end', lost);
    sub.on('ready', () => {
      // Announcements sent while we were disconnected are lost: let every listener catch up from Postgres.
      if (connectedBefore) for (const set of this.listeners.values()) for (const l of [...set]) l(0);
      // ioredis re-subscribes on reconnect before it reports ready; key caches start a new epoch
      if (connectedBefore && this.subscriber === sub) {
        this.revocationEpoch++;
        this.subscribed = true;
      }
      connectedBefore = true;
    });
    try {
      await sub.subscribe(this.channel, this.revocationChannel);
      if (this.subscriber === sub) {
        this.revocationEpoch++;
        this.subscribed = true;
      }
    } catch (err) {
      this.subscriber = null;
      sub.disconnect();
      throw err;
    }
  }

  async close(): Promise<void> {
    this.listeners.clear();
    const sub = this.subscriber;
    this.subscriber = null;
    this.subscribed = false;
    this.revocationEpoch++;
    this.subscribing = null;
    if (sub) await sub.quit().catch(() => sub.disconnect());
  }
}
