import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/processes.js';

/**
 * There is no Docker engine here, so the compose file and the Dockerfile are checked for what the
 * deployment promises: only Caddy publishes ports, Redis cannot evict queue keys, Weaviate is
 * internal and keyed, Postgres starts from sql/init.sql, the image is multi-stage and non-root.
 */
const deployDir = path.join(repoRoot, 'deploy');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  ports?: string[];
  expose?: string[];
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  networks?: string[];
  healthcheck?: unknown;
}
interface Compose {
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean } | null>;
}

async function compose(): Promise<{ doc: Compose; text: string }> {
  const text = await readFile(path.join(deployDir, 'docker-compose.yml'), 'utf8');
  return { doc: parse(text, { merge: true }) as Compose, text };
}

test('only caddy publishes ports, and only 80 and 443', async () => {
  const { doc } = await compose();
  const published = Object.entries(doc.services).filter(([, s]) => s.ports !== undefined);
  assert.deepEqual(published.map(([name]) => name), ['caddy']);
  // `${SCOUT_HTTP_PUBLISH:-80}:80`: what is published when the variable is unset (production).
  const withDefaults = (p: string) => p.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
  const hostPorts = doc.services.caddy!.ports!.map((p) => withDefaults(String(p)).split(':')[0]);
  assert.deepEqual([...new Set(hostPorts)].sort(), ['443', '80']);
  for (const name of ['api', 'worker']) {
    assert.ok(doc.services[name]!.expose?.length, `${name} is reachable on the compose networks only`);
  }
});

test('postgres, redis and weaviate sit on internal networks only', async () => {
  const { doc } = await compose();
  for (const name of ['postgres', 'redis', 'weaviate']) {
    const nets = doc.services[name]!.networks ?? [];
    assert.ok(nets.length > 0, `${name} names its networks`);
    for (const n of nets) assert.equal(doc.networks[n]?.internal, true, `${name} is on non-internal network ${n}`);
  }
  assert.ok(!(doc.services.caddy!.networks ?? []).some((n) => doc.networks[n]?.internal), 'caddy cannot reach the backend network');
  const caddyNets = new Set(doc.services.caddy!.networks);
  assert.ok(doc.services.api!.networks!.some((n) => caddyNets.has(n)), 'caddy and the api share a network');
  assert.ok(!doc.services.worker!.networks!.some((n) => caddyNets.has(n)), 'caddy cannot reach the worker');
});

test('redis runs with noeviction and AOF', async () => {
  const { doc } = await compose();
  const cmd = [doc.services.redis!.command].flat().join(' ');
  assert.match(cmd, /--maxmemory-policy noeviction\b/);
  assert.match(cmd, /--appendonly yes\b/);
  assert.match(cmd, /--requirepass/);
});

test('weaviate requires an API key and allows no anonymous access', async () => {
  const { doc } = await compose();
  const env = doc.services.weaviate!.environment!;
  assert.equal(env.AUTHENTICATION_APIKEY_ENABLED, 'true');
  assert.equal(env.AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED, 'false');
  assert.match(env.AUTHENTICATION_APIKEY_ALLOWED_KEYS!, /\$\{WEAVIATE_API_KEY:\?/);
  assert.equal(doc.services.weaviate!.ports, undefined);
});

test('postgres is initialised from sql/init.sql; caddy mounts the Caddyfile; the build points at the Dockerfile', async () => {
  const { doc } = await compose();
  const init = doc.services.postgres!.volumes!.find((v) => v.includes('/docker-entrypoint-initdb.d/'));
  assert.ok(init, 'init.sql mounted into docker-entrypoint-initdb.d');
  assert.equal(path.resolve(deployDir, init.split(':')[0]!), path.join(repoRoot, 'sql', 'init.sql'));
  const caddyfile = doc.services.caddy!.volumes!.find((v) => v.endsWith(':/etc/caddy/Caddyfile:ro'));
  assert.ok(caddyfile && existsSync(path.resolve(deployDir, caddyfile.split(':')[0]!)));
  for (const name of ['api', 'worker']) {
    const build = doc.services[name]!.build!;
    assert.ok(existsSync(path.resolve(deployDir, build.context, build.dockerfile)), `${name} build`);
    assert.ok(doc.services[name]!.healthcheck, `${name} has a healthcheck`);
  }
  assert.deepEqual([doc.services.api!.command].flat(), ['node', 'dist/bin/api.js']);
  assert.deepEqual([doc.services.worker!.command].flat(), ['node', 'dist/bin/worker.js']);
});

test('every ${VAR} the compose file interpolates is documented in .env.example', async () => {
  const { text } = await compose();
  const example = await readFile(path.join(deployDir, '.env.example'), 'utf8');
  const used = new Set([...text.matchAll(/(?<!\$)\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!));
  assert.ok(used.has('POSTGRES_PASSWORD') && used.has('REDIS_PASSWORD'));
  const missing = [...used].filter((v) => !new RegExp(`^#?\\s*${v}=`, 'm').test(example));
  assert.deepEqual(missing, []);
});

test('the Dockerfile is multi-stage on Node 24 (the major the scripts install), builds with npm run build, and runs as a non-root user with production deps only', async () => {
  const text = await readFile(path.join(deployDir, 'Dockerfile'), 'utf8');
  const stages = text.split(/^FROM /m).slice(1);
  assert.ok(stages.length >= 3, 'build, production deps and runtime stages');
  const image = /^ARG NODE_IMAGE=node:(\d+)-[a-z-]+$/m.exec(text);
  assert.equal(image?.[1], '24');
  const scripts = await readFile(path.join(repoRoot, 'scripts/ensure-deps.sh'), 'utf8');
  assert.equal(/^SCOUT_NODE_DEFAULT_MAJOR=(\d+)$/m.exec(scripts)?.[1], image?.[1], 'the image runs the Node major that npm start and npm test use');
  const stage = (name: string) => stages.find((s) => new RegExp(`^\\S+ AS ${name}\\b`).test(s)) ?? '';
  assert.match(stage('build'), /RUN npm ci\b/);
  assert.match(stage('build'), /RUN npm run build\b/);
  assert.match(stage('prod-deps'), /RUN npm ci --omit=dev\b/);
  const runtime = stages.at(-1)!;
  assert.match(runtime, /COPY --from=prod-deps \/app\/node_modules \.\/node_modules/);
  assert.doesNotMatch(runtime, /COPY --from=build \/app\/node_modules/, 'dev dependencies never reach the runtime image');
  assert.match(runtime, /COPY src\/admin\/static \.\/dist\/admin\/static/, 'dashboard assets next to the compiled router');
  assert.match(runtime, /COPY sql \.\/sql/, 'migrations ship with the image');
  const users = [...runtime.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
  assert.deepEqual(users, ['node']);
  assert.doesNotMatch(runtime, /^RUN (?!mkdir -p \/app\/data && chown node:node \/app\/data$).*/m, 'no other commands run as root in the runtime stage');
  // The compiled router resolves its static directory relative to itself, which this COPY mirrors.
  const router = await readFile(path.join(repoRoot, 'src/admin/admin.router.ts'), 'utf8');
  assert.match(router, /new URL\('\.\/static\/', import\.meta\.url\)/);
});
