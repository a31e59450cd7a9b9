import type http from 'node:http';
import { FakeStore } from './weaviate/store.js';
import { Faults } from './weaviate/faults.js';
import type { FaultRule } from './weaviate/faults.js';
import { startRest } from './weaviate/rest.js';
import type { FakeCall } from './weaviate/rest.js';
import { startGrpc } from './weaviate/grpc.js';

export type { FaultRule } from './weaviate/faults.js';
export type { FakeCall } from './weaviate/rest.js';
export type { FakeCollection, StoredObject } from './weaviate/store.js';

/**
 * A fake Weaviate on loopback that the official `weaviate-client` v3 talks to unchanged: REST on
 * one port (meta, readiness, schema CRUD, objects, REST batch) and gRPC on another
 * (`weaviate.v1.Weaviate`: Search with hybrid / bm25 / nearVector / filters, BatchObjects,
 * Aggregate count, BatchDelete; plus `grpc.health.v1.Health`). Objects live in memory; hybrid
 * search is real BM25F + cosine with ranked or relative-score fusion. API-key auth is enforced
 * like `AUTHENTICATION_APIKEY_ENABLED=true` with anonymous access off. Latency and faults
 * (HTTP status / gRPC code, hang, per-object batch errors) are injectable per endpoint.
 */
export interface WeaviateFakeOptions {
  /** allowed API keys; empty = anonymous access (default: one generated key) */
  apiKeys?: string[];
  /** version reported by /v1/meta (the client gates features on it) */
  version?: string;
  latencyMs?: number;
  host?: string;
  /** fixed ports (default: any free port) */
  httpPort?: number;
  grpcPort?: number;
}

export interface WeaviateFake {
  /** REST base, e.g. http://127.0.0.1:41234 */
  url: string;
  /** gRPC address as a URL, e.g. http://127.0.0.1:41235 */
  grpcUrl: string;
  httpPort: number;
  grpcPort: number;
  /** the first allowed key ('' when anonymous) */
  apiKey: string;
  /** The configuration that points the app at this fake, using `collection` (SEARCH_BACKEND=weaviate and WEAVIATE_*). */
  env(collection: string): Record<string, string>;
  store: FakeStore;
  /** every call received, in order (for assertions on what the client sent) */
  calls: FakeCall[];
  inject(rule: FaultRule): void;
  clearFaults(): void;
  setLatency(ms: number): void;
  close(): Promise<void>;
}

export async function startWeaviateFake(opts: WeaviateFakeOptions = {}): Promise<WeaviateFake> {
  const host = opts.host ?? '127.0.0.1';
  const apiKeys = opts.apiKeys ?? [`fake-weaviate-key-${Math.random().toString(36).slice(2, 12)}`];
  const store = new FakeStore();
  const faults = new Faults();
  faults.latencyMs = opts.latencyMs ?? 0;
  const calls: FakeCall[] = [];
  const rest = await startRest(
    { store, faults, apiKeys, calls, version: opts.version ?? '1.35.7', grpcMaxMessageSize: 104_858_000 },
    host,
    opts.httpPort ?? 0,
  );
  const grpc = await startGrpc({ store, faults, apiKeys, calls }, host, opts.grpcPort ?? 0);
  const url = `http://${host}:${rest.port}`;
  const grpcUrl = `http://${host}:${grpc.port}`;
  const apiKey = apiKeys[0] ?? '';
  return {
    url,
    grpcUrl,
    httpPort: rest.port,
    grpcPort: grpc.port,
    apiKey,
    env: (collection) => ({
      SEARCH_BACKEND: 'weaviate',
      WEAVIATE_URL: url,
      WEAVIATE_GRPC_URL: grpcUrl,
      WEAVIATE_API_KEY: apiKey,
      WEAVIATE_COLLECTION: collection,
    }),
    store,
    calls,
    inject: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    setLatency: (ms) => {
      faults.latencyMs = ms;
    },
    async close() {
      faults.close();
      await Promise.all([closeHttp(rest.server), grpc.server.shutdown()]);
    },
  };
}

function closeHttp(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
