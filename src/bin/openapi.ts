import { buildOpenApiDocument } from '../api/openapi/openapi-document.js';

// Prints the OpenAPI document; `npx tsx src/bin/openapi.ts > openapi.json` refreshes the checked-in copy.
process.stdout.write(`${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
