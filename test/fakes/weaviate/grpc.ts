import { createServer, ServerError, Status } from 'nice-grpc';
import type { CallContext, Server } from 'nice-grpc';
import type { BatchObject, HealthServiceImplementation, WeaviateServiceImplementation } from './proto.js';
import { healthProto, weaviateProto } from './proto.js';
import type { FakeStore, PropValue } from './store.js';
import { LEGACY_VECTOR } from './store.js';
import { search } from './search.js';
import { compileFilter } from './filters.js';
import type { Faults } from './faults.js';
import { grpcCodeFor } from './faults.js';
import { FakeWeaviateError } from './errors.js';
import { float64sFromBytes, singleVector, vectorFromBytes } from './vectors.js';
import type { FakeCall } from './rest.js';

export interface GrpcDeps {
  store: FakeStore;
  faults: Faults;
  apiKeys: string[];
  calls: FakeCall[];
}

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** gRPC side of the fake: the `weaviate.v1.Weaviate` service and the standard health service. */
export async function startGrpc(deps: GrpcDeps, host: string, listenPort = 0): Promise<{ server: Server; port: number }> {
  const server = createServer();
  server.add(weaviateProto.WeaviateDefinition, weaviateService(deps));
  server.add(healthProto.HealthDefinition, healthService(deps));
  const port = await server.listen(`${host}:${listenPort}`);
  return { server, port };
}

/** Runs one call with auth, logging, latency and faults, mapping fake errors to gRPC statuses. */
async function handle<T>(
  deps: GrpcDeps,
  method: string,
  ctx: CallContext,
  request: unknown,
  opts: { auth: boolean },
  fn: (objectError?: string) => T,
): Promise<T> {
  const auth = ctx.metadata.get('authorization');
  const token = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
  const authorized = token !== undefined && deps.apiKeys.includes(token);
  deps.calls.push({ protocol: 'grpc', target: `grpc:${method}`, authorized, at: Date.now(), request });
  const rule = deps.faults.take(`grpc:${method}`);
  await deps.faults.delay(rule, ctx.signal);
  if (rule?.hang) {
    await deps.faults.hang(ctx.signal);
    throw new ServerError(Status.UNAVAILABLE, 'server shutting down');
  }
  if (rule?.status) throw new ServerError(grpcCodeFor(rule.status), rule.message ?? `injected fault ${rule.status}`);
  if (opts.auth && deps.apiKeys.length > 0 && !authorized) {
    throw new ServerError(
      Status.UNAUTHENTICATED,
      token === undefined ? 'anonymous access not enabled, please provide an auth scheme such as OIDC' : 'invalid api key',
    );
  }
  try {
    return fn(rule?.objectError);
  } catch (err) {
    if (err instanceof FakeWeaviateError) throw new ServerError(err.grpcCode, err.message);
    throw err;
  }
}

function unimplemented(what: string): never {
  throw new ServerError(Status.UNIMPLEMENTED, `${what} is not implemented by the Weaviate fake`);
}

function weaviateService(deps: GrpcDeps): WeaviateServiceImplementation {
  const { store } = deps;
  return {
    search: (req, ctx) =>
      handle(deps, 'Search', ctx, req, { auth: true }, () => {
        const started = performance.now();
        const results = search(store.get(req.collection), req);
        return { took: (performance.now() - started) / 1000, results, groupByResults: [] };
      }),

    batchObjects: (req, ctx) =>
      handle(deps, 'BatchObjects', ctx, { objects: req.objects.length }, { auth: true }, (objectError) => {
        const started = performance.now();
        const errors: { index: number; error: string }[] = [];
        req.objects.forEach((obj, index) => {
          try {
            if (objectError) throw new FakeWeaviateError(objectError);
            insert(store, obj);
          } catch (err) {
            if (!(err instanceof FakeWeaviateError)) throw err;
            errors.push({ index, error: err.message });
          }
        });
        return { took: (performance.now() - started) / 1000, errors };
      }),

    aggregate: (req, ctx) =>
      handle(deps, 'Aggregate', ctx, req, { auth: true }, () => {
        const c = store.get(req.collection);
        if (req.groupBy || req.aggregations.length > 0) unimplemented('Aggregate with metrics or groupBy');
        if (req.hybrid || req.nearVector || req.nearText || req.nearObject) unimplemented('Aggregate over a search');
        const filter = req.filters ? compileFilter(c, req.filters) : () => true;
        const count = [...c.objects.values()].filter(filter).length;
        return { took: 0, singleResult: { objectsCount: req.objectsCount ? count : undefined } };
      }),

    batchDelete: (req, ctx) =>
      handle(deps, 'BatchDelete', ctx, req, { auth: true }, () => {
        const c = store.get(req.collection);
        if (!req.filters) throw new FakeWeaviateError('batch delete needs a filter');
        const filter = compileFilter(c, req.filters);
        const matches = [...c.objects.values()].filter(filter);
        if (!req.dryRun) for (const o of matches) c.objects.delete(o.id);
        return { took: 0, failed: 0, matches: matches.length, successful: req.dryRun ? 0 : matches.length, objects: [] };
      }),

    batchReferences: (req, ctx) =>
      handle(deps, 'BatchReferences', ctx, req, { auth: true }, () => unimplemented('BatchReferences')),
    tenantsGet: (req, ctx) =>
      handle(deps, 'TenantsGet', ctx, req, { auth: true }, () => unimplemented('multi-tenancy')),
    // eslint-disable-next-line require-yield
    async *batchStream() {
      unimplemented('BatchStream (server-side batching, Weaviate >= 1.36)');
    },
  };
}

function healthService(deps: GrpcDeps): HealthServiceImplementation {
  return {
    // the client checks health without credentials, as Weaviate allows
    check: (req, ctx) =>
      handle(deps, 'Health', ctx, req, { auth: false }, () => ({
        status: healthProto.HealthCheckResponse_ServingStatus.SERVING,
      })),
    // eslint-disable-next-line require-yield
    async *watch() {
      unimplemented('Health.Watch');
    },
  };
}

function insert(store: FakeStore, obj: BatchObject): void {
  const c = store.find(obj.collection);
  if (!c) throw new FakeWeaviateError(`class "${obj.collection}" not found in schema`);
  if (!uuidRe.test(obj.uuid)) throw new FakeWeaviateError(`invalid UUID "${obj.uuid}"`);
  if (obj.tenant) throw new FakeWeaviateError('multi-tenancy is not enabled for this class');
  const p = obj.properties;
  if (p && (p.singleTargetRefProps.length > 0 || p.multiTargetRefProps.length > 0)) {
    throw new FakeWeaviateError('reference properties are not supported by this fake');
  }
  if (p && (p.objectProperties.length > 0 || p.objectArrayProperties.length > 0)) {
    throw new FakeWeaviateError('object properties are not supported by this fake');
  }
  const raw: Record<string, unknown> = { ...(p?.nonRefProperties ?? {}) };
  for (const a of p?.textArrayProperties ?? []) raw[a.propName] = a.values;
  for (const a of p?.intArrayProperties ?? []) raw[a.propName] = a.values.map(Number);
  for (const a of p?.booleanArrayProperties ?? []) raw[a.propName] = a.values;
  for (const a of p?.numberArrayProperties ?? []) {
    raw[a.propName] = a.valuesBytes.length > 0 ? float64sFromBytes(a.valuesBytes) : a.values;
  }
  for (const name of p?.emptyListProps ?? []) raw[name] = [];
  const properties: Record<string, PropValue> = c.checkProperties(raw);

  const names = c.vectorNames();
  const single = names.length === 1 ? names[0]! : LEGACY_VECTOR;
  const vectors: Record<string, number[]> = {};
  for (const v of obj.vectors) vectors[v.name || single] = singleVector(v);
  if (obj.vectorBytes.length > 0) vectors[single] = vectorFromBytes(obj.vectorBytes);
  else if (obj.vector.length > 0) vectors[single] = obj.vector;
  c.put({ id: obj.uuid.toLowerCase(), properties, vectors });
}
