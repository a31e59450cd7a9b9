import http from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Request, RequestHandler } from 'express';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { AppContext } from '../app/app-context.js';
import { ConfigError } from '../config.js';
import { AppError } from '../errors.js';
import { httpDurationHistogram, httpMetricsMiddleware } from './http-metrics.js';
import { attachPipelineMetrics } from './pipeline-metrics.js';
import { attachStateMetrics } from './state-metrics.js';

export interface ProcessMetrics {
  registry: Registry;
  /** times requests by matched route (mount it before the routes) */
  http: RequestHandler;
}

type MetricsDeps = Pick<AppContext, 'role' | 'config' | 'logger' | 'pool' | 'repos' | 'queue' | 'ledger' | 'jobEvents' | 'redis'>;
type EndpointDeps = MetricsDeps & Pick<AppContext, 'stores'>;

const perContext = new WeakMap<object, ProcessMetrics>();

/**
 * The metrics of this process, one registry per context: process defaults, external calls and
 * stage durations seen here, HTTP latency (API) and, except in the worker, the shared
 * jobs-by-status and queue-depth gauges read at scrape time.
 */
export function metricsFor(ctx: MetricsDeps): ProcessMetrics {
  const known = perContext.get(ctx);
  if (known) return known;
  const registry = new Registry();
  registry.setDefaultLabels({ role: ctx.role });
  collectDefaultMetrics({ register: registry, prefix: 'scout_' });
  attachPipelineMetrics(ctx, registry);
  if (ctx.role !== 'worker') attachStateMetrics(ctx, registry);
  const metrics = { registry, http: httpMetricsMiddleware(httpDurationHistogram(registry)) };
  perContext.set(ctx, metrics);
  return metrics;
}

/** METRICS_ALLOW entries (`10.0.0.0/8`, `127.0.0.1`, `::1`) as a BlockList; a bad entry is a config error. */
export function parseAllowList(entries: string[]): BlockList {
  const list = new BlockList();
  const problems: string[] = [];
  for (const entry of entries) {
    const [addr = '', prefix] = entry.split('/');
    const family = isIP(addr);
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    if (family === 0 || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) {
      problems.push(`METRICS_ALLOW: "${entry}" is not an IP address or CIDR range`);
      continue;
    }
    list.addSubnet(addr, bits, family === 6 ? 'ipv6' : 'ipv4');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return list;
}

export function peerAllowed(list: BlockList, address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  const family = isIP(v4);
  return family !== 0 && list.check(v4, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Whether a request may see operator detail (metrics, detailed health): a direct request from an
 * address in METRICS_ALLOW, or `X-Admin-Key` checked through the admin-key gate (counted per IP like
 * every other admin-key check, so this is no side door for guessing). A request relayed by Caddy,
 * whose address may well be on the allowlisted network, still needs the key.
 */
export function operatorAccess(ctx: Pick<AppContext, 'config' | 'stores'>): (req: Request) => Promise<'allowlisted' | 'admin-key' | 'none'> {
  const allow = parseAllowList(ctx.config.metrics.allow);
  const gate = ctx.stores.adminKeyGate;
  return async (req) => {
    const proxied = req.get('x-forwarded-for') !== undefined || req.get('forwarded') !== undefined;
    if (!proxied && peerAllowed(allow, req.socket.remoteAddress)) return 'allowlisted';
    const presented = req.get('x-admin-key');
    if (presented === undefined) return 'none';
    await gate.verify(req, presented);
    return 'admin-key';
  };
}

/** GET /metrics on the API port: for METRICS_ALLOW peers and X-Admin-Key holders (see operatorAccess). */
export function metricsEndpoint(ctx: EndpointDeps): RequestHandler {
  const { registry } = metricsFor(ctx);
  const access = operatorAccess(ctx);
  return async (req, res) => {
    if ((await access(req)) === 'none') {
      throw new AppError('unauthorized', 'metrics need X-Admin-Key (or a direct request from an address in METRICS_ALLOW)');
    }
    const body = await registry.metrics();
    res.setHeader('Content-Type', registry.contentType);
    res.send(body);
  };
}

export interface MetricsListener {
  /** the bound port, or null when METRICS_PORT is 0 (no listener) */
  port: number | null;
  close(): Promise<void>;
}

/**
 * A listener that serves only GET /metrics, without authentication, on METRICS_HOST:METRICS_PORT.
 * Meant for an internal address (the compose network, loopback) that only Prometheus reaches; the
 * worker has no other HTTP surface, so this is how its metrics are scraped.
 */
export async function startMetricsListener(ctx: MetricsDeps): Promise<MetricsListener> {
  const { host, port } = ctx.config.metrics;
  if (port === 0) return { port: null, close: async () => {} };
  const { registry } = metricsFor(ctx);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(body),
      (err: unknown) => {
        ctx.logger.warn({ err }, 'metrics: scrape failed');
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  ctx.logger.info({ host, port: bound }, 'metrics listener up');
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The worker's metrics: its registry observes calls and stage events from now on, and when
 * METRICS_PORT is set the internal listener serves them. Synchronous so it slots into the worker's
 * background services; a listener that cannot bind is logged, it does not stop job processing.
 */
export function startWorkerMetrics(ctx: MetricsDeps): { close(): Promise<void> } {
  metricsFor(ctx);
  const listening = startMetricsListener(ctx).catch((err: unknown) => {
    ctx.logger.error({ err, host: ctx.config.metrics.host, port: ctx.config.metrics.port }, 'metrics listener could not start');
    return null;
  });
  return {
    async close() {
      await (await listening)?.close();
    },
  };
}
