import weaviate from 'weaviate-client';
import type { WeaviateClient } from 'weaviate-client';

export interface WeaviateConnection {
  /** REST base URL, e.g. http://weaviate:8080 */
  url: string;
  /** gRPC address as a URL (http://host:50051, or https:// / grpcs:// for TLS); default: REST host, port 50051 */
  grpcUrl?: string;
  apiKey?: string;
  /** per-request timeout for REST and gRPC calls */
  timeoutMs: number;
}

interface Endpoint {
  host: string;
  port: number;
  secure: boolean;
  path: string;
}

function endpoint(raw: string, defaultPort: (secure: boolean) => number): Endpoint {
  const u = new URL(raw);
  const secure = u.protocol === 'https:' || u.protocol === 'grpcs:';
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : defaultPort(secure),
    secure,
    path: u.pathname.replace(/\/+$/, ''),
  };
}

/** The REST and gRPC endpoints the client will use (exported for the startup log and tests). */
export function endpoints(c: Pick<WeaviateConnection, 'url' | 'grpcUrl'>): { rest: Endpoint; grpc: Endpoint } {
  const rest = endpoint(c.url, (secure) => (secure ? 443 : 8080));
  const grpc = c.grpcUrl
    ? endpoint(c.grpcUrl, (secure) => (secure ? 443 : 50051))
    : { host: rest.host, port: 50051, secure: rest.secure, path: '' };
  return { rest, grpc };
}

/**
 * The official client retries gRPC UNAVAILABLE by itself — up to 5 more times with its own
 * exponential backoff (1 s … 16 s), inside one of our attempts — and offers no option to turn it
 * off: every Search, BatchObjects and Aggregate call spreads a shared, module-level
 * `retryOptions` object into its call options. Left on, one of our attempts hid up to six wire
 * calls and ~25 s of waiting, under our retries, under BullMQ's job attempts (an outage took five
 * minutes to fail a job and the ledger saw one row in six). We keep exactly one retry layer, ours,
 * so each wire attempt is one ledger row and counts towards the circuit breaker: the shared object
 * is switched off once, before the first connection. The weaviate fake test asserts wire calls =
 * ledger rows, so a client upgrade that moves the object fails loudly there.
 */
let clientRetriesOff: Promise<void> | null = null;
export function disableClientRetries(): Promise<void> {
  clientRetriesOff ??= (async () => {
    const url = new URL('./grpc/retry.js', import.meta.resolve('weaviate-client'));
    const mod = (await import(url.href)) as { retryOptions?: { retry?: boolean; retryMaxAttempts?: number } };
    if (!mod.retryOptions || typeof mod.retryOptions !== 'object') {
      throw new Error(`weaviate-client changed: no retryOptions in ${url.pathname}; its internal gRPC retries cannot be turned off`);
    }
    mod.retryOptions.retry = false;
    mod.retryOptions.retryMaxAttempts = 0;
  })();
  return clientRetriesOff;
}

/**
 * Connects the official client. It checks /v1/meta (version ≥ 1.27 for the gRPC API) and the gRPC
 * health service before resolving, so a wrong address or key fails here, not on the first query.
 */
export async function connectWeaviate(c: WeaviateConnection): Promise<WeaviateClient> {
  const { rest, grpc } = endpoints(c);
  const seconds = Math.max(c.timeoutMs, 1) / 1000;
  await disableClientRetries();
  return withoutHealthcheckWarnings(() => weaviate.connectToCustom({
    httpHost: rest.host,
    httpPort: rest.port,
    httpSecure: rest.secure,
    httpPath: rest.path,
    grpcHost: grpc.host,
    grpcPort: grpc.port,
    grpcSecure: grpc.secure,
    authCredentials: c.apiKey ? new weaviate.ApiKey(c.apiKey) : undefined,
    timeout: { init: seconds, query: seconds, insert: seconds },
  }));
}

const healthcheckWarning = /^Healthcheck \d+ failed\. Retrying in \d+ms\.$/;
let quieting = 0;
let originalWarn: typeof console.warn | null = null;

/**
 * While connecting, the client's gRPC health check retries once and reports it with
 * `console.warn(error, "Healthcheck 0 failed. Retrying in …ms.")` — a stack trace on the
 * operator's terminal for what our own error then explains in one line (naming
 * WEAVIATE_GRPC_URL). Those two-argument warnings, and only those, are dropped while connecting.
 */
async function withoutHealthcheckWarnings<T>(fn: () => Promise<T>): Promise<T> {
  if (quieting++ === 0) {
    const warn = console.warn;
    originalWarn = warn;
    console.warn = (...args: unknown[]) => {
      if (args.length === 2 && typeof args[1] === 'string' && healthcheckWarning.test(args[1])) return;
      warn(...args);
    };
  }
  try {
    return await fn();
  } finally {
    if (--quieting === 0 && originalWarn) {
      console.warn = originalWarn;
      originalWarn = null;
    }
  }
}
