import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { emptyMeta, startJobSchema, toJobParams } from '../../src/domain/job.js';
import { newJobId } from '../../src/domain/ids.js';
import { ApiKeysRepository } from '../../src/repositories/api-keys.repository.js';
import { JobsRepository } from '../../src/repositories/jobs.repository.js';
import { createApiKey } from '../../src/services/api-keys.service.js';
import { freePort, startProcess, waitForHttp } from '../helpers/processes.js';
import type { RunningProcess } from '../helpers/processes.js';
import { createTestEnv } from '../helpers/test-env.js';
import type { TestEnv } from '../helpers/test-env.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a POST whose body is only partly sent, so the request stays in flight until `finish()`. */
function slowPost(port: number, path: string, key: string, body: string) {
  let resolveRes!: (v: { status: number; body: string }) => void;
  let rejectRes!: (e: Error) => void;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    resolveRes = resolve;
    rejectRes = reject;
  });
  const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'X-API-Key': key } }, (res) => {
    let text = '';
    res.on('data', (d: Buffer) => (text += d.toString()));
    res.on('end', () => resolveRes({ status: res.statusCode ?? 0, body: text }));
  });
  req.on('error', rejectRes);
  req.write(body.slice(0, 5));
  return { response, finish: () => req.end(body.slice(5)) };
}

describe('API process: listen, graceful shutdown, forced exit', () => {
  let env: TestEnv;
  let pool: pg.Pool;
  let key: string;
  let keyId: string;
  before(async () => {
    env = await createTestEnv({ LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '30000', SSE_HEARTBEAT_MS: '60000' });
    pool = new pg.Pool({ connectionString: env.config.database.url, max: 2 });
    ({ key, row: { id: keyId } } = await createApiKey(new ApiKeysRepository(pool), { name: 'process-test' }));
  });
  after(async () => {
    await pool.end();
    await env.cleanup();
  });

  async function start(): Promise<{ proc: RunningProcess; port: number; base: string }> {
    const port = await freePort();
    const proc = startProcess('src/bin/api.ts', { ...env.env, PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;
    await waitForHttp(`${base}/health`, { proc });
    return { proc, port, base };
  }

  test('SIGTERM: SSE streams end with a final comment, in-flight requests finish, exit 0', async () => {
    const { proc, port, base } = await start();
    try {
      const jobs = new JobsRepository(pool);
      const job = await jobs.insert({ id: newJobId(), apiKeyId: keyId, params: toJobParams(startJobSchema.parse({ brief: 'beauty creators for a skincare launch' })), meta: emptyMeta() });
      const stream = await fetch(`${base}/pipeline/jobs/${job.id}/events`, { headers: { 'X-API-Key': key, Accept: 'text/event-stream' } });
      assert.equal(stream.status, 200);
      const reader = stream.body!.getReader();
      const chunks: string[] = [];
      const streamDone = (async () => {
        const decoder = new TextDecoder();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          chunks.push(decoder.decode(value, { stream: true }));
        }
      })();
      const inflight = slowPost(port, '/pipeline/start', key, JSON.stringify({ brief: 'food creators for a ramen pop-up in Berlin' }));
      await sleep(200);

      proc.child.kill('SIGTERM');
      await streamDone;
      assert.match(chunks.join(''), /: server shutting down; reconnect with Last-Event-ID\n\n$/);
      await sleep(300);
      assert.equal(proc.child.exitCode, null, 'still finishing the in-flight request');
      await assert.rejects(fetch(`${base}/health`), 'no new connections are accepted');

      inflight.finish();
      const res = await inflight.response;
      assert.equal(res.status, 202, res.body);
      assert.equal(await proc.exited, 0);
      assert.match(proc.output(), /"msg":"stopped"/);
      // the API buffers its log lines (src/app/logger.ts): the exit wrote them all, in order
      const lines = proc.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; method?: string; path?: string; status?: number });
      const requestLine = lines.findIndex((l) => l.msg === 'request' && l.method === 'POST' && l.path === '/pipeline/start' && l.status === 202);
      assert.ok(requestLine >= 0, 'the in-flight request has its request line');
      assert.ok(requestLine < lines.findIndex((l) => l.msg === 'stopped'), 'before "stopped"');
      assert.ok(!proc.output().includes(key), 'the API key never appears in the logs');
    } finally {
      await proc.stop('SIGKILL');
    }
  });

  test('a second signal exits at once', async () => {
    const { proc, port } = await start();
    try {
      const inflight = slowPost(port, '/pipeline/start', key, JSON.stringify({ brief: 'pet creators for a cat toy brand' }));
      inflight.response.catch(() => {});
      await sleep(200);
      proc.child.kill('SIGTERM');
      await sleep(300);
      assert.equal(proc.child.exitCode, null, 'waiting for the in-flight request');
      proc.child.kill('SIGTERM');
      assert.equal(await proc.exited, 1);
      assert.match(proc.output(), /second signal/);
    } finally {
      await proc.stop('SIGKILL');
    }
  });

  test('a bad configuration exits 78 listing the variable', async () => {
    const proc = startProcess('src/bin/api.ts', { ...env.env, PORT: 'eighty' });
    assert.equal(await proc.exited, 78);
    assert.match(proc.output(), /PORT/);
  });
});
