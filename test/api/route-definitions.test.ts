import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import type { z } from 'zod';
import { namedSchemas } from '../../src/api/openapi/components.js';
import { buildOpenApiDocument } from '../../src/api/openapi/openapi-document.js';
import { openApiPath } from '../../src/api/route.js';
import { publicRoutes } from '../../src/api/routes/public-routes.js';

type Json = Record<string, unknown>;
type Doc = {
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, Json>; requestBody?: { content: Record<string, Json> } }>>;
  components: { schemas: Record<string, { examples?: unknown[] }> };
};

// not helpers/processes.js: that imports child_process, which would take this file out of the unit tier
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const doc = buildOpenApiDocument() as unknown as Doc;

describe('route definitions → OpenAPI', () => {
  test('the checked-in openapi.json is current', async () => {
    const onDisk = await readFile(path.join(repoRoot, 'openapi.json'), 'utf8');
    assert.equal(onDisk, `${JSON.stringify(doc, null, 2)}\n`, 'openapi.json is stale: run `npm run openapi`');
  });

  test('every definition is one operation, and every operation comes from a definition', () => {
    const fromRoutes = publicRoutes.map((r) => `${r.method} ${openApiPath(r.path)} ${r.operationId}`).sort();
    const fromDoc = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.entries(ops).map(([m, op]) => `${m} ${p} ${op.operationId}`))
      .sort();
    assert.deepEqual(fromDoc, fromRoutes);
    assert.equal(new Set(publicRoutes.map((r) => r.operationId)).size, publicRoutes.length, 'operationIds are unique');
  });

  test('every operation carries an example of its success response (and of its body), valid against the schema', () => {
    for (const route of publicRoutes) {
      const op = doc.paths[openApiPath(route.path)]![route.method]!;
      const status = Object.keys(op.responses).find((s) => s.startsWith('2'))!;
      const media = (op.responses[status]!.content as Record<string, Json>)['application/json']!;
      assert.ok(media.example !== undefined, `${route.operationId}: no response example`);
      const spec = route.responses[Number(status)] as { body?: z.ZodType; content?: Record<string, z.ZodType> };
      const schema = spec.body ?? spec.content?.['application/json'];
      assert.ok(schema, `${route.operationId}: ${status} has no JSON schema`);
      assert.doesNotThrow(() => schema.parse(route.example.response), `${route.operationId}: response example does not match its schema`);
      if (route.body) {
        assert.ok(op.requestBody?.content['application/json']?.example !== undefined, `${route.operationId}: no body example`);
        assert.doesNotThrow(() => route.body.parse(route.example.body), `${route.operationId}: body example does not match its schema`);
      }
      if (route.params) assert.doesNotThrow(() => route.params!.parse(route.example.params), `${route.operationId}: params example`);
    }
  });

  test('every component schema carries an example that its zod schema accepts', () => {
    const schemas = doc.components.schemas;
    assert.ok(Object.keys(schemas).length >= 10);
    for (const [id, json] of Object.entries(schemas)) {
      assert.ok(json.examples && json.examples.length > 0, `components/schemas/${id} has no example`);
    }
    assert.deepEqual(namedSchemas.map((n) => n.id).sort(), Object.keys(schemas).sort());
    for (const { id, schema, example } of namedSchemas) {
      assert.doesNotThrow(() => schema.parse(example), `${id}: example does not match its schema`);
    }
  });
});
