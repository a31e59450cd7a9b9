import { createParser } from 'eventsource-parser';

/**
 * An EventSource for tests, written to the WHATWG HTML "Server-sent events" processing model
 * (Node 20 has no global EventSource). Like the `eventsource` npm package it can send extra
 * headers (our API authenticates with X-API-Key). It reconnects after the server-given retry
 * delay with Last-Event-ID, fails for good on a non-200 or non-event-stream answer, and exposes
 * comments so heartbeats can be observed.
 */
export interface SseEvent {
  type: string;
  data: string;
  lastEventId: string;
}

type Listener = (e: SseEvent) => void;

export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSED = 2;

export class TestEventSource {
  readyState = CONNECTING;
  /** the spec's "last event ID string", sent as Last-Event-ID on reconnect */
  lastEventId = '';
  reconnectionTime = 3000;
  /** how many HTTP connections were made (1 + reconnects) */
  connections = 0;
  readonly comments: string[] = [];
  readonly events: SseEvent[] = [];
  lastStatus = 0;
  private readonly listeners = new Map<string, Set<Listener>>();
  private controller: AbortController | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly url: string,
    private readonly opts: { headers?: Record<string, string>; maxReconnectMs?: number } = {},
  ) {
    void this.connect();
  }

  addEventListener(type: string, fn: Listener): void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(fn);
  }

  close(): void {
    this.readyState = CLOSED;
    if (this.timer) clearTimeout(this.timer);
    this.controller?.abort();
  }

  /** resolves when `predicate` holds for the events seen so far (or rejects after `ms`) */
  waitFor(predicate: (events: SseEvent[]) => boolean, ms = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + ms;
      const tick = () => {
        if (predicate(this.events)) return resolve();
        if (Date.now() > deadline) return reject(new Error(`timed out; got ${this.events.map((e) => `${e.lastEventId}:${e.type}`).join(',')}`));
        setTimeout(tick, 10);
      };
      tick();
    });
  }

  private dispatch(type: string, e: SseEvent): void {
    for (const fn of this.listeners.get(type) ?? []) fn(e);
  }

  private async connect(): Promise<void> {
    if (this.readyState === CLOSED) return;
    this.connections++;
    this.controller = new AbortController();
    const headers: Record<string, string> = { Accept: 'text/event-stream', 'Cache-Control': 'no-cache', ...this.opts.headers };
    if (this.lastEventId !== '') headers['Last-Event-ID'] = this.lastEventId;
    let res: Response;
    try {
      res = await fetch(this.url, { headers, signal: this.controller.signal });
    } catch {
      return this.reestablish();
    }
    this.lastStatus = res.status;
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (res.status !== 200 || type !== 'text/event-stream' || !res.body) {
      await res.body?.cancel().catch(() => {});
      return this.fail();
    }
    this.readyState = OPEN;
    this.dispatch('open', { type: 'open', data: '', lastEventId: this.lastEventId });
    try {
      await this.read(res.body);
    } catch {
      // network error or abort: handled below like an end of stream
    }
    this.reestablish();
  }

  private fail(): void {
    this.readyState = CLOSED;
    this.dispatch('error', { type: 'error', data: '', lastEventId: this.lastEventId });
  }

  private reestablish(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CONNECTING;
    this.dispatch('error', { type: 'error', data: '', lastEventId: this.lastEventId });
    const delay = Math.min(this.reconnectionTime, this.opts.maxReconnectMs ?? Infinity);
    this.timer = setTimeout(() => void this.connect(), delay);
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    // The field parsing (CR/LF/CRLF, BOM, multi-line data, ids with NUL) is eventsource-parser's.
    const parser = createParser({
      onId: (id) => {
        this.lastEventId = id;
      },
      onEvent: (e) => {
        const event: SseEvent = { type: e.event || 'message', data: e.data, lastEventId: this.lastEventId };
        this.events.push(event);
        this.dispatch(event.type, event);
      },
      onComment: (comment) => {
        this.comments.push(comment.trimStart());
      },
      onRetry: (ms) => {
        this.reconnectionTime = ms;
      },
    });
    const decoder = new TextDecoder('utf-8');
    const reader = body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  }
}
