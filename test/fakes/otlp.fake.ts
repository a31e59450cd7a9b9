import { FakeHttpServer } from './fake-http-server.js';
import type { FakeReply, FakeRequest } from './fake-http-server.js';

/** One span as the collector received it (OTLP/JSON, flattened). */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, string | number | boolean>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: OtlpKeyValue[] }[] }[];
  }[];
}

const valueOf = (v: OtlpValue) => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.doubleValue ?? v.boolValue ?? ''));
const attrs = (list: OtlpKeyValue[] = []) => Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));

/**
 * A stand-in for an OpenTelemetry collector: accepts OTLP/HTTP JSON trace exports on POST /v1/traces
 * (what @opentelemetry/exporter-trace-otlp-http sends) and keeps the spans.
 */
export class FakeOtlpCollector extends FakeHttpServer {
  readonly spans: ReceivedSpan[] = [];

  protected handle(req: FakeRequest): FakeReply {
    if (req.method !== 'POST' || req.path !== '/v1/traces') return { status: 404, body: { error: 'not found' } };
    const body = req.json as OtlpExport | undefined;
    if (!body) return { status: 400, body: { error: 'expected OTLP JSON' } };
    for (const rs of body.resourceSpans ?? []) {
      const service = String(attrs(rs.resource?.attributes)['service.name'] ?? '');
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          this.spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, attributes: attrs(s.attributes) });
        }
      }
    }
    return { status: 200, body: {} };
  }

  protected state() {
    return { spans: this.spans.length };
  }

  protected control(): boolean {
    return false;
  }
}
