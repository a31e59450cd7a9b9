// Prints the unit tier: every test/**/*.test.ts and clients/typescript/test/**/*.test.ts that needs
// no Postgres, Redis, browser or other process — derived from the code, not a kept list. A test file is a unit test unless it, or any
// module under test/ it imports (followed transitively through relative imports), does one of:
//   - imports test/helpers/test-env (every test database, Redis prefix and test app comes from there)
//   - imports pg, ioredis, bullmq or playwright-core directly
//   - imports node:child_process (starts the API, the worker, the CLI, redis-server, Caddy, Chromium)
// Imports of src/ are not followed: loading a module connects to nothing; a connection needs a URL,
// and tests get those only from test-env. `npm run test:unit` runs these files with the service URLs
// pointed at a closed port, so a file that slips through this rule fails loudly instead of quietly
// using a local server.
// Usage: node --import tsx scripts/unit-tests.ts [--why]   (--why: also prints why each other file is excluded)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testDir = path.join(root, 'test');
const clientTestDir = path.join(root, 'clients', 'typescript', 'test');

const MARKERS = [
  { re: /['"](?:\.\.?\/)+(?:helpers\/)?test-env(?:\.js)?['"]/, why: 'test-env (Postgres/Redis)' },
  { re: /from\s+['"](pg|ioredis|bullmq)['"]/, why: 'a Postgres/Redis client' },
  { re: /['"]playwright-core['"]/, why: 'a browser' },
  { re: /['"](?:node:)?child_process['"]/, why: 'child processes' },
];
const RELATIVE_IMPORT = /(?:^|[\s;])(?:import|export)\b[^'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]|\bimport\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

/** The .ts file a relative specifier names, when it lies under test/; otherwise null. */
function resolveInTest(from: string, spec: string): string | null {
  const target = path.resolve(path.dirname(from), spec);
  if (![testDir, clientTestDir].some((dir) => target.startsWith(dir + path.sep))) return null;
  for (const c of [target.replace(/\.js$/, '.ts'), target, `${target}.ts`, path.join(target, 'index.ts')]) {
    if (c.endsWith('.ts') && existsSync(c)) return c;
  }
  return null;
}

const memo = new Map<string, string | null>();
/** Why `file` (or something it imports under test/) needs services or processes; null when it does not. */
function needs(file: string, seen = new Set<string>()): string | null {
  if (memo.has(file)) return memo.get(file) ?? null;
  if (seen.has(file)) return null; // an import cycle: decided by the first visit
  seen.add(file);
  const src = readFileSync(file, 'utf8');
  let reason = MARKERS.find((m) => m.re.test(src))?.why ?? null;
  if (reason) reason = `${path.relative(root, file)}: ${reason}`;
  for (const m of src.matchAll(RELATIVE_IMPORT)) {
    if (reason) break;
    const dep = resolveInTest(file, m[1] ?? m[2] ?? '');
    if (dep) reason = needs(dep, seen);
  }
  memo.set(file, reason);
  return reason;
}

const why = process.argv.includes('--why');
const tests = [...walk(testDir), ...walk(clientTestDir)].filter((f) => f.endsWith('.test.ts')).sort();
for (const f of tests) {
  const reason = needs(f);
  if (!reason) console.log(path.relative(root, f));
  else if (why) console.error(`[integration] ${path.relative(root, f)} <- ${reason}`);
}
