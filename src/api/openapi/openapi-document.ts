import { z } from 'zod';
import { filtersSchema, LIMITS, publicArtifactKinds, startJobSchema } from '../../domain/job.js';
import { API_KEY_PREFIX } from '../../services/api-keys.service.js';
import { IDEMPOTENCY_KEY_MAX } from '../../services/idempotency.service.js';
import { WEBHOOK_HEADERS } from '../../webhooks/webhook-signature.js';
import {
  artifactResponseSchema,
  eventsBatchSchema,
  healthResponseSchema,
  jobEventSchema,
  jobLinksSchema,
  jobMetaSchema,
  jobViewSchema,
  problemSchema,
  rankedResultSchema,
  resultsResponseSchema,
  searchRequestSchema,
  searchResponseSchema,
  searchResultSchema,
  startJobResponseSchema,
  EVENTS_LIMIT_MAX,
} from '../schemas.js';
import { serviceVersion } from '../version.js';

type Json = Record<string, unknown>;
const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** Component schemas generated from the zod schemas: requests as clients write them, responses as sent. */
function componentSchemas(): Record<string, Json> {
  const uri = (id: string) => `#/components/schemas/${id}`;
  const requests = z.registry<{ id: string }>();
  requests.add(filtersSchema, { id: 'Filters' });
  requests.add(startJobSchema, { id: 'StartJobRequest' });
  requests.add(searchRequestSchema, { id: 'SearchRequest' });
  const responses = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries({
    Problem: problemSchema,
    JobLinks: jobLinksSchema,
    StartJobResponse: startJobResponseSchema,
    JobMeta: jobMetaSchema,
    Job: jobViewSchema,
    RankedResult: rankedResultSchema,
    JobResults: resultsResponseSchema,
    Artifact: artifactResponseSchema,
    JobEvent: jobEventSchema,
    JobEventsBatch: eventsBatchSchema,
    SearchResult: searchResultSchema,
    SearchResponse: searchResponseSchema,
    Health: healthResponseSchema,
  })) {
    responses.add(schema, { id });
  }
  const strip = (schemas: Record<string, Json>) =>
    Object.fromEntries(
      Object.entries(schemas).map(([id, s]) => {
        const { $schema: _s, $id: _id, ...rest } = s;
        return [id, rest];
      }),
    );
  // Drop noise the generator adds: safe-integer bounds on every int and the regex behind date-time.
  const tidy = (open: boolean) => (ctx: { jsonSchema: Json }) => {
    const j = ctx.jsonSchema;
    if (j.minimum === Number.MIN_SAFE_INTEGER) delete j.minimum;
    if (j.maximum === Number.MAX_SAFE_INTEGER) delete j.maximum;
    if (j.format === 'date-time') delete j.pattern;
    // Responses may gain fields without a new version, so they are not closed.
    if (open && j.additionalProperties === false) delete j.additionalProperties;
  };
  const req = z.toJSONSchema(requests, { io: 'input', uri, target: 'draft-2020-12', override: tidy(false) });
  const res = z.toJSONSchema(responses, { io: 'output', uri, target: 'draft-2020-12', override: tidy(true) });
  return { ...strip(req.schemas as Record<string, Json>), ...strip(res.schemas as Record<string, Json>) };
}

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const json = (schema: Json, description: string, headers?: Json) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema } },
});

const rateHeaders = {
  RateLimit: { $ref: '#/components/headers/RateLimit' },
  'RateLimit-Policy': { $ref: '#/components/headers/RateLimitPolicy' },
};
const keyedErrors = {
  '401': { $ref: '#/components/responses/Unauthorized' },
  '429': { $ref: '#/components/responses/RateLimited' },
};
const jobErrors = { ...keyedErrors, '404': { $ref: '#/components/responses/JobNotFound' } };
const jobIdParam = { $ref: '#/components/parameters/JobId' };

function paths(): Json {
  return {
    '/health': {
      get: {
        operationId: 'getHealth',
        tags: ['service'],
        summary: 'Service health',
        description: '200 when Postgres, Redis and the creator index answer (status `degraded` when the index was built by another embedder: jobs fail until `scout import --reindex`); 503 while a dependency is down. No key needed.',
        security: [],
        responses: {
          '200': json(ref('Health'), 'healthy'),
          '503': json(ref('Health'), 'a component is down'),
        },
      },
    },
    '/pipeline/start': {
      post: {
        operationId: 'startJob',
        tags: ['pipeline'],
        summary: 'Start a scouting job',
        description:
          'Creates the job and queues it. With `Idempotency-Key` (scoped to your key, kept 24 h) a retry with the same body ' +
          'returns the same job (`Idempotent-Replayed: true`); the same key with a different body is 422; while the first ' +
          `request is still in flight a duplicate gets 409. Limited by the stricter \`start\` bucket and the key's daily quota. ` +
          `Webhook: when the job ends, \`webhook_url\` receives a signed POST (headers ${Object.values(WEBHOOK_HEADERS).join(', ')}; ` +
          'signature `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with your webhook secret>`).',
        parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
        requestBody: { required: true, content: { 'application/json': { schema: ref('StartJobRequest') } } },
        responses: {
          '202': json(ref('StartJobResponse'), 'accepted (or replayed)', {
            ...rateHeaders,
            Location: { description: 'the job', schema: { type: 'string' } },
            'Idempotent-Replayed': { description: '`true` when an earlier request created this job', schema: { type: 'string' } },
          }),
          '400': problem('malformed JSON or Idempotency-Key'),
          ...keyedErrors,
          '409': problem('a request with this Idempotency-Key is still in progress'),
          '413': problem('body too large'),
          '415': problem('body is not JSON'),
          '422': problem('invalid field (named in `errors`), or Idempotency-Key reused with another body'),
          '503': problem('accepted but not queued yet (`job_id` in the body; it will be queued), or a backend is down'),
        },
      },
    },
    '/pipeline/jobs/{jobId}': {
      get: {
        operationId: 'getJob',
        tags: ['pipeline'],
        summary: 'Job status, stage, progress and counters',
        parameters: [jobIdParam],
        responses: { '200': json(ref('Job'), 'the job', rateHeaders), ...jobErrors },
      },
    },
    '/pipeline/jobs/{jobId}/results': {
      get: {
        operationId: 'getJobResults',
        tags: ['pipeline'],
        summary: 'Final ranked creators',
        parameters: [jobIdParam],
        responses: {
          '200': json(ref('JobResults'), 'the ranked shortlist', rateHeaders),
          ...jobErrors,
          '409': problem('the job has not completed (or failed / was cancelled)'),
        },
      },
    },
    '/pipeline/jobs/{jobId}/artifacts/{kind}': {
      get: {
        operationId: 'getJobArtifact',
        tags: ['pipeline'],
        summary: 'An intermediate artifact',
        description:
          '`candidates` (search hits), `progressive` (top so far, rewritten after each scoring batch), ' +
          '`remaining` (not yet scored), `timing` (per-stage durations and counts).',
        parameters: [jobIdParam, { name: 'kind', in: 'path', required: true, schema: { type: 'string', enum: [...publicArtifactKinds] } }],
        responses: { '200': json(ref('Artifact'), 'the artifact', rateHeaders), ...keyedErrors, '404': problem('no such job, kind, or not written yet') },
      },
    },
    '/pipeline/jobs/{jobId}/events': {
      get: {
        operationId: 'getJobEvents',
        tags: ['pipeline'],
        summary: 'Job events: SSE stream or JSON batch',
        description:
          'With `Accept: text/event-stream`: Server-Sent Events, `id` = per-job sequence, `event` = type, `data` = a JobEvent. ' +
          'Resume with `Last-Event-ID` (or `?after=`): no gap, no duplicate. A `: heartbeat` comment every 15 s; the stream ' +
          'ends after `completed`, `failed` or `cancelled`. Otherwise (or with `?format=json`): a JSON page of the same events.',
        parameters: [
          jobIdParam,
          { name: 'format', in: 'query', schema: { type: 'string', enum: ['json', 'sse'] } },
          { name: 'after', in: 'query', description: 'return events with seq greater than this', schema: { type: 'integer', minimum: 0 } },
          { name: 'limit', in: 'query', description: 'JSON page size', schema: { type: 'integer', minimum: 1, maximum: EVENTS_LIMIT_MAX, default: 100 } },
          { name: 'Last-Event-ID', in: 'header', schema: { type: 'string' } },
        ],
        responses: {
          '200': {
            description: 'SSE stream or JSON batch',
            content: {
              'text/event-stream': { schema: { type: 'string' } },
              'application/json': { schema: ref('JobEventsBatch') },
            },
          },
          ...jobErrors,
          '400': problem('bad Last-Event-ID'),
          '422': problem('bad query parameter'),
        },
      },
    },
    '/pipeline/jobs/{jobId}/cancel': {
      post: {
        operationId: 'cancelJob',
        tags: ['pipeline'],
        summary: 'Cancel a job',
        description: 'A pending job is cancelled at once (200); a running one stops at its next safe point (202).',
        parameters: [jobIdParam],
        responses: {
          '200': json(ref('Job'), 'cancelled'),
          '202': json(ref('Job'), 'cancellation requested'),
          ...jobErrors,
          '409': problem('the job has already finished'),
        },
      },
    },
    '/weaviate/search': {
      post: {
        operationId: 'searchCreators',
        tags: ['search'],
        summary: 'Hybrid search over the creator index',
        description: 'Normalized creators from the configured index (Weaviate or LanceDB), at most 100.',
        requestBody: { required: true, content: { 'application/json': { schema: ref('SearchRequest') } } },
        responses: {
          '200': json(ref('SearchResponse'), 'matching creators', rateHeaders),
          '400': problem('malformed JSON'),
          ...keyedErrors,
          '413': problem('body too large'),
          '415': problem('body is not JSON'),
          '422': problem('invalid field'),
          '503': problem('search backend unavailable'),
        },
      },
    },
  };
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
    paths: paths(),
    components: {
      securitySchemes: { ApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
      parameters: {
        JobId: { name: 'jobId', in: 'path', required: true, schema: { type: 'string', pattern: '^job_[a-z0-9]+$' } },
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          description: 'any unique string (a UUID is ideal), kept 24 h per API key',
          schema: { type: 'string', minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX },
        },
      },
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
