import { ConfigError, loadConfig } from '../config.js';
import type { Config } from '../config.js';
import { NETWORK_ERROR_CODES, ProviderError } from '../errors.js';
import { IndexEmbedderMismatchError } from '../providers/search-index/creator-index.js';
import { endpoints } from '../providers/search-index/weaviate/connect.js';

/**
 * Turns a failure at boot or in a CLI command into one line an operator can act on — what failed
 * and which variable to check — or null when it is not an operator error (a bug: print the stack).
 * A refused connection names the variable whose address it was (`WEAVIATE_GRPC_URL` for
 * `ECONNREFUSED 127.0.0.1:50051`), a missing database says so, a rejected key names its variable.
 */
export function explainOperatorError(err: unknown, config?: Config): string | null {
  if (err instanceof ConfigError) return err.message;
  if (err instanceof IndexEmbedderMismatchError) return err.message;
  const pg = findPgError(err);
  if (pg?.code === '3D000') {
    const db = /database "([^"]+)"/.exec(pg.message)?.[1] ?? 'the database';
    return `${pg.message}: check DATABASE_URL, or create it (createdb ${db})`;
  }
  if (pg && (pg.code === '28P01' || pg.code === '28000')) return `Postgres refused the login (${pg.message}): check the user and password in DATABASE_URL`;

  const conn = findConnectionError(err);
  if (conn) {
    const vars = variablesFor(conn.host, conn.port, config ?? safeConfig());
    const where = conn.port ? `${conn.host}:${conn.port}` : conn.host;
    const check = vars.length > 0 ? `: check ${vars.join(' / ')}` : '';
    const prefix = err instanceof ProviderError ? `${err.service}.${err.operation}: ` : '';
    return `${prefix}cannot connect to ${where} (${conn.code})${check}`;
  }
  if (err instanceof ProviderError) return err.message;
  const fsErr = err as { code?: unknown; path?: unknown; syscall?: unknown } | null;
  if (fsErr && typeof fsErr.path === 'string' && (fsErr.code === 'ENOENT' || fsErr.code === 'EACCES' || fsErr.code === 'EISDIR')) {
    const what = fsErr.code === 'ENOENT' ? 'no such file or directory' : fsErr.code === 'EACCES' ? 'permission denied' : 'is a directory';
    return `cannot read ${fsErr.path}: ${what}`;
  }
  return null;
}

function safeConfig(): Config | null {
  try {
    return loadConfig();
  } catch {
    return null;
  }
}

interface PgLike {
  code: string;
  message: string;
}

function* chain(err: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  const queue = [err];
  while (queue.length > 0) {
    const e = queue.shift();
    if (e === null || e === undefined || seen.has(e)) continue;
    seen.add(e);
    yield e;
    if (typeof e === 'object') {
      const o = e as { cause?: unknown; errors?: unknown };
      queue.push(o.cause);
      if (Array.isArray(o.errors)) queue.push(...(o.errors as unknown[]));
    }
  }
}

function findPgError(err: unknown): PgLike | null {
  for (const e of chain(err)) {
    const o = e as { code?: unknown; message?: unknown; severity?: unknown };
    if (typeof o.code === 'string' && /^[0-9A-Z]{5}$/.test(o.code) && typeof o.severity === 'string') {
      return { code: o.code, message: String(o.message) };
    }
  }
  return null;
}

const connCodes = NETWORK_ERROR_CODES.join('|');

function findConnectionError(err: unknown): { code: string; host: string; port: number | null } | null {
  for (const e of chain(err)) {
    const o = e as { code?: unknown; address?: unknown; port?: unknown; hostname?: unknown; message?: unknown };
    if (typeof o.code === 'string' && new RegExp(`^(${connCodes})$`).test(o.code)) {
      const host = typeof o.address === 'string' ? o.address : typeof o.hostname === 'string' ? o.hostname : null;
      if (host) return { code: o.code, host, port: typeof o.port === 'number' ? o.port : null };
    }
    const text = typeof o.message === 'string' ? o.message : '';
    const m = new RegExp(`\\b(${connCodes})\\s+\\[?([\\w.:-]+?)\\]?:(\\d+)\\b`).exec(text);
    if (m) return { code: m[1]!, host: m[2]!, port: Number(m[3]) };
    const dns = /getaddrinfo (ENOTFOUND|EAI_AGAIN) ([^\s,;)]+)/.exec(text);
    if (dns) return { code: dns[1]!, host: dns[2]!, port: null };
  }
  return null;
}

const loopback = new Set(['localhost', '127.0.0.1', '::1', '::ffff:127.0.0.1']);
const sameHost = (a: string, b: string) => a.toLowerCase() === b.toLowerCase() || (loopback.has(a) && loopback.has(b));

/** The variables whose address is host:port (the gRPC default is named even when unset). */
function variablesFor(host: string, port: number | null, config: Config | null): string[] {
  if (!config) return [];
  const list: { name: string; host: string; port: number }[] = [];
  const add = (name: string, raw: string | undefined, defaultPort: number) => {
    if (!raw) return;
    try {
      const u = new URL(raw);
      const port = u.port ? Number(u.port) : u.protocol === 'http:' ? 80 : u.protocol === 'https:' ? 443 : defaultPort;
      list.push({ name, host: u.hostname.replace(/^\[|\]$/g, ''), port });
    } catch {
      /* validated by config */
    }
  };
  add('DATABASE_URL', config.database.url, 5432);
  add('REDIS_URL', config.redis.url, 6379);
  add('LLM_BASE_URL', config.llm.provider === 'openai' ? config.llm.baseUrl : undefined, 443);
  add('EMBEDDINGS_BASE_URL', config.embeddings.provider === 'openai' ? config.embeddings.baseUrl : undefined, 443);
  add('BRIGHTDATA_BASE_URL', config.profiles.source === 'brightdata' ? config.profiles.brightdata.baseUrl : undefined, 443);
  const w = config.search.weaviate;
  if (config.search.backend === 'weaviate' && w.url) {
    const e = endpoints({ url: w.url, grpcUrl: w.grpcUrl });
    list.push({ name: 'WEAVIATE_URL', host: e.rest.host, port: e.rest.port });
    list.push({ name: w.grpcUrl ? 'WEAVIATE_GRPC_URL' : 'WEAVIATE_GRPC_URL (unset: the REST host, port 50051)', host: e.grpc.host, port: e.grpc.port });
  }
  return [...new Set(list.filter((x) => sameHost(x.host, host) && (port === null || x.port === port)).map((x) => x.name))];
}
