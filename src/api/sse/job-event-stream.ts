import { once } from 'node:events';
import type { Socket } from 'node:net';
import type { Response } from 'express';
import type { AppContext } from '../../app/app-context.js';
import { isTerminal, terminalEventTypes } from '../../domain/job.js';
import type { JobEvent } from '../../repositories/events.repository.js';
import { fanOutTrace } from './fan-out-trace.js';
import type { SseClient, SseHub } from './sse-hub.js';

const PAGE = 500;
export const TERMINAL_GRACE_MS = 2_000;
/**
 * A failed read (Postgres busy or restarting) is retried after these pauses while the stream stays
 * open; only when they are used up is the client told to reconnect. Ten thousand clients
 * reconnecting at once would only deepen the trouble.
 */
export const READ_RETRY_MS = [250, 500, 1_000, 2_000, 4_000];

export function eventItem(e: JobEvent) {
  return { seq: e.seq, type: e.type, created_at: e.createdAt.toISOString(), data: e.data };
}

/** Streams of one job share the feed's event objects, so each event is serialised and encoded once. */
const frames = new WeakMap<JobEvent, Buffer>();
const chunks = new WeakMap<Buffer, Buffer>();

function frame(e: JobEvent): Buffer {
  let f = frames.get(e);
  if (f === undefined) {
    f = Buffer.from(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(eventItem(e))}\n\n`);
    frames.set(e, f);
  }
  return f;
}

/** `bytes` as one chunk of a chunked-encoded body (what `res.write` would send as three pieces), built once per frame. */
function chunkOf(bytes: Buffer): Buffer {
  let c = chunks.get(bytes);
  if (c === undefined) {
    c = Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, CRLF]);
    chunks.set(bytes, c);
  }
  return c;
}

const CRLF = Buffer.from('\r\n');
const RETRY = Buffer.from('retry: 2000\n\n');
const HEARTBEAT = Buffer.from(': heartbeat\n\n');

/**
 * An event stream's status and headers; also all a HEAD request for one gets (its frames would go
 * straight to the socket, past Node's HEAD handling). No Connection header of ours: Node's own
 * honours a client's `Connection: close` and an HTTP/1.0 request, whose body ends with the connection.
 */
export function streamHead(res: Response): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('X-Accel-Buffering', 'no');
}

/**
 * One SSE stream of a job's events. Order of operations is what makes resume exact: subscribe to
 * the in-process fan-out first, then read (through the hub's feed, which shares one Postgres read
 * per job among its streams) from the client's last id, then push whatever is announced. Pumps never overlap and always continue from the last seq written, so an event is
 * sent once, in order, whether it arrived before or during the subscription.
 */
export class JobEventStream implements SseClient {
  private lastSeq: number;
  private pumping: Promise<void> | null = null;
  private again = false;
  private fresh = false;
  private closed = false;
  private stopBeating: (() => void) | null = null;
  /** writes of one tick go out together: the socket is corked at the first and uncorked on the next tick */
  private corked: Socket | null = null;
  /** the body is chunked-encoded (HTTP/1.1): frames go to the socket as ready-made chunks */
  private chunked = false;
  /** an event frame went into the corked batch while the fan-out is traced: tell the trace once it is flushed */
  private traced = false;
  /** the synchronous pump filled the socket: the asynchronous one waits for room before it goes on */
  private full = false;
  private unsubscribe: (() => void) | null = null;
  private grace: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private failures = 0;

  constructor(
    private readonly ctx: Pick<AppContext, 'repos'>,
    readonly res: Response,
    private readonly hub: SseHub,
    private readonly jobId: string,
    readonly apiKeyId: string,
    after: number,
    private readonly heartbeatMs: number,
  ) {
    this.lastSeq = after;
  }

  /** Subscribes, then opens the stream; throws (before any byte is sent) when subscribing fails. */
  async open(): Promise<void> {
    this.unsubscribe = await this.hub.feed.subscribe(this.jobId, () => this.pump());
    const { res } = this;
    streamHead(res);
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    this.chunked = (res as { chunkedEncoding?: boolean }).chunkedEncoding === true;
    this.hub.add(this);
    res.on('close', () => this.close());
    this.write(RETRY);
    this.stopBeating = this.hub.beatEvery(this, this.heartbeatMs);
    this.pump();
    await this.settle();
    if (!this.closed) await this.endIfJobFinished();
  }

  /** Waits until no pump is running (a pump may chain another one when it was asked again). */
  private async settle(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  heartbeat(): void {
    this.write(HEARTBEAT);
  }

  /**
   * Writes ready-made bytes straight to the socket (the response's headers are out, and it writes
   * nothing else until `end`), chunk-framed when the body is chunked: one pre-built Buffer per
   * stream and event, no per-stream encoding or chunk header. False when the socket is full.
   */
  private write(bytes: Buffer): boolean {
    const socket = this.res.socket;
    if (this.closed || this.res.writableEnded || !socket || socket.destroyed) return true;
    // the socket's own cork: ServerResponse.cork() buffers in the response, whose 'drain' then never comes
    if (!this.corked) {
      this.corked = socket;
      socket.cork();
      process.nextTick(() => this.uncork());
    }
    return socket.write(this.chunked ? chunkOf(bytes) : bytes);
  }

  private uncork(): void {
    const socket = this.corked;
    this.corked = null;
    socket?.uncork();
    if (this.traced) {
      this.traced = false;
      fanOutTrace.written.publish({ jobId: this.jobId, seq: this.lastSeq });
    }
  }

  private pump(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    if (!this.fresh && this.pumpNow()) {
      this.failures = 0;
      return;
    }
    this.pumping = this.drain()
      .then(() => {
        this.failures = 0;
      })
      .catch(() => this.retryLater())
      .finally(() => {
        this.pumping = null;
        if (this.again && !this.closed) {
          this.again = false;
          this.pump();
        }
      });
  }

  /**
   * The usual pump, without promises: the feed's tail is current and holds what comes next, and
   * the socket takes it all. A fan-out to thousands of streams spent a good part of its time in
   * each stream's asynchronous read and its promise chain, for an answer that was in memory. True
   * when done; false when the asynchronous pump has to go on (an answer not in memory, a full
   * page, or a full socket: it continues from the last event written).
   */
  private pumpNow(): boolean {
    const events = this.hub.feed.readNow(this.jobId, this.lastSeq, PAGE);
    if (events === null || events.length >= PAGE) return false;
    for (const e of events) {
      const sent = this.send(e);
      if (sent === 'end') return true;
      if (sent === 'full') {
        this.full = true;
        return false;
      }
    }
    return true;
  }

  /**
   * Writes one event, as the last one sent. 'end': the stream is closed (before it, or by this
   * terminal event, after writing it); 'full': the socket takes no more for now.
   */
  private send(e: JobEvent): 'sent' | 'full' | 'end' {
    if (this.closed) return 'end';
    this.lastSeq = e.seq;
    this.traced = fanOutTrace.written.hasSubscribers;
    const fits = this.write(frame(e));
    if (terminalEventTypes.includes(e.type)) {
      this.close();
      return 'end';
    }
    return fits ? 'sent' : 'full';
  }

  private retryLater(): void {
    const pause = READ_RETRY_MS[this.failures++];
    if (pause === undefined) {
      this.close(': events could not be read; reconnect with Last-Event-ID');
      return;
    }
    this.retry ??= setTimeout(() => {
      this.retry = null;
      this.pump();
    }, pause);
  }

  /** Sends what is corked and waits until the socket has room again (or the client is gone). */
  private async room(): Promise<void> {
    const socket = this.corked;
    this.uncork();
    if (socket) await Promise.race([once(socket, 'drain'), once(this.res, 'close')]);
  }

  private async drain(): Promise<void> {
    if (this.full) {
      this.full = false;
      await this.room();
    }
    for (;;) {
      this.again = false;
      const fresh = this.fresh;
      this.fresh = false;
      const events = await this.hub.feed.read(this.jobId, this.lastSeq, PAGE, { fresh });
      for (const e of events) {
        const sent = this.send(e);
        if (sent === 'end') return;
        if (sent === 'full') await this.room();
      }
      if (events.length < PAGE) return;
    }
  }

  /**
   * A finished job whose terminal event we have not seen: its status is written just before the
   * event, so give the event a moment to arrive, then end the stream anyway.
   */
  private async endIfJobFinished(): Promise<void> {
    const job = await this.ctx.repos.jobs.get(this.jobId);
    if (this.closed || !job || !isTerminal(job.status)) return;
    // read Postgres itself: the terminal event's announcement may be lost or not here yet
    this.fresh = true;
    this.pump();
    await this.settle();
    if (this.closed) return;
    this.grace = setTimeout(() => this.close(), TERMINAL_GRACE_MS);
  }

  close(finalComment?: string): void {
    if (this.closed) return;
    this.closed = true;
    this.stopBeating?.();
    if (this.grace) clearTimeout(this.grace);
    if (this.retry) clearTimeout(this.retry);
    this.unsubscribe?.();
    this.hub.remove(this);
    this.uncork();
    if (!this.res.writableEnded) {
      if (finalComment) this.res.write(`: ${finalComment.replace(/^:\s*/, '').replace(/\n/g, ' ')}\n\n`);
      this.res.end();
    }
  }
}
