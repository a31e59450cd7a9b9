import { appendFileSync } from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';

/**
 * The floor for the SSE benchmark: a bare `node:http` server (no Express, no Postgres, no Redis)
 * holding SSE streams like the API's (same status, headers and first `retry:` frame, chunked
 * encoding, no Nagle). `POST /fire?t=…&round=…` writes one `progress` frame of the API's shape and
 * size to every stream: framed once per fire as one chunked-encoding Buffer, then written with one
 * `socket.write` per stream (mode `socket`, one `write` syscall each) or one `res.write` per stream
 * within a cork/uncork of the socket (mode `res`, what the API does). For each fire it appends
 * `{"seq":round + 1,"received":ms,"lastWrite":ms,"writes":n}` (wall clock ms) to SSE_TRACE_FILE. Loopback only.
 */
const mode = process.env.FLOOR_WRITE === 'res' ? 'res' : 'socket';
const traceFile = process.env.SSE_TRACE_FILE;
const streams = new Set<{ res: http.ServerResponse; socket: Socket }>();

const wallNow = () => performance.timeOrigin + performance.now();

function fire(t: number, round: number): void {
  const received = wallNow();
  // the n-th event of a job has seq n, as the API's streams would send it
  const seq = round + 1;
  // the API's frame for a `progress` event (see eventItem and frame in src/api/sse/job-event-stream.ts)
  const item = { seq, type: 'progress', created_at: new Date().toISOString(), data: { t, round } };
  const frame = `id: ${seq}\nevent: progress\ndata: ${JSON.stringify(item)}\n\n`;
  let writes = 0;
  if (mode === 'socket') {
    const body = Buffer.from(frame);
    const chunk = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n')]);
    for (const s of streams) {
      if (s.socket.destroyed) continue;
      s.socket.write(chunk);
      writes++;
    }
  } else {
    const body = Buffer.from(frame);
    for (const s of streams) {
      if (s.socket.destroyed) continue;
      s.socket.cork();
      s.res.write(body);
      s.socket.uncork();
      writes++;
    }
  }
  const lastWrite = wallNow();
  if (traceFile) appendFileSync(traceFile, `${JSON.stringify({ seq, received, lastWrite, writes })}\n`);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method === 'POST' && url.pathname === '/fire') {
    res.writeHead(204).end();
    fire(Number(url.searchParams.get('t')), Number(url.searchParams.get('round')));
    return;
  }
  if (req.method === 'GET' && url.pathname === '/health') {
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    return;
  }
  if (req.method === 'GET' && url.pathname.endsWith('/events')) {
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    const socket = res.socket!;
    socket.setNoDelay(true);
    res.write('retry: 2000\n\n');
    const entry = { res, socket };
    streams.add(entry);
    res.on('close', () => streams.delete(entry));
    return;
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 0;
server.headersTimeout = 0;
server.requestTimeout = 0;
server.maxConnections = 100_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
