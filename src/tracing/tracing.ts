import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span } from '@opentelemetry/api';

/**
 * OpenTelemetry tracing: API request → enqueue → (trace context in the BullMQ job data) → job run in
 * the worker → stages → provider calls (the ledger), with the job id and request id as attributes.
 *
 * Off unless OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set. Off, the SDK
 * is never loaded and every helper below returns straight into the wrapped function: one boolean
 * check per call. On, spans go by OTLP/HTTP (JSON) in batches; the standard OTEL_* variables
 * (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS, OTEL_BSP_*, OTEL_TRACES_SAMPLER…) apply.
 */
let enabled = false;
const tracer = () => trace.getTracer('influencer-scout-api');

export function tracingEnabled(): boolean {
  return enabled;
}

export interface Tracing {
  /** flushes what is buffered; call on shutdown */
  shutdown(): Promise<void>;
}

export async function startTracing(role: string, env: NodeJS.ProcessEnv = process.env): Promise<Tracing> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return { shutdown: async () => {} };
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? `influencer-scout-${role}`, 'scout.role': role }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Global tracer provider, AsyncLocalStorage context manager, W3C trace-context propagator.
  provider.register();
  enabled = true;
  return {
    async shutdown() {
      enabled = false;
      await provider.shutdown();
    },
  };
}

/** Runs `fn` in a new active span (child of `parent`, default the active context); records failures. */
export async function traced<T>(name: string, attributes: Attributes, fn: (span?: Span) => Promise<T>, opts: { parent?: Context; kind?: SpanKind } = {}): Promise<T> {
  if (!enabled) return fn();
  return tracer().startActiveSpan(name, { attributes, kind: opts.kind ?? SpanKind.INTERNAL }, opts.parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The active trace context as W3C headers, to travel with a queued job (undefined when off). */
export function traceCarrier(): Record<string, string> | undefined {
  if (!enabled) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return Object.keys(carrier).length > 0 ? carrier : undefined;
}

/** The context a queued job was enqueued in (ROOT when it carries none). */
export function contextFrom(carrier: unknown): Context {
  if (!enabled || !carrier || typeof carrier !== 'object') return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier as Record<string, string>);
}

/**
 * A server span for one HTTP request, active for everything the request does. `run` continues the
 * request inside it; `end` names it by the matched route once known.
 */
export function requestSpan(method: string, path: string, run: () => void): { end(route: string, status: number, requestId?: string): void } | null {
  if (!enabled) {
    run();
    return null;
  }
  const span = tracer().startSpan(`${method}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path } });
  context.with(trace.setSpan(context.active(), span), run);
  return {
    end(route, status, requestId) {
      span.updateName(`${method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': status, ...(requestId ? { 'scout.request_id': requestId } : {}) });
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}
