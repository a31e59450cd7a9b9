import type { Response } from 'express';
import { HeartbeatWheel } from './heartbeat-wheel.js';
import type { Beating } from './heartbeat-wheel.js';
import { JobEventFeed } from './job-event-feed.js';

export interface SseClient {
  res: Response;
  apiKeyId: string;
  /** ends the stream: stops heartbeats, unsubscribes, ends the response */
  close(finalComment?: string): void;
}

/**
 * Open SSE streams of this process, so shutdown can end them cleanly and a key cannot hold too
 * many, and the feed that shares one event read per job among them.
 */
export class SseHub {
  private readonly clients = new Set<SseClient>();
  private readonly perKey = new Map<string, number>();
  /** one heartbeat timer per period in use (in practice one: SSE_HEARTBEAT_MS) */
  private readonly wheels = new Map<number, HeartbeatWheel>();
  private closing = false;
  readonly feed: JobEventFeed;

  constructor(
    events: ConstructorParameters<typeof JobEventFeed>[0],
    readonly maxPerKey = 20,
  ) {
    this.feed = new JobEventFeed(events);
  }

  get size(): number {
    return this.clients.size;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** a snapshot of the open streams */
  streams(): SseClient[] {
    return [...this.clients];
  }

  countFor(apiKeyId: string): number {
    return this.perKey.get(apiKeyId) ?? 0;
  }

  add(client: SseClient): void {
    if (this.clients.has(client)) return;
    this.clients.add(client);
    this.perKey.set(client.apiKeyId, this.countFor(client.apiKeyId) + 1);
  }

  remove(client: SseClient): void {
    if (!this.clients.delete(client)) return;
    const n = this.countFor(client.apiKeyId) - 1;
    if (n > 0) this.perKey.set(client.apiKeyId, n);
    else this.perKey.delete(client.apiKeyId);
  }

  /** Sends `client` a heartbeat every `periodMs` from the shared wheel; returns the function that stops it. */
  beatEvery(client: Beating, periodMs: number): () => void {
    let wheel = this.wheels.get(periodMs);
    if (!wheel) {
      wheel = new HeartbeatWheel(periodMs);
      this.wheels.set(periodMs, wheel);
    }
    wheel.add(client);
    const w = wheel;
    return () => {
      w.remove(client);
      if (w.size === 0 && this.wheels.get(periodMs) === w) this.wheels.delete(periodMs);
    };
  }

  /** Ends the streams of a revoked key (their final comment says so); returns how many. */
  closeForKey(apiKeyId: string, reason = 'the API key was revoked'): number {
    const mine = [...this.clients].filter((c) => c.apiKeyId === apiKeyId);
    for (const c of mine) c.close(reason);
    return mine.length;
  }

  /** Ends every stream with a final comment telling the client to reconnect (with Last-Event-ID). */
  closeAll(reason = 'server shutting down; reconnect with Last-Event-ID'): number {
    this.closing = true;
    const n = this.clients.size;
    for (const c of [...this.clients]) c.close(reason);
    return n;
  }
}
