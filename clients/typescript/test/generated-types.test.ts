import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generatedPath, generateTypes, openapiPath } from '../scripts/generate.js';

const srcDir = fileURLToPath(new URL('../src/', import.meta.url));

test('the committed generated types are what openapi.json generates today (else: npm run client:generate)', async () => {
  const expected = await generateTypes(await readFile(openapiPath, 'utf8'));
  const committed = await readFile(generatedPath, 'utf8');
  assert.ok(committed === expected, 'clients/typescript/src/generated/openapi.ts is stale: run `npm run client:generate` and commit it');
});

test('the runtime code imports nothing from Node and nothing but openapi-fetch, so it runs in Deno and browsers', async () => {
  const files = (await readdir(srcDir, { recursive: true })).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 5, 'found the sources');
  for (const file of files) {
    // comments may mention imports in prose (the generated types carry the API's descriptions)
    const text = (await readFile(path.join(srcDir, file), 'utf8')).replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    // static imports/re-exports, side-effect imports and dynamic import() — not string literals such as "import"
    for (const m of text.matchAll(/(?:^\s*(?:import|export)\b[^'"]*?\bfrom\s*|^\s*import\s*|\bimport\s*\(\s*)['"]([^'"]+)['"]/gm)) {
      const spec = m[1]!;
      assert.ok(spec.startsWith('.') || spec === 'openapi-fetch', `${file} imports ${spec}`);
    }
    const nodeGlobal = /\b(?:process|Buffer|require|__dirname)\b[.(]/.exec(text);
    assert.equal(nodeGlobal, null, `${file} uses a Node global: ${nodeGlobal?.[0]}`);
  }
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
  assert.deepEqual(Object.keys(pkg.dependencies), ['openapi-fetch']);
  for (const version of Object.values(pkg.dependencies)) assert.match(version, /^\d+\.\d+\.\d+$/, 'pinned exactly');
});
