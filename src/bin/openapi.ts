import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from '../api/openapi/openapi-document.js';

// `npm run openapi` writes the checked-in openapi.json (test/api/route-definitions.test.ts keeps it
// current); `--stdout` prints it instead.
const text = `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
if (process.argv.includes('--stdout')) process.stdout.write(text);
else writeFileSync(new URL('../../openapi.json', import.meta.url), text);
