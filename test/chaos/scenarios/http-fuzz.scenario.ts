import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { seededRandom } from '../../../src/import/seeded-random.js';
import { ChaosStack } from '../helpers/chaos-stack.js';
import { OpenApiProbes } from '../helpers/openapi-probes.js';
import type { GeneratedProbe, OpenApiDocument } from '../helpers/openapi-probes.js';

export interface FuzzOptions {
  requests: number;
  /** stop sending after this long even if fewer requests went out */
  budgetMs: number;
  seed: number;
  /** time for the second phase: every operation of the served OpenAPI document, every parameter mutated */
  openapiBudgetMs?: number;
}

interface Probe {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
}

const ADMIN_KEY = 'chaos-admin-key-0123456789abcdef';

/**
 * Thousands of malformed, oversized and hostile requests at every route of the real API process
 * (well-formed HTTP with hostile content, plus broken HTTP framing on raw sockets), bounded in count
 * and time: not one 5xx, and the process is still up and healthy afterwards.
 */
export async function httpFuzzScenario(o: FuzzOptions): Promise<{ sent: number; statuses: Record<string, number>; openapi: { sent: number; operations: number } }> {
  // Limits high enough that hostile requests reach the handlers instead of stopping at a 429.
  const stack = await ChaosStack.start({
    env: {
      ADMIN_KEY,
      ADMIN_LOGIN_MAX_ATTEMPTS: '1000',
      LOG_LEVEL: 'warn',
      AUTH_FAIL_BURST: '1000000',
      RATE_LIMIT_BURST: '1000000',
      START_RATE_LIMIT_BURST: '1000000',
      DAILY_JOB_QUOTA: '1000000',
    },
  });
  try {
    await stack.startApi();
    const jobId = await stack.submit({ brief: 'fitness creators for a protein bar' });
    assert.ok(jobId);
    const random = seededRandom(o.seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const port = Number(new URL(stack.base).port);

    const ids = [jobId, 'job_doesnotexist', '', '..%2F..%2Fetc%2Fpasswd', '%00', '%', '%ZZ', 'job_' + 'A'.repeat(5000), '%E2%80%AE', encodeURIComponent("job_1' or '1'='1"), '__proto__', 'constructor', '-1', '1e309', '%C0%AE%C0%AE'];
    const kinds = ['candidates', 'progressive', 'remaining', 'timing', 'final', 'scores', 'expansion', '__proto__', 'x'.repeat(3000), '%00', 'CANDIDATES'];
    const queries = ['', '?after=-1', '?after=abc', '?after[]=1&after[]=2', '?limit=1e309', '?limit=0', '?limit=-5', '?limit=100000000', '?format=json', '?format=json&format=xml',
      '?__proto__[polluted]=1', '?constructor[prototype][x]=1', `?q=${'a'.repeat(20_000)}`, '?after=90071992547409930', '?after=1.5', '?a=%', '?after=%00'];
    const routes = () => {
      const id = pick(ids);
      return pick([
        '/health', '/metrics', '/openapi.json', '/docs', '/docs/docs.js', '/docs/docs.css', '/pipeline/start', `/pipeline/jobs/${id}`, `/pipeline/jobs/${id}/results`,
        `/pipeline/jobs/${id}/artifacts/${pick(kinds)}`, `/pipeline/jobs/${id}/events`, `/pipeline/jobs/${id}/cancel`, '/weaviate/search', '/admin', '/admin/login', '/admin/logout',
        '/admin/api/overview', '/admin/api/jobs', `/admin/api/jobs/${id}`, `/admin/api/jobs/${id}/artifacts/${pick(kinds)}`, `/admin/api/jobs/${id}/retry`, '/admin/api/usage',
        '/admin/api/queue', '/admin/api/keys', `/admin/api/keys/${id}/revoke`, '/nope', '//pipeline//start', '/pipeline/start/', '/PIPELINE/START', `/${'x'.repeat(8000)}`,
      ]);
    };
    const validStart = () => ({ brief: 'beauty creators for a serum launch', platforms: ['instagram'], filters: { followers_min: 1000, countries: ['US'] }, top_k: 10, candidate_limit: 50 });
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const bodies: (() => Buffer | string | undefined)[] = [
      () => undefined,
      () => '',
      () => JSON.stringify(validStart()),
      () => JSON.stringify({ ...validStart(), brief: 42 }),
      () => JSON.stringify({ ...validStart(), brief: 'x'.repeat(5000) }),
      () => JSON.stringify({ ...validStart(), top_k: -1, candidate_limit: Number.MAX_VALUE * 10 }),
      () => JSON.stringify({ ...validStart(), top_k: '10', extra: true }),
      () => JSON.stringify({ ...validStart(), platforms: ['myspace', null, 7] }),
      () => JSON.stringify({ ...validStart(), filters: { followers_min: 'lots', countries: 'US', languages: [[]] } }),
      () => JSON.stringify({ ...validStart(), exclude_handles: Array.from({ length: 5000 }, (_, i) => `instagram:h${i}`) }),
      () => JSON.stringify({ ...validStart(), webhook_url: 'http://127.0.0.1:6379/' }),
      () => JSON.stringify({ ...validStart(), webhook_url: 'file:///etc/passwd' }),
      () => JSON.stringify({ ...validStart(), webhook_url: `https://${'a'.repeat(3000)}.example/` }),
      () => '{"__proto__": {"isAdmin": true}, "brief": "fitness creators for a shake"}',
      () => '{"constructor": {"prototype": {"polluted": 1}}, "brief": "fitness creators for a shake"}',
      () => 'null',
      () => '[]',
      () => '"just a string"',
      () => '12345',
      () => '{"brief": "fitness creators', // truncated
      () => '{"brief": "\u0000\u0001\ud800 lone surrogate and NUL"}',
      () => Buffer.from([0x7b, 0x22, 0x62, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0x22, 0x7d]), // invalid UTF-8
      () => deep(5000),
      () => `{"brief": "${'y'.repeat(200_000)}"}`, // over the body limit
      () => 'x'.repeat(2_000_000),
      () => 'brief=fitness+creators&top_k=10',
      () => JSON.stringify({ query: 'fitness', limit: 1e9, filters: { followers_min: -1 } }),
      () => JSON.stringify({ query: '', limit: 10, alpha: 'max' }),
      () => JSON.stringify({ query: 'a'.repeat(10_000) }),
      () => JSON.stringify({ key: ADMIN_KEY }),
      () => JSON.stringify({ key: { $ne: null } }),
      () => JSON.stringify({ name: 'k'.repeat(1000), rate_limit_per_min: -1 }),
    ];
    const contentTypes = ['application/json', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=gibberish', '*/*', ''];
    const keys = [stack.apiKey, '', 'isk_', 'isk_' + 'A'.repeat(40), 'isk_' + 'z'.repeat(5000), 'Bearer nonsense', stack.apiKey + 'x', stack.apiKey.toUpperCase(), "' or 1=1 --"];
    const probe = (): Probe => {
      const headers: Record<string, string> = {};
      const k = pick(keys);
      if (k) headers['X-API-Key'] = k;
      if (random() < 0.15) headers['X-Admin-Key'] = pick([ADMIN_KEY, 'wrong', '']);
      if (random() < 0.1) headers.Cookie = pick(['scout_admin=garbage', `scout_admin=${'c'.repeat(4000)}`, 'a=b; c']);
      const ct = pick(contentTypes);
      if (ct) headers['Content-Type'] = ct;
      if (random() < 0.3) headers['Idempotency-Key'] = pick(['k1', ' spaced key ', 'x'.repeat(300), '\t', 'ü'.replace('ü', 'u').repeat(2), `idem-${Math.floor(random() * 5)}`]);
      if (random() < 0.2) headers['Last-Event-ID'] = pick(['-1', 'abc', '1e99', '99999999999999999999', '']);
      if (random() < 0.2) headers.Accept = pick(['text/event-stream', 'application/json', '*/*', 'text/html', 'image/png']);
      if (random() < 0.1) headers['X-Forwarded-For'] = pick(['1.2.3.4', 'garbage', '127.0.0.1, 10.0.0.1']);
      if (random() < 0.05) headers.Origin = pick(['https://evil.example', 'null']);
      const method = pick(['GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
      return { method, path: routes() + pick(queries), headers, body: method === 'GET' || method === 'HEAD' ? (random() < 0.1 ? pick(bodies)() : undefined) : pick(bodies)() };
    };

    const statuses: Record<string, number> = {};
    const fives: string[] = [];
    const send = (p: Probe) =>
      new Promise<void>((resolve) => {
        let req: http.ClientRequest;
        try {
          req = http.request({ host: '127.0.0.1', port, method: p.method, path: p.path, headers: p.headers, agent: false }, (res) => {
          const s = String(res.statusCode);
          statuses[s] = (statuses[s] ?? 0) + 1;
          if ((res.statusCode ?? 0) >= 500) fives.push(`${res.statusCode} ${p.method} ${p.path.slice(0, 120)} ${JSON.stringify(p.headers).slice(0, 200)} body=${String(p.body ?? '').slice(0, 120)}`);
          // event streams stay open: the status is all we need
          res.destroy();
          resolve();
        });
        } catch {
          // Node's client refuses to send it (e.g. a header with a control character): nothing to count
          statuses.unsendable = (statuses.unsendable ?? 0) + 1;
          resolve();
          return;
        }
        req.setTimeout(10_000, () => {
          statuses.timeout = (statuses.timeout ?? 0) + 1;
          req.destroy();
        });
        req.on('error', () => {
          statuses.reset = (statuses.reset ?? 0) + 1;
          resolve();
        });
        req.end(p.body);
      });

    const raw = [
      'GARBAGE\r\n\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      'GET /health HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n',
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(100_000)}\r\n\r\n`,
      `GET /health HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`,
      'POST /pipeline/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"brief"',
      'POST /pipeline/start HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello',
      'POST /pipeline/start HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nzz\r\nxx\r\n',
      'POST /pipeline/start HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n',
      `POST /pipeline/start HTTP/1.1\r\nHost: x\r\nX-API-Key: ${stack.apiKey}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"bri\r\n`,
      'GET /pipeline/jobs/\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
      `GET /${'%'.repeat(50_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ];
    const sendRaw = (payload: string) =>
      new Promise<void>((resolve) => {
        const sock = net.connect(port, '127.0.0.1');
        let answer = '';
        sock.setTimeout(3000, () => sock.destroy());
        sock.on('data', (d) => (answer += d.toString('latin1')));
        sock.on('error', () => {});
        sock.on('close', () => {
          const m = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
          const s = m ? m[1]! : 'closed';
          statuses[`raw:${s}`] = (statuses[`raw:${s}`] ?? 0) + 1;
          if (m && Number(m[1]) >= 500) fives.push(`${m[1]} raw ${JSON.stringify(payload.slice(0, 120))}`);
          resolve();
        });
        sock.write(payload, 'latin1');
        // half-send: leave framing broken and close after a moment
        setTimeout(() => sock.end(), 300);
      });

    const deadline = Date.now() + o.budgetMs;
    let sent = 0;
    const lanes = 12;
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        while (sent < o.requests && Date.now() < deadline) {
          sent++;
          if (lane === 0 && random() < 0.2) await sendRaw(pick(raw));
          else await send(probe());
        }
      }),
    );

    assert.deepEqual(fives.slice(0, 20), [], `${fives.length} answers were 5xx`);
    const openapi = await openApiPhase(stack, jobId, o.openapiBudgetMs ?? o.budgetMs);
    assert.equal(stack.api!.child.exitCode, null, `the API process died:\n${stack.api!.output().slice(-3000)}`);
    const health = await fetch(`${stack.base}/health`);
    assert.equal(health.status, 200, 'still healthy after the fuzzing');
    const ok = await fetch(`${stack.base}/pipeline/jobs/${jobId}`, { headers: { 'X-API-Key': stack.apiKey } });
    assert.equal(ok.status, 200, 'still serving real requests');
    assert.ok(sent >= Math.min(o.requests, 500), `only ${sent} requests went out in the time budget`);
    return { sent, statuses, openapi };
  } finally {
    await stack.close();
  }
}

/**
 * Phase two: the operations of the document the API serves, each sent as documented and then with
 * every parameter and body property mutated (see OpenApiProbes). No 5xx, and every 4xx is a
 * problem+json document naming what was wrong.
 */
async function openApiPhase(stack: ChaosStack, jobId: string, budgetMs: number): Promise<{ sent: number; operations: number }> {
  const doc = (await (await fetch(`${stack.base}/openapi.json`)).json()) as OpenApiDocument;
  const gen = new OpenApiProbes(doc);
  const queue: GeneratedProbe[] = [];
  const operations = gen.operations();
  for (const [method, path, op] of operations) {
    queue.push(...gen.probes(method, path, op, { path: { jobId, kind: 'candidates' }, headers: { 'X-API-Key': stack.apiKey } }));
  }
  const covered = new Set<string>();
  const bad: string[] = [];
  const deadline = Date.now() + budgetMs;
  let sent = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < queue.length && Date.now() < deadline) {
        const p = queue[next++]!;
        sent++;
        const res = await fetch(`${stack.base}${p.path}`, { method: p.method, headers: p.headers, body: p.body, signal: AbortSignal.timeout(10_000) });
        const type = res.headers.get('content-type') ?? '';
        const text = type.includes('event-stream') ? '' : await res.text();
        if (type.includes('event-stream')) await res.body?.cancel();
        covered.add(p.operation);
        const where = `${p.operation} [${p.mutation}] → ${res.status}`;
        if (res.status >= 500) bad.push(`${where}: ${text.slice(0, 200)}`);
        else if (res.status >= 400) {
          if (!type.startsWith('application/problem+json')) bad.push(`${where}: ${type} is not problem+json`);
          else {
            const problem = JSON.parse(text) as { status?: number; detail?: string; request_id?: string };
            if (problem.status !== res.status || !problem.detail || !problem.request_id) bad.push(`${where}: incomplete problem ${text.slice(0, 200)}`);
          }
        }
      }
    }),
  );
  assert.deepEqual(bad.slice(0, 20), [], `${bad.length} OpenAPI-generated requests were answered badly`);
  assert.deepEqual(
    operations.map(([m, p]) => `${m} ${p}`).filter((op) => !covered.has(op)),
    [],
    'every operation of the document was exercised within the time budget',
  );
  return { sent, operations: operations.length };
}
