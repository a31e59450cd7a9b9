import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createApp, sseHubOf } from '../../src/api/app.js';
import type { SseHub } from '../../src/api/sse/sse-hub.js';
import type { JobEvent } from '../../src/repositories/events.repository.js';
import type { JobRow } from '../../src/repositories/jobs.repository.js';
import { createApiKey } from '../../src/services/api-keys.service.js';
import type { CreateApiKeyOptions, CreatedApiKey } from '../../src/services/api-keys.service.js';
import { emptyMeta, toJobParams, startJobSchema } from '../../src/domain/job.js';
import { newJobId } from '../../src/domain/ids.js';
import { createTestContext } from './test-env.js';
import type { TestContext } from './test-env.js';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface CallOptions {
  method?: string;
  key?: string;
  headers?: Record<string, string>;
  /** object → JSON with Content-Type; string → sent as is */
  body?: unknown;
}

/** A real listening API (createApp on port 0) over a fresh test context. */
export interface TestApi extends TestContext {
  base: string;
  server: http.Server;
  /** the app's open SSE streams */
  sse: SseHub;
  call<T = Record<string, unknown>>(path: string, opts?: CallOptions): Promise<ApiResponse<T>>;
  newKey(opts?: Partial<CreateApiKeyOptions>): Promise<CreatedApiKey>;
  /** inserts a job row directly (for routes that need jobs in a given state) */
  insertJob(apiKeyId: string, patch?: Partial<Pick<JobRow, 'status'>> & { brief?: string; webhookUrl?: string }): Promise<JobRow>;
  emit(jobId: string, type: JobEvent['type'], data?: Record<string, unknown>): Promise<JobEvent>;
}

export async function startTestApi(overrides: Record<string, string> = {}): Promise<TestApi> {
  const tc = await createTestContext(overrides);
  const app = createApp(tc.ctx);
  const server = http.createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const call = async <T>(path: string, opts: CallOptions = {}): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.key !== undefined) headers['X-API-Key'] = opts.key;
    let body: string | undefined;
    if (typeof opts.body === 'string') body = opts.body;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const res = await fetch(`${base}${path}`, { method: opts.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  };

  return {
    ...tc,
    base,
    server,
    sse: sseHubOf(app),
    call,
    newKey: (opts = {}) => createApiKey(tc.ctx.repos.apiKeys, { name: 'test', ...opts }),
    async insertJob(apiKeyId, patch = {}) {
      const params = toJobParams(
        startJobSchema.parse({ brief: patch.brief ?? 'fitness coach promoting protein snacks', webhook_url: patch.webhookUrl }),
      );
      const job = await tc.ctx.repos.jobs.insert({ id: newJobId(), apiKeyId, params, meta: emptyMeta() });
      if (patch.status === 'running' || patch.status === 'completed' || patch.status === 'failed' || patch.status === 'cancelled') {
        await tc.ctx.repos.jobs.markRunning(job.id);
        if (patch.status !== 'running') {
          await tc.ctx.repos.jobs.finish(job.id, patch.status, patch.status === 'failed' ? { error: { code: 'test', message: 'failed in a test' } } : {});
        }
      }
      return (await tc.ctx.repos.jobs.get(job.id))!;
    },
    emit: (jobId, type, data = {}) => tc.ctx.jobEvents.emit(jobId, type, data),
    async cleanup() {
      sseHubOf(app).closeAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await tc.cleanup();
    },
  };
}
