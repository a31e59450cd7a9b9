import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppContext } from '../../src/app/context.js';
import { createApp } from '../../src/api/app.js';

export interface RunningApp {
  base: string;
  close(): Promise<void>;
}

/** The real API app (admin router and metrics included) on a loopback port. */
export async function startApp(ctx: AppContext): Promise<RunningApp> {
  const server = http.createServer(createApp(ctx));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

/** node:http request with full control of headers (fetch forbids Host and friends). */
export function raw(base: string, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface AdminSession {
  cookie: string;
  csrf: string;
  /** same-origin headers for a state-changing request with this session */
  headers(extra?: Record<string, string>): Record<string, string>;
}

/** Signs in through POST /admin/login (JSON) the way the dashboard's own origin would. */
export async function adminLogin(base: string, key: string, extraHeaders: Record<string, string> = {}): Promise<AdminSession> {
  const res = await raw(base, '/admin/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: base, ...extraHeaders },
    body: JSON.stringify({ key }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.body}`);
  const setCookie = res.headers['set-cookie']?.[0] ?? '';
  const cookie = setCookie.split(';')[0]!;
  const csrf = res.json<{ csrf_token: string }>().csrf_token;
  return {
    cookie,
    csrf,
    headers: (extra = {}) => ({ Cookie: cookie, Origin: base, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json', ...extra }),
  };
}
