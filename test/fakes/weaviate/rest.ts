import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeStore, PropValue, StoredObject } from './store.js';
import { LEGACY_VECTOR } from './store.js';
import type { FaultRule, Faults } from './faults.js';
import { FakeWeaviateError, invalid, notFound } from './errors.js';

export interface FakeCall {
  protocol: 'rest' | 'grpc';
  /** `rest:GET /v1/schema`, `grpc:Search`, ... */
  target: string;
  authorized: boolean;
  at: number;
  /** decoded request (gRPC) or parsed JSON body (REST) */
  request?: unknown;
}

export interface RestDeps {
  store: FakeStore;
  faults: Faults;
  apiKeys: string[];
  calls: FakeCall[];
  version: string;
  grpcMaxMessageSize: number;
}

const MAX_BODY = 64 * 1024 * 1024;

/** REST side of the fake: the endpoints the official client calls, with Weaviate's error shapes. */
export async function startRest(deps: RestDeps, host: string, port = 0): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: [{ message: String(err) }] });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function send(res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...(text ? { 'content-type': 'application/json' } : {}), ...headers });
  res.end(text);
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new FakeWeaviateError('request body too large', 413);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FakeWeaviateError('body is not valid JSON', 400);
  }
}

async function handle(deps: RestDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  const method = req.method ?? 'GET';
  const path = url.pathname.replace(/\/+$/, '');
  const auth = req.headers.authorization;
  const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
  const authorized = token !== undefined && deps.apiKeys.includes(token);
  const body = ['POST', 'PUT', 'PATCH'].includes(method) ? await readJson(req).catch((e: unknown) => e) : undefined;
  if (path.startsWith('/__fake/')) return control(deps, method, path.slice('/__fake/'.length), body, res);
  deps.calls.push({ protocol: 'rest', target: `rest:${method} ${path}`, authorized, at: Date.now(), request: body });

  const closed = new AbortController();
  res.on('close', () => closed.abort());
  const rule = deps.faults.take(`rest:${path}`);
  await deps.faults.delay(rule, closed.signal);
  if (rule?.hang) {
    await deps.faults.hang(closed.signal);
    if (!res.writableEnded) res.destroy();
    return;
  }
  if (rule?.status) {
    const headers: Record<string, string> = rule.retryAfterSeconds ? { 'retry-after': String(rule.retryAfterSeconds) } : {};
    return send(res, rule.status, { error: [{ message: rule.message ?? `injected fault ${rule.status}` }] }, headers);
  }
  if (body instanceof FakeWeaviateError) return send(res, body.httpStatus, { error: [{ message: body.message }] });

  // liveness/readiness are unauthenticated on Weaviate (and used by orchestrators)
  if (method === 'GET' && (path === '/v1/.well-known/live' || path === '/v1/.well-known/ready')) return send(res, 200);
  if (path === '/v1/.well-known/openid-configuration') return send(res, 404);
  if (deps.apiKeys.length > 0 && !authorized) {
    const message =
      token === undefined
        ? 'anonymous access not enabled, please provide an auth scheme such as OIDC'
        : 'invalid api key: key not found';
    return send(res, 401, { code: 401, message });
  }
  try {
    const out = route(deps, method, path, url, body);
    if (out === null) return send(res, 404);
    send(res, out.status ?? 200, out.body);
  } catch (err) {
    if (!(err instanceof FakeWeaviateError)) throw err;
    send(res, err.httpStatus, { error: [{ message: err.message }] });
  }
}

function route(
  deps: RestDeps,
  method: string,
  path: string,
  url: URL,
  body: unknown,
): { status?: number; body?: unknown } | null {
  const { store } = deps;
  const parts = path.split('/').filter(Boolean).slice(1);
  const [resource, a, b] = parts;
  if (method === 'GET' && path === '/v1/meta') {
    return {
      body: { hostname: 'http://[::]:8080', version: deps.version, modules: {}, grpcMaxMessageSize: deps.grpcMaxMessageSize },
    };
  }
  if (resource === 'schema') {
    if (a === undefined && method === 'GET') return { body: { classes: store.list().map((c) => c.schema) } };
    if (a === undefined && method === 'POST') return { body: store.create(asObject(body)).schema };
    if (a !== undefined && b === 'properties' && parts.length === 3 && method === 'POST') {
      return { body: store.addProperty(a, asObject(body)) };
    }
    if (a !== undefined && parts.length === 2) {
      if (method === 'GET') return { body: store.get(a).schema };
      if (method === 'PUT') return { body: store.update(a, asObject(body)).schema };
      if (method === 'DELETE') {
        store.delete(a);
        return { status: 200 };
      }
    }
  }
  if (resource === 'objects' && a !== undefined && b !== undefined) {
    const c = store.get(a);
    const obj = c.objects.get(b.toLowerCase());
    if (method === 'GET' || method === 'HEAD') {
      if (!obj) throw notFound(`object ${b} not found`);
      return { body: restObject(c.name, obj, url.searchParams.get('include') === 'vector') };
    }
    if (method === 'DELETE') {
      if (!obj) throw notFound(`object ${b} not found`);
      c.objects.delete(obj.id);
      return { status: 204 };
    }
  }
  if (resource === 'batch' && a === 'objects' && method === 'POST') {
    const objects = (asObject(body).objects ?? []) as Record<string, unknown>[];
    return { body: objects.map((o) => restBatchOne(store, o)) };
  }
  if (resource === 'graphql' && method === 'POST') {
    // The v3 client searches and aggregates over gRPC; GraphQL is deprecated upstream.
    return { body: { errors: [{ message: 'GraphQL is not implemented by the Weaviate fake: use gRPC' }] } };
  }
  return null;
}

function asObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid('body must be a JSON object');
  return body as Record<string, unknown>;
}

function restObject(className: string, o: StoredObject, withVector: boolean) {
  return {
    class: className,
    id: o.id,
    properties: o.properties,
    creationTimeUnix: o.createdAt,
    lastUpdateTimeUnix: o.updatedAt,
    ...(withVector ? { vectors: o.vectors } : {}),
  };
}

function restBatchOne(store: FakeStore, o: Record<string, unknown>) {
  try {
    const c = store.get(String(o.class ?? ''));
    const id = String(o.id ?? '').toLowerCase();
    if (!/^[0-9a-f-]{36}$/.test(id)) throw invalid(`invalid UUID "${String(o.id)}"`);
    const properties: Record<string, PropValue> = c.checkProperties((o.properties ?? {}) as Record<string, unknown>);
    const vectors: Record<string, number[]> = { ...((o.vectors ?? {}) as Record<string, number[]>) };
    if (Array.isArray(o.vector)) vectors[c.vectorNames().length === 1 ? c.vectorNames()[0]! : LEGACY_VECTOR] = o.vector as number[];
    c.put({ id, properties, vectors });
    return { ...o, result: {} };
  } catch (err) {
    if (!(err instanceof FakeWeaviateError)) throw err;
    return { ...o, result: { errors: { error: [{ message: err.message }] } } };
  }
}

/**
 * The control API every fake shares (docs/providers.md, "Rehearse production locally"), here for
 * both protocols: `fail` and `script` take fault rules whose `on`/`path` names a call target
 * (`grpc:Search`, `rest:/v1/schema`, `grpc:*`, `*`). Control calls are not recorded and never fail.
 */
function control(deps: RestDeps, method: string, what: string, body: unknown, res: http.ServerResponse): void {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  if (method === 'GET' && what === 'state') {
    const byTarget: Record<string, number> = {};
    for (const c of deps.calls) byTarget[c.target] = (byTarget[c.target] ?? 0) + 1;
    return send(res, 200, {
      requests: deps.calls.length,
      calls: byTarget,
      collections: deps.store.list().map((c) => ({ name: c.schema.class, objects: c.objects.size })),
      latencyMs: deps.faults.latencyMs,
    });
  }
  if (method === 'GET' && what === 'requests') return send(res, 200, deps.calls.map((c) => ({ target: c.target, at: c.at })));
  if (method === 'POST' && what === 'latency' && typeof b.latencyMs === 'number') {
    deps.faults.latencyMs = b.latencyMs;
    return send(res, 204);
  }
  if (method === 'POST' && what === 'fail' && typeof b.status === 'number') {
    deps.faults.add({
      on: typeof b.path === 'string' ? b.path : '*',
      status: b.status,
      times: typeof b.times === 'number' ? b.times : undefined,
      retryAfterSeconds: typeof b.retryAfter === 'string' ? Number(b.retryAfter) : undefined,
    });
    return send(res, 204);
  }
  if (method === 'POST' && what === 'script' && Array.isArray(b.rules)) {
    for (const rule of b.rules as FaultRule[]) deps.faults.add(rule);
    return send(res, 204);
  }
  if (method === 'POST' && what === 'reset') {
    deps.faults.clear();
    deps.calls.length = 0;
    return send(res, 204);
  }
  send(res, 404, { error: `unknown control ${method} ${what}` });
}
