import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';

/**
 * The SSE stream writes its frames straight to the socket, chunk-framed only when Node chose a
 * chunked body for the response (src/api/sse/job-event-stream.ts). Both sides of that choice on
 * the wire, read from a raw socket: HTTP/1.1 (chunked) and HTTP/1.0 (nginx's default protocol to
 * an upstream: no chunking, the body ends with the connection).
 */
describe('SSE on the wire: HTTP/1.1 chunked, HTTP/1.0 unchunked', () => {
  let api: TestApi;
  let key: string;
  let keyId: string;
  before(async () => {
    api = await startTestApi({ SSE_HEARTBEAT_MS: '60000' });
    ({ key, row: { id: keyId } } = await api.newKey());
  });
  after(async () => {
    await api.cleanup();
  });

  /** Sends a raw request and reads until the server closes the connection. */
  async function raw(request: string): Promise<{ head: string; body: Buffer }> {
    const { port } = new URL(api.base);
    const socket = net.connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.write(request);
    await new Promise<void>((resolve, reject) => {
      socket.on('end', resolve);
      socket.on('error', reject);
      socket.setTimeout(10_000, () => reject(new Error(`no end of the response: ${Buffer.concat(chunks).toString('latin1')}`)));
    });
    socket.destroy();
    const all = Buffer.concat(chunks);
    const split = all.indexOf('\r\n\r\n');
    assert.ok(split > 0, 'a response head');
    return { head: all.subarray(0, split).toString('latin1'), body: all.subarray(split + 4) };
  }

  /** A chunked body's data; throws on anything that is not well-formed chunk framing ending in the last chunk. */
  function dechunk(body: Buffer): string {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = body.indexOf('\r\n', at);
      assert.ok(eol > at, `a chunk size line at byte ${at}`);
      const sizeText = body.subarray(at, eol).toString('latin1');
      assert.match(sizeText, /^[0-9a-f]+$/i, `chunk size at byte ${at}`);
      const size = parseInt(sizeText, 16);
      const start = eol + 2;
      if (size === 0) {
        assert.equal(body.subarray(start).toString('latin1'), '\r\n', 'nothing after the last chunk');
        return Buffer.concat(parts).toString('utf8');
      }
      parts.push(body.subarray(start, start + size));
      assert.equal(body.subarray(start + size, start + size + 2).toString('latin1'), '\r\n', `CRLF after the chunk at byte ${at}`);
      at = start + size + 2;
    }
  }

  async function finishedJob(): Promise<string> {
    const job = await api.insertJob(keyId, { status: 'running' });
    await api.emit(job.id, 'stage_started', { stage: 'expand' });
    await api.emit(job.id, 'progress', { note: 'héllo ✓' });
    await api.ctx.repos.jobs.finish(job.id, 'completed');
    await api.emit(job.id, 'completed', {});
    return job.id;
  }

  const request = (version: string, jobId: string, extra = '') =>
    `GET /pipeline/jobs/${jobId}/events HTTP/${version}\r\nHost: 127.0.0.1\r\nX-API-Key: ${key}\r\nAccept: text/event-stream\r\n${extra}\r\n`;

  /** The frames of a stream body: every event with its id, type and data, in order. */
  function frames(text: string): { id: string; event: string; data: unknown }[] {
    assert.match(text, /^retry: \d+\n\n/, 'the stream opens with its retry hint');
    return text
      .split('\n\n')
      .filter((block) => block.startsWith('id: '))
      .map((block) => {
        const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
        return { id: fields.id!, event: fields.event!, data: JSON.parse(fields.data!) as unknown };
      });
  }

  /** The frames finishedJob() leaves: its three events in order, the UTF-8 data intact. */
  function assertFinishedJobFrames(events: ReturnType<typeof frames>): void {
    assert.deepEqual(
      events.map((e) => [e.id, e.event]),
      [
        ['1', 'stage_started'],
        ['2', 'progress'],
        ['3', 'completed'],
      ],
    );
    assert.deepEqual((events[1]!.data as { data: unknown }).data, { note: 'héllo ✓' });
  }

  test('HTTP/1.1: a chunked body whose chunks carry every frame, ended by the last chunk; Connection: close honoured', async () => {
    const jobId = await finishedJob();
    const { head, body } = await raw(request('1.1', jobId, 'Connection: close\r\n'));
    assert.match(head, /^HTTP\/1\.1 200 /);
    assert.match(head, /\r\ntransfer-encoding: chunked/i);
    // the client asked to close: the server says so and closes once the stream ended (raw() waits for that)
    assert.match(head, /\r\nconnection: close/i);
    assertFinishedJobFrames(frames(dechunk(body)));
  });

  test('HTTP/1.0: the frames unchunked, the body ended by closing the connection', async () => {
    const jobId = await finishedJob();
    const { head, body } = await raw(request('1.0', jobId));
    assert.match(head, /^HTTP\/1\.1 200 /);
    assert.doesNotMatch(head, /transfer-encoding/i);
    assert.doesNotMatch(head, /content-length/i);
    // the body ends with the connection, so the connection cannot be kept alive
    assert.doesNotMatch(head, /connection: keep-alive/i);
    const text = body.toString('utf8');
    assert.doesNotMatch(text, /^[0-9a-f]+\r\n/i, 'no chunk size line');
    assertFinishedJobFrames(frames(text));
  });

  test('HEAD: the status and headers of a stream, and no frame on the wire', async () => {
    const jobId = await finishedJob();
    const { head, body } = await raw(request('1.1', jobId, 'Connection: close\r\n').replace(/^GET /, 'HEAD '));
    assert.match(head, /^HTTP\/1\.1 200 /);
    assert.match(head, /\r\ncontent-type: text\/event-stream/i);
    assert.equal(body.toString('latin1'), '', 'a HEAD response has no body');
    const unknown = await raw(request('1.1', 'job_doesnotexist', 'Connection: close\r\n').replace(/^GET /, 'HEAD '));
    assert.match(unknown.head, /^HTTP\/1\.1 404 /);
    assert.equal(unknown.body.toString('latin1'), '');
  });
});
