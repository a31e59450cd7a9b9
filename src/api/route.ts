import type { Express, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { parseOrThrow } from './problem.js';
import type { AppContext } from '../app/app-context.js';
import type { SseHub } from './sse/sse-hub.js';

/**
 * One public route, defined once: the Express registration (registerRoutes) and the OpenAPI
 * operation (openapi/openapi-document.ts) are both derived from it, so the docs cannot drift from
 * what is served. Adding a route = a file exporting a `defineRoute(...)` + one line in
 * routes/public-routes.ts (+ its test). Modelled on unkey's createRoute.
 */
export type RateBucket = 'default' | 'start';

/** What every route factory gets: the context and the shared middleware instances. */
export interface RouteDeps {
  ctx: AppContext;
  /** requireApiKey */
  auth: RequestHandler;
  limit: { default: RequestHandler; start: RequestHandler };
  /** strict JSON body parser (two handlers) */
  body: RequestHandler[];
  sse: SseHub;
}

/** A documented response: JSON (`body`), other media types (`content`), or a problem+json error. */
export type ResponseSpec =
  | { description: string; body?: z.ZodType; content?: Record<string, z.ZodType>; headers?: Record<string, { description?: string; schema: Record<string, unknown> }> }
  | { description: string; problem: true }
  | { shared: 'JobNotFound' };

export const problem = (description: string): ResponseSpec => ({ description, problem: true });
export const jobNotFound: ResponseSpec = { shared: 'JobNotFound' };

/** What a handler reads from the request, validated lazily so each route keeps its own check order (e.g. 404 before 422). */
export interface RouteInput<B extends z.ZodType, Q extends z.ZodType> {
  /** the body parsed by `body` (422 naming the field on failure) */
  readonly body: z.output<B>;
  /** the query parsed by `query` (422 naming the parameter on failure) */
  readonly query: z.output<Q>;
}

export type RouteHandler<B extends z.ZodType, Q extends z.ZodType> = (req: Request, res: Response, input: RouteInput<B, Q>) => Promise<void> | void;

export interface RouteDefinition<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express syntax (`/pipeline/jobs/:jobId`); OpenAPI gets `{jobId}` */
  path: string;
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  /** `apiKey`: X-API-Key required (401 documented); `none`: public */
  auth: 'apiKey' | 'none';
  /** the rate-limit bucket (429 and the RateLimit headers documented) */
  rate?: RateBucket;
  /** path parameters, documented; the handler checks them (an unknown job id is a 404, not a 422) */
  params?: z.ZodObject;
  query?: Q;
  /** request headers, documented (a malformed one is the handler's 400) */
  headers?: z.ZodObject;
  body?: B;
  responses: Record<number, ResponseSpec>;
  /** shown in the OpenAPI operation; a test checks each against its schema */
  example: { params?: Record<string, string>; body?: z.input<B>; response: unknown };
  /**
   * Checks that can refuse the request before anything is spent on it: with it, the body is parsed
   * and this runs ahead of the rate bucket, so a refused request takes no token (POST /pipeline/start).
   */
  validate?: (deps: RouteDeps) => RouteHandler<B, Q>;
  /** built once per app with the shared dependencies (per-app state such as a cache lives in the closure) */
  handler: (deps: RouteDeps) => RouteHandler<B, Q>;
}

/** Identity with inference: the generics come from `body` and `query`. */
export function defineRoute<B extends z.ZodType = z.ZodNever, Q extends z.ZodType = z.ZodNever>(def: RouteDefinition<B, Q>): RouteDefinition<B, Q> {
  return def;
}

/** The definitions as a list (each keeps its own generics inside). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteDefinition<any, any>;

/**
 * Express registration: auth, then the rate bucket, then the strict JSON body parser for methods
 * that carry a body — or, for a route with `validate`, auth, body, validate, then the bucket.
 */
export function registerRoutes(app: Express, routes: readonly AnyRoute[], deps: RouteDeps): void {
  for (const route of routes) {
    const chain: RequestHandler[] = [];
    if (route.auth === 'apiKey') chain.push(deps.auth);
    const body = route.method !== 'get' && route.method !== 'delete' ? deps.body : [];
    if (route.validate) {
      const validate = route.validate(deps);
      chain.push(...body, async (req, res, next) => {
        await validate(req, res, inputOf(route, req));
        next();
      });
      if (route.rate) chain.push(deps.limit[route.rate]);
    } else {
      if (route.rate) chain.push(deps.limit[route.rate]);
      chain.push(...body);
    }
    const handle = route.handler(deps);
    chain.push(async (req, res) => {
      await handle(req, res, inputOf(route, req));
    });
    app[route.method](route.path, ...chain);
  }
}

/**
 * The lazily validated input of one request. A class, so the getters live on its prototype: an
 * object literal with getters is a dictionary-mode object, and made per request it too kept
 * request graphs alive through scavenges (see http-metrics.ts; test/api/request-shapes.test.ts).
 */
class RequestInput implements RouteInput<z.ZodType, z.ZodType> {
  constructor(
    private readonly route: AnyRoute,
    private readonly req: Request,
  ) {}

  get body(): unknown {
    if (!this.route.body) throw new Error(`${this.route.operationId} reads a body it does not define`);
    return parseOrThrow(this.route.body, this.req.body, 'body');
  }

  get query(): unknown {
    if (!this.route.query) throw new Error(`${this.route.operationId} reads a query it does not define`);
    return parseOrThrow(this.route.query, this.req.query, 'query');
  }
}

const inputOf = (route: AnyRoute, req: Request): RouteInput<z.ZodType, z.ZodType> => new RequestInput(route, req);

/** `/pipeline/jobs/:jobId` → `/pipeline/jobs/{jobId}` */
export const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');
