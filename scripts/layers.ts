// Checks that imports in src/ run downward: a module may import its own layer or a lower one, never a
// higher one — except into the root: the composition root (app/context.ts, which builds everything;
// the CLI commands call createContext), the type of what it builds (app/app-context.ts, type-only,
// which every layer receives) and the entry points (bin/). Type-only imports count like any other.
// Usage: node --import tsx scripts/layers.ts   (exit 1 and one line per upward import when any)
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');

/** Lowest first. The first matching prefix (relative to src/) decides a file's layer. */
export const LAYERS: { name: string; prefixes: string[] }[] = [
  { name: 'foundation', prefixes: ['errors.ts', 'config.ts', 'domain/', 'app/logger.ts', 'tracing/', 'export/'] },
  { name: 'storage', prefixes: ['db/', 'repositories/', 'stores/'] },
  { name: 'adapters', prefixes: ['providers/', 'queue/', 'webhooks/'] },
  { name: 'use cases', prefixes: ['services/', 'pipeline/', 'import/', 'eval/', 'app/operator-error.ts', 'app/process.ts'] },
  { name: 'delivery', prefixes: ['api/', 'admin/', 'metrics/', 'worker/', 'cli/', 'presenters/'] },
  { name: 'root', prefixes: ['app/context.ts', 'app/app-context.ts', 'bin/'] },
];

export function layerOf(rel: string): number {
  const i = LAYERS.findIndex((l) => l.prefixes.some((p) => rel === p || rel.startsWith(p)));
  if (i < 0) throw new Error(`src/${rel} is in no layer: add it to LAYERS in scripts/layers.ts`);
  return i;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/g;

const ROOT = LAYERS.length - 1;

/** Every import from a higher layer than the importer's, other than into the root: `from → to`. */
export function upwardImports(): string[] {
  const out: string[] = [];
  for (const file of walk(src)) {
    const rel = path.relative(src, file);
    const from = layerOf(rel);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = path.relative(src, path.resolve(path.dirname(file), m[1]!)).replace(/\.js$/, '.ts');
      if (target.startsWith('..')) continue;
      const to = layerOf(target);
      if (to > from && to !== ROOT) out.push(`${rel} (${LAYERS[from]!.name}) → ${target} (${LAYERS[to]!.name})`);
    }
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const up = upwardImports();
  for (const line of up) console.log(line);
  console.log(`${up.length} upward import${up.length === 1 ? '' : 's'}`);
  process.exit(up.length > 0 ? 1 : 0);
}
