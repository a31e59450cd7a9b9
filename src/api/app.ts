import express from 'express';
import type { AppContext } from '../app/app-context.js';
import { createAdminRouter } from '../admin/admin.router.js';
import { metricsEndpoint, metricsFor } from '../metrics/metrics.js';
import './locals.js';
import { requireApiKey } from './middleware/api-key-auth.middleware.js';
import { cors } from './middleware/cors.middleware.js';
import { errorHandler, notFound } from './middleware/errors.middleware.js';
import { bodyParserErrors, jsonBody } from './middleware/json-body.middleware.js';
import { rateLimit } from './middleware/rate-limit.middleware.js';
import { requestContext } from './middleware/request-context.middleware.js';
import { securityHeaders } from './middleware/security-headers.middleware.js';
import { docsRoutes } from './routes/docs.routes.js';
import { registerRoutes } from './route.js';
import { publicRoutes } from './routes/public-routes.js';
import type { RouteDeps } from './route.js';
import { SseHub } from './sse/sse-hub.js';

const hubs = new WeakMap<express.Express, SseHub>();

/** The open SSE streams of an app, for graceful shutdown. */
export function sseHubOf(app: express.Express): SseHub {
  const hub = hubs.get(app);
  if (!hub) throw new Error('not an app made by createApp');
  return hub;
}

/** The HTTP application, separate from listen() so tests and the API process share it. */
export function createApp(ctx: AppContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy(ctx.config.http.trustProxy));
  app.set('query parser', 'simple');

  const sse = new SseHub(ctx.jobEvents);
  hubs.set(app, sse);
  // A revoked key's streams end on every API process within the pub/sub round trip.
  ctx.jobEvents.onKeyRevoked((apiKeyId) => sse.closeForKey(apiKeyId));
  const deps: RouteDeps = {
    ctx,
    auth: requireApiKey(ctx),
    limit: { default: rateLimit(ctx, 'default'), start: rateLimit(ctx, 'start') },
    body: jsonBody(ctx.config.http.bodyLimit),
    sse,
  };

  app.use(requestContext(ctx.logger));
  app.use(securityHeaders({ hsts: ctx.config.isProduction }));
  app.use(cors(ctx.config.http.corsOrigins));

  // Admin UI/JSON and Prometheus mount ahead of the public routes; they parse their own bodies.
  app.use(metricsFor(ctx).http);
  app.get('/metrics', metricsEndpoint(ctx));
  app.use('/admin', createAdminRouter(ctx));

  app.use(docsRoutes());
  registerRoutes(app, publicRoutes, deps);

  app.use(notFound);
  app.use(bodyParserErrors);
  app.use(errorHandler);
  return app;
}

/** TRUST_PROXY: "true"/"false", a hop count, or a comma-separated list of addresses/presets (e.g. "loopback"). */
function trustProxy(value: string): boolean | number | string[] {
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}
