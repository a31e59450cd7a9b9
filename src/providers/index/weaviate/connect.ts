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
 * Connects the official client. It checks /v1/meta (version ≥ 1.27 for the gRPC API) and the gRPC
 * health service before resolving, so a wrong address or key fails here, not on the first query.
 */
export async function connectWeaviate(c: WeaviateConnection): Promise<WeaviateClient> {
  const { rest, grpc } = endpoints(c);
  const seconds = Math.max(c.timeoutMs, 1) / 1000;
  return weaviate.connectToCustom({
    httpHost: rest.host,
    httpPort: rest.port,
    httpSecure: rest.secure,
    httpPath: rest.path,
    grpcHost: grpc.host,
    grpcPort: grpc.port,
    grpcSecure: grpc.secure,
    authCredentials: c.apiKey ? new weaviate.ApiKey(c.apiKey) : undefined,
    timeout: { init: seconds, query: seconds, insert: seconds },
  });
}
