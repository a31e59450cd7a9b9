#!/usr/bin/env node
// `scout` command: runs the compiled CLI when built (production image), the TypeScript source otherwise.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/bin/scout.js', import.meta.url));
if (existsSync(compiled)) {
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/bin/scout.ts');
}
