import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { seededRandom } from '../../src/import/seeded-random.js';

/** One request as a fake saw it. */
export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  text: string;
  /** parsed body when it was JSON, else undefined */
  json: unknown;
  at: number;
}

/** What a handler answers: a reply, or "hang" (never answer) / "drop" (reset the connection). */
export type FakeReply = { status: number; headers?: Record<string, string>; body?: unknown } | 'hang' | 'drop';

export interface LatencyOptions {
  /** added before every answer */
  latencyMs: number;
  /** plus a uniform random extra in [0, jitterMs] */
  jitterMs: number;
}

/**
 * A real HTTP server on 127.0.0.1:<random port> for the provider fakes. It records every request,
 * adds configurable latency, can hang or drop, and exposes a tiny control API under `/__fake/`
 * (GET state, POST options / script / reset) so a fake running in another process (bench, chaos)
 * can be driven over HTTP as well as through its methods.
 */
export abstract class FakeHttpServer {
  readonly requests: FakeRequest[] = [];
  latency: LatencyOptions = { latencyMs: 0, jitterMs: 0 };
  /** requests being answered right now, and the most there ever were at once */
  inFlight = 0;
  peakInFlight = 0;
  /** requests whose answer has not been sent yet (the client is still waiting on them) */
  readonly unanswered = new Set<FakeRequest>();
  /** answers forced by `POST /__fake/fail` (or `failNext`), consumed in order by matching requests */
  private forced: { status: number; path: string | null; left: number; retryAfter?: string }[] = [];
  protected random: () => number = seededRandom(1);
  private server: http.Server | null = null;
  private readonly sockets = new Set<Socket>();
  private origin = '';

  protected abstract handle(req: FakeRequest): Promise<FakeReply> | FakeReply;
  /** JSON for GET /__fake/state */
  protected abstract state(): unknown;
  /** POST /__fake/<what> with a JSON body; returns false for an unknown control */
  protected abstract control(what: string, body: unknown): boolean;

  /** Base URL without trailing slash, e.g. http://127.0.0.1:41234 */
  get url(): string {
    if (!this.origin) throw new Error('fake server not started');
    return this.origin;
  }

  setSeed(seed: number): void {
    this.random = seededRandom(seed);
  }

  async start(port = 0): Promise<string> {
    const server = http.createServer((req, res) => void this.onRequest(req, res));
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.origin;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  }

  /**
   * The next `times` requests (whose path starts with `path`, when given) are answered with
   * `status` instead — the same control on every fake (`POST /__fake/fail`). `times` omitted: until
   * `POST /__fake/reset` (an outage).
   */
  failNext(rule: { status: number; times?: number; path?: string; retryAfter?: string }): void {
    this.forced.push({ status: rule.status, path: rule.path ?? null, left: rule.times ?? Number.POSITIVE_INFINITY, retryAfter: rule.retryAfter });
  }

  /** Ends every `failNext` rule. */
  clearFailures(): void {
    this.forced = [];
  }

  private takeForced(path: string): FakeReply | null {
    const hit = this.forced.find((f) => f.left > 0 && (f.path === null || path.startsWith(f.path)));
    if (!hit) return null;
    hit.left--;
    return {
      status: hit.status,
      headers: hit.retryAfter === undefined ? {} : { 'retry-after': hit.retryAfter },
      body: { error: { message: `fake: forced ${hit.status}` } },
    };
  }

  /** Requests whose path matches. */
  requestsTo(pathPattern: string | RegExp): FakeRequest[] {
    return this.requests.filter((r) => (typeof pathPattern === 'string' ? r.path === pathPattern : pathPattern.test(r.path)));
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url ?? '/', 'http://fake');
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const fr: FakeRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, text, json, at: Date.now() };

    if (fr.path.startsWith('/__fake/')) return this.onControl(fr, res);
    this.requests.push(fr);
    this.unanswered.add(fr);
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    res.on('close', () => this.inFlight--);
    let reply: FakeReply;
    try {
      reply = this.takeForced(fr.path) ?? (await this.handle(fr));
    } catch (err) {
      reply = { status: 500, body: { error: { message: `fake crashed: ${(err as Error).message}` } } };
    }
    const delay = this.latency.latencyMs + this.random() * this.latency.jitterMs;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (reply === 'hang') return;
    this.unanswered.delete(fr);
    if (reply === 'drop') {
      req.socket.destroy();
      return;
    }
    send(res, reply);
  }

  private onControl(fr: FakeRequest, res: http.ServerResponse): void {
    const what = fr.path.slice('/__fake/'.length);
    if (fr.method === 'GET' && what === 'state') return send(res, { status: 200, body: this.state() });
    if (fr.method === 'GET' && what === 'requests') {
      return send(res, { status: 200, body: this.requests.map((r) => ({ method: r.method, path: r.path, at: r.at })) });
    }
    if (fr.method === 'POST' && what === 'latency') {
      this.latency = { ...this.latency, ...(fr.json as Partial<LatencyOptions>) };
      return send(res, { status: 204 });
    }
    if (fr.method === 'POST' && what === 'fail') {
      const b = (fr.json ?? {}) as { status?: unknown; times?: unknown; path?: unknown; retryAfter?: unknown };
      if (typeof b.status !== 'number') return send(res, { status: 400, body: { error: 'fail needs {"status": <number>}' } });
      this.failNext({
        status: b.status,
        times: typeof b.times === 'number' ? b.times : undefined,
        path: typeof b.path === 'string' ? b.path : undefined,
        retryAfter: typeof b.retryAfter === 'string' ? b.retryAfter : undefined,
      });
      return send(res, { status: 204 });
    }
    if (fr.method === 'POST' && what === 'reset') this.clearFailures();
    if (fr.method === 'POST' && this.control(what, fr.json)) return send(res, { status: 204 });
    send(res, { status: 404, body: { error: `unknown control ${fr.method} ${what}` } });
  }
}

function send(res: http.ServerResponse, reply: { status: number; headers?: Record<string, string>; body?: unknown }): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload = '';
  if (typeof reply.body === 'string') {
    payload = reply.body;
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  } else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

/** Rough token count the fakes bill by: one token per 4 characters, at least 1 for non-empty text. */
export function countTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}
