import { z } from 'zod';

/**
 * The named schemas of the OpenAPI document. A schema registered here appears under
 * `components/schemas/<id>` (requests as clients write them, responses as sent) and every use of it,
 * in a route definition or nested in another schema, becomes a `$ref`. Register a schema where it is
 * defined, with an example: the document and a test require one on every schema.
 */
export const requestComponents = z.registry<{ id: string; examples?: unknown[] }>();
export const responseComponents = z.registry<{ id: string; examples?: unknown[] }>();
/** Shared parameters (`components/parameters/<id>`): `name` and `in` as OpenAPI wants them. */
export const parameterComponents = z.registry<{ id: string; name: string; in: 'path' | 'query' | 'header'; description?: string }>();

/** Every named schema with its example, in registration order (a zod registry cannot be listed). */
export const namedSchemas: { id: string; schema: z.ZodType; example: unknown }[] = [];

/** Names a request schema (a body clients send), with an example of it. */
export function requestComponent<S extends z.ZodType>(id: string, schema: S, example: z.input<S>): S {
  requestComponents.add(schema, { id, examples: [example] });
  namedSchemas.push({ id, schema, example });
  return schema;
}

/** Names a response schema, with an example of it. */
export function responseComponent<S extends z.ZodType>(id: string, schema: S, example: z.input<S>): S {
  responseComponents.add(schema, { id, examples: [example] });
  namedSchemas.push({ id, schema, example });
  return schema;
}
