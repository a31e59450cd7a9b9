import { z } from 'zod';
import { LIMITS } from '../../domain/job.js';
import { API_KEY_PREFIX } from '../../domain/api-key.js';
import { openApiPath } from '../route.js';
import type { AnyRoute, ResponseSpec } from '../route.js';
import { publicRoutes } from '../routes/public-routes.js';
import { serviceVersion } from '../version.js';
import { parameterComponents, requestComponents, responseComponents } from './components.js';

type Json = Record<string, unknown>;
const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const uri = (id: string) => `#/components/schemas/${id}`;

// Drop noise the generator adds: safe-integer bounds on every int and the regex behind date-time;
// add the example a component was registered with.
const tidy = (open: boolean) => (ctx: { jsonSchema: Json; zodSchema: unknown }) => {
  const j = ctx.jsonSchema;
  const examples = (open ? responseComponents : requestComponents).get(ctx.zodSchema as z.ZodType)?.examples;
  if (examples) j.examples = examples;
  if (j.minimum === Number.MIN_SAFE_INTEGER) delete j.minimum;
  if (j.maximum === Number.MAX_SAFE_INTEGER) delete j.maximum;
  if (j.format === 'date-time') delete j.pattern;
  // Responses may gain fields without a new version, so they are not closed.
  if (open && j.additionalProperties === false) delete j.additionalProperties;
};

function strip(s: Json): Json {
  const { $schema: _s, $id: _id, ...rest } = s;
  return rest;
}

/** Component schemas generated from the registered zod schemas: requests as clients write them, responses as sent. */
function componentSchemas(): Record<string, Json> {
  const req = z.toJSONSchema(requestComponents, { io: 'input', uri, target: 'draft-2020-12', override: tidy(false) });
  const res = z.toJSONSchema(responseComponents, { io: 'output', uri, target: 'draft-2020-12', override: tidy(true) });
  const all = { ...(req.schemas as Record<string, Json>), ...(res.schemas as Record<string, Json>) };
  return Object.fromEntries(Object.entries(all).map(([id, s]) => [id, strip(s)]));
}

/** A schema used by a route: a `$ref` when it is registered, otherwise inline. */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const registry = io === 'input' ? requestComponents : responseComponents;
  const id = registry.get(schema)?.id;
  if (id) return ref(id);
  return strip(z.toJSONSchema(schema, { io, target: 'draft-2020-12', override: tidy(io === 'output') }) as Json);
}

/** A parameter: a `$ref` to components/parameters when shared, otherwise inline. */
function parameter(name: string, where: 'path' | 'query' | 'header', schema: z.ZodType): Json {
  const optional = schema instanceof z.ZodOptional || schema instanceof z.ZodDefault;
  const inner = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
  const shared = parameterComponents.get(inner);
  if (shared) return { $ref: `#/components/parameters/${shared.id}` };
  const { description: innerDescription, ...json } = strip(z.toJSONSchema(inner, { io: 'input', target: 'draft-2020-12', override: tidy(false) }) as Json);
  const description = schema.meta()?.description ?? innerDescription;
  return {
    name,
    in: where,
    ...(where === 'path' || !optional ? { required: true } : {}),
    ...(typeof description === 'string' ? { description } : {}),
    schema: json,
  };
}

function parameters(route: AnyRoute): Json[] {
  const out: Json[] = [];
  for (const [where, obj] of [['path', route.params], ['query', route.query], ['header', route.headers]] as const) {
    if (!obj) continue;
    for (const [name, schema] of Object.entries((obj as z.ZodObject).shape)) out.push(parameter(name, where, schema as z.ZodType));
  }
  return out;
}

const rateHeaders = {
  RateLimit: { $ref: '#/components/headers/RateLimit' },
  'RateLimit-Policy': { $ref: '#/components/headers/RateLimitPolicy' },
};

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});

function response(route: AnyRoute, status: number, spec: ResponseSpec): Json {
  if ('shared' in spec) return { $ref: `#/components/responses/${spec.shared}` };
  if ('problem' in spec) return problem(spec.description);
  const success = status < 300;
  const headers = { ...(success && route.rate ? rateHeaders : {}), ...(spec.headers ?? {}) };
  const media: Record<string, z.ZodType> = { ...spec.content, ...(spec.body ? { 'application/json': spec.body } : {}) };
  const first = status === successStatus(route);
  return {
    description: spec.description,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    content: Object.fromEntries(
      Object.entries(media).map(([type, schema]) => [
        type,
        { schema: schemaOf(schema, 'output'), ...(first && type === 'application/json' ? { example: route.example.response } : {}) },
      ]),
    ),
  };
}

/** The first 2xx status: the one the example response belongs to. */
const successStatus = (route: AnyRoute) => Math.min(...Object.keys(route.responses).map(Number).filter((s) => s < 300));

function operation(route: AnyRoute): Json {
  const responses: Record<string, Json> = {};
  const statuses = Object.keys(route.responses).map(Number);
  // 401 and 429 come with the key and the bucket; they are listed where the route lists its own errors.
  const implied: Record<number, Json> = {};
  if (route.auth === 'apiKey') implied[401] = { $ref: '#/components/responses/Unauthorized' };
  if (route.rate) implied[429] = { $ref: '#/components/responses/RateLimited' };
  for (const status of [...new Set([...statuses, ...Object.keys(implied).map(Number)])].sort((a, b) => a - b)) {
    responses[String(status)] = route.responses[status] ? response(route, status, route.responses[status]) : implied[status]!;
  }
  const params = parameters(route);
  return {
    operationId: route.operationId,
    tags: route.tags,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(route.auth === 'none' ? { security: [] } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(route.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(route.body, 'input'), example: route.example.body } } } }
      : {}),
    responses,
  };
}

/** The paths of the public routes, derived from their definitions. */
function paths(routes: readonly AnyRoute[]): Json {
  const out: Record<string, Json> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    out[path] = { ...(out[path] ?? {}), [route.method]: operation(route) };
  }
  return out;
}

/** components/parameters from the registered parameter schemas. */
function componentParameters(): Record<string, Json> {
  const out: Record<string, Json> = {};
  // the registry cannot be iterated; the schemas are reached through the routes that use them
  for (const route of publicRoutes) {
    for (const obj of [route.params, route.headers, route.query]) {
      for (const schema of Object.values((obj as z.ZodObject | undefined)?.shape ?? {})) {
        const inner = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : (schema as z.ZodType);
        const meta = parameterComponents.get(inner);
        if (!meta || out[meta.id]) continue;
        const json = strip(z.toJSONSchema(inner, { io: 'input', target: 'draft-2020-12', override: tidy(false) }) as Json);
        out[meta.id] = {
          name: meta.name,
          in: meta.in,
          ...(meta.in === 'path' ? { required: true } : {}),
          ...(meta.description ? { description: meta.description } : {}),
          schema: json,
        };
      }
    }
  }
  return out;
}

/** The OpenAPI 3.1 document of the public API (admin endpoints are internal and not listed). */
export function buildOpenApiDocument(): Json {
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Influencer Scout API',
      version: serviceVersion,
      description:
        'Start a scouting job with a campaign brief and get back a ranked shortlist of creators. Authenticate with ' +
        `\`X-API-Key: ${API_KEY_PREFIX}…\`. Errors are RFC 9457 problem details. Every response carries \`X-Request-Id\`. ` +
        `Brief ${LIMITS.briefMin}–${LIMITS.briefMax} characters; top_k ≤ ${LIMITS.topKMax}; candidate_limit ≤ ${LIMITS.candidateLimitMax}.`,
    },
    tags: [{ name: 'pipeline' }, { name: 'search' }, { name: 'service' }],
    security: [{ ApiKey: [] }],
    paths: paths(publicRoutes),
    components: {
      securitySchemes: { ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
      parameters: componentParameters(),
      headers: {
        RateLimit: { description: 'remaining requests `r` and seconds `t` until the bucket is full', schema: { type: 'string' } },
        RateLimitPolicy: { description: 'bucket size `q` and seconds `w` to refill it', schema: { type: 'string' } },
      },
      responses: {
        Unauthorized: problem('missing, malformed, unknown or revoked API key'),
        RateLimited: {
          ...problem('rate limit or daily quota exceeded'),
          headers: { 'Retry-After': { schema: { type: 'integer' } }, ...rateHeaders },
        },
        JobNotFound: problem('no such job for this API key'),
      },
      schemas: componentSchemas(),
    },
  };
}
