import type { Request, RequestHandler } from 'express';
import { Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import { requestSpan } from '../tracing/tracing.js';

const routeLabel = Symbol('metricsRoute');
type Labelled = Request & { [routeLabel]?: string };

/** For mounts that have no route pattern of their own (static files): the label to use. */
export function labelRoute(req: Request, pattern: string): void {
  (req as Labelled)[routeLabel] = pattern;
}

export function httpDurationHistogram(registry: Registry): Histogram<'method' | 'route' | 'status_code'> {
  return new Histogram({
    name: 'scout_http_request_duration_seconds',
    help: 'HTTP request duration by method, matched route pattern and status code (SSE streams count their whole life)',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
}

const matchedRoute = Symbol('matchedRoute');
type Routed = Labelled & { [matchedRoute]?: unknown };

/**
 * `req.route` as an accessor on the app's request prototype, defined once: the setter records the
 * label when Express assigns the matched route. Defining it on each request instead (with closures
 * per request) gave every request object its own hidden class, and under load every scavenge kept
 * whole request graphs alive and promoted them until the next full GC (--trace-gc: ~8 MB promoted
 * and 70–90 ms per scavenge at ~1,000 req/s, against none and 2–5 ms without it).
 */
const routeAccessor: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: Routed) {
    return this[matchedRoute];
  },
  set(this: Routed, value: unknown) {
    this[matchedRoute] = value;
    const path = (value as { path?: unknown } | undefined)?.path;
    if (typeof path === 'string') labelRoute(this, `${this.baseUrl}${path}`);
  },
};
const withRouteAccessor = new WeakSet<object>();

/**
 * Times every request and labels it with the route pattern that matched (`/pipeline/jobs/:jobId`),
 * never the raw URL, so ids cannot blow up the label set. Express resets `req.baseUrl` when an
 * error unwinds the router stack, so the full pattern is captured at the moment Express assigns
 * `req.route`, while the mount path is still right. Requests no route matched are `unmatched`.
 */
export function httpMetricsMiddleware(histogram: Histogram<'method' | 'route' | 'status_code'>): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    // Express gives each app's requests that app's request prototype: the accessor goes there once.
    const proto = Object.getPrototypeOf(req) as object;
    if (!withRouteAccessor.has(proto)) {
      Object.defineProperty(proto, 'route', routeAccessor);
      withRouteAccessor.add(proto);
    }
    let done = false;
    let span: ReturnType<typeof requestSpan> = null;
    const finish = () => {
      if (done) return;
      done = true;
      const route = (req as Labelled)[routeLabel] ?? 'unmatched';
      histogram.observe({ method: req.method, route, status_code: String(res.statusCode) }, (performance.now() - started) / 1000);
      span?.end(route, res.statusCode, (res.locals as { requestId?: string }).requestId);
    };
    res.on('finish', finish);
    res.on('close', finish);
    // The trace span (when tracing is on) is active for the rest of the request: enqueue joins it.
    span = requestSpan(req.method, req.path, () => next());
  };
}
