import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createScoutClient, parseRetryAfter, readSse, retryingFetch } from '../src/index.js';
import type { SseMessage } from '../src/index.js';

/** A scripted fetch: answers in order, and records what each attempt sent. */
function scripted(answers: Response[]) {
  const sent: { headers: Headers; body: string }[] = [];
  const fetch = async (request: Request) => {
    sent.push({ headers: request.headers, body: await request.text() });
    const next = answers.shift();
    assert.ok(next, 'no more scripted answers');
    return next;
  };
  return { fetch, sent };
}

const post = (headers: Record<string, string> = {}) =>
  new Request('http://127.0.0.1:9/pipeline/start', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"brief":"x"}' });

test('503 then 202: the same body is sent again after Retry-After', async () => {
  const { fetch, sent } = scripted([new Response('{}', { status: 503, headers: { 'Retry-After': '0' } }), new Response('{"ok":1}', { status: 202 })]);
  const res = await retryingFetch(fetch)(post());
  assert.equal(res.status, 202);
  assert.deepEqual(sent.map((s) => s.body), ['{"brief":"x"}', '{"brief":"x"}']);
});

test('a Retry-After longer than maxDelayMs (a quota until midnight) is returned, not waited out', async () => {
  const { fetch, sent } = scripted([new Response('{}', { status: 429, headers: { 'Retry-After': '40000' } })]);
  const res = await retryingFetch(fetch, { maxDelayMs: 30_000 })(post());
  assert.equal(res.status, 429);
  assert.equal(sent.length, 1);
});

test('409 is retried only for an Idempotency-Key still in progress; other statuses pass through', async () => {
  const inProgress = scripted([new Response('{}', { status: 409, headers: { 'Retry-After': '0' } }), new Response('{}', { status: 202 })]);
  assert.equal((await retryingFetch(inProgress.fetch)(post({ 'Idempotency-Key': 'k1' }))).status, 202);
  const notFinished = scripted([new Response('{}', { status: 409 })]);
  assert.equal((await retryingFetch(notFinished.fetch)(post())).status, 409);
  const invalid = scripted([new Response('{}', { status: 422, headers: { 'Retry-After': '0' } })]);
  assert.equal((await retryingFetch(invalid.fetch)(post())).status, 422);
});

test('gives up after `retries` and hands back the last answer', async () => {
  const { fetch, sent } = scripted([0, 1, 2].map(() => new Response('{}', { status: 503, headers: { 'Retry-After': '0' } })));
  assert.equal((await retryingFetch(fetch, { retries: 2 })(post())).status, 503);
  assert.equal(sent.length, 3);
});

test('Retry-After as seconds or an HTTP date', () => {
  const now = Date.parse('2026-12-01T10:00:00Z');
  assert.equal(parseRetryAfter('2', now), 2000);
  assert.equal(parseRetryAfter('Tue, 01 Dec 2026 10:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Tue, 01 Dec 2026 09:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), null);
  assert.equal(parseRetryAfter(null, now), null);
});

test('the SSE reader handles CRLF split across chunks, comments, multi-line data and the retry field', async () => {
  const chunks = ['retry: 2000\r', '\n\r\n: heartbeat\r\n', 'id: 1\r\nevent: progress\r\ndata: {"a":', '1}\r', '\ndata: more\r\n\r\n', 'id: 2\nevent: completed\ndata: {}\n\n'];
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });
  const retries: number[] = [];
  const messages: SseMessage[] = [];
  for await (const m of readSse(body, { onRetry: (ms) => retries.push(ms) })) messages.push(m);
  assert.deepEqual(retries, [2000]);
  assert.deepEqual(messages, [
    { id: '1', event: 'progress', data: '{"a":1}\nmore' },
    { id: '2', event: 'completed', data: '{}' },
  ]);
});

test('watchJob: an abort while the caller handles an event ends the watch, even with more events already read', async () => {
  // One chunk holds three events, so the reader has the next two in hand when the caller aborts.
  const frames = [1, 2, 3].map((seq) => `id: ${seq}\nevent: progress\ndata: ${JSON.stringify({ seq, type: 'progress', data: { seq }, created_at: '2026-12-01T00:00:00.000Z' })}\n\n`).join('');
  const fetch = async () => new Response(frames, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  const client = createScoutClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'isk_test', fetch, retry: false });
  const controller = new AbortController();
  const seen: number[] = [];
  const watching = (async () => {
    for await (const e of client.watchJob('job_aaaaaaaaaaaaaaaaaaaa', { signal: controller.signal, transport: 'sse' })) {
      seen.push(e.seq);
      controller.abort();
    }
  })();
  await assert.rejects(watching, (err: Error) => err.name === 'AbortError');
  assert.deepEqual(seen, [1]);
});
