import type { Redis } from 'ioredis';
import { eventTypes } from '../domain/job.js';
import type { EventType } from '../domain/job.js';
import type { FinishFields, FinishStatus } from '../repositories/jobs.repository.js';
import type { EventsRepository, JobEvent } from '../repositories/events.repository.js';

/** `event` is the announced event itself when the announcement carried it (see ANNOUNCED_EVENT_MAX). */
type Listener = (seq: number, event?: JobEvent) => void;

/**
 * An announcement carries its event (as JSON, after the job id and seq) when that JSON is at most
 * this long, so the API processes can push it without reading it back from Postgres; a larger
 * event is announced by its seq alone and read by whoever needs it.
 */
export const ANNOUNCED_EVENT_MAX = 8_192;

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

  async emit(jobId: string, type: EventType, data: Record<string, unknown> = {}): Promise<JobEvent> {
    const event = await this.repo.append(jobId, type, data);
    await this.announce(jobId, event);
    return event;
  }

  /**
   * Finishes a pending or running job: its terminal status and terminal event are written together
   * (one statement). False when the job had already finished; then nothing is written.
   */
  async finish(jobId: string, status: FinishStatus, job: FinishFields, data: Record<string, unknown>): Promise<boolean> {
    const event = await this.repo.appendTerminal(jobId, status, job, data);
    if (!event) return false;
    await this.announce(jobId, event);
    return true;
  }

  private async announce(jobId: string, event: JobEvent): Promise<void> {
    for (const fn of this.observers) fn(jobId, event);
    // The event as Postgres returned it (jsonb-normalised data), so a subscriber holds exactly what a read would give.
    const body = JSON.stringify({ type: event.type, data: event.data, created_at: event.createdAt.toISOString() });
    const message = body.length <= ANNOUNCED_EVENT_MAX ? `${jobId} ${event.seq} ${body}` : `${jobId} ${event.seq}`;
    // Announcing is best effort: a subscriber that misses it catches up from Postgres.
    await this.redis.publish(this.channel, message).catch(() => 0);
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
