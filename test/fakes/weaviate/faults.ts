import { setTimeout as sleep } from 'node:timers/promises';
import { Status } from 'nice-grpc';

/**
 * Fault injection shared by the REST and gRPC sides. A rule matches a call target —
 * `grpc:Search`, `grpc:BatchObjects`, `grpc:Aggregate`, `grpc:Health`, `grpc:*`,
 * `rest:/v1/schema` (path prefix), `rest:*` or `*` — and applies to its next `times` calls.
 */
export interface FaultRule {
  on: string;
  /** answer with this HTTP status; on gRPC the matching code (see `grpcCodeFor`) */
  status?: number;
  /** Retry-After seconds sent with a REST 429/503 */
  retryAfterSeconds?: number;
  /** never answer, until the caller gives up or the fake closes */
  hang?: boolean;
  /** extra latency for matching calls */
  delayMs?: number;
  /** fail every object of a matching batch with this message (the call itself succeeds) */
  objectError?: string;
  /** number of matching calls the rule applies to; default: all of them */
  times?: number;
  message?: string;
}

export function grpcCodeFor(status: number): Status {
  switch (status) {
    case 401:
      return Status.UNAUTHENTICATED;
    case 403:
      return Status.PERMISSION_DENIED;
    case 404:
      return Status.NOT_FOUND;
    case 400:
    case 422:
      return Status.INVALID_ARGUMENT;
    case 429:
      return Status.RESOURCE_EXHAUSTED;
    case 502:
    case 503:
    case 504:
      return Status.UNAVAILABLE;
    default:
      return Status.INTERNAL;
  }
}

function matches(on: string, target: string): boolean {
  if (on === '*' || on === target) return true;
  if (on.endsWith(':*')) return target.startsWith(on.slice(0, -1));
  return on.startsWith('rest:') && target.startsWith(on);
}

export class Faults {
  latencyMs = 0;
  private rules: { rule: FaultRule; left: number }[] = [];
  private readonly closing = new AbortController();

  add(rule: FaultRule): void {
    this.rules.push({ rule, left: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.rules = [];
  }

  /** The rule that applies to this call, consuming one of its uses. */
  take(target: string): FaultRule | null {
    const hit = this.rules.find((r) => r.left > 0 && matches(r.rule.on, target));
    if (!hit) return null;
    hit.left -= 1;
    return hit.rule;
  }

  async delay(rule: FaultRule | null, signal?: AbortSignal): Promise<void> {
    const ms = this.latencyMs + (rule?.delayMs ?? 0);
    if (ms > 0) await sleep(ms, undefined, { signal: anySignal(signal, this.closing.signal) }).catch(() => {});
  }

  /** Resolves when the caller gives up or the fake shuts down: a server that never answers. */
  hang(signal?: AbortSignal): Promise<void> {
    const s = anySignal(signal, this.closing.signal);
    return new Promise((resolve) => {
      if (s.aborted) resolve();
      else s.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  close(): void {
    this.closing.abort();
  }
}

function anySignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a ? AbortSignal.any([a, b]) : b;
}
