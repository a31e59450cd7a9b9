import { fileURLToPath } from 'node:url';
import cookieParser from 'cookie-parser';
import express from 'express';
import type { Request, RequestHandler, Response } from 'express';
import type { AppContext } from '../app/app-context.js';
import { AppError } from '../errors.js';
import { labelRoute } from '../metrics/http-metrics.js';
import { AdminSessionManager, assertCsrfToken, assertSameOrigin, clientIp, requireAdmin } from './admin-auth.js';
import { ADMIN_CSP, loginPage, shellPage } from './admin-pages.js';
import { creatorRoutes } from './routes/creators.routes.js';
import { jobRoutes } from './routes/jobs.routes.js';
import { keyRoutes } from './routes/keys.routes.js';
import { overviewRoutes } from './routes/overview.routes.js';
import { queueRoutes } from './routes/queue.routes.js';
import { usageRoutes } from './routes/usage.routes.js';

export const ADMIN_STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

function sendHtml(res: Response, status: number, html: string): void {
  res.setHeader('Content-Security-Policy', ADMIN_CSP);
  res.status(status).type('html').send(html);
}

const wantsJson = (req: Request) => Boolean(req.is('application/json'));

/**
 * Everything under /admin: the sign-in and sign-out endpoints, the dashboard page and its static
 * files, and the JSON API the dashboard reads (also usable with `X-Admin-Key` from scripts).
 */
export function createAdminRouter(ctx: AppContext): express.Router {
  const { config } = ctx;
  const sessions = new AdminSessionManager(ctx.repos.adminSessions, config.admin, config.adminKey);
  const gate = ctx.stores.adminKeyGate;
  const stats = ctx.repos.adminStats;
  const adminJobs = ctx.repos.adminJobs;
  const extraOrigins = config.http.publicBaseUrl ? [config.http.publicBaseUrl] : [];
  const forms = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });
  const json = express.json({ limit: '16kb' });

  const router = express.Router();
  router.use(cookieParser());
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Robots-Tag', 'noindex, nofollow');
    // Not no-referrer: with it, browsers send `Origin: null` on form posts and the origin check cannot work.
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  });
  router.use('/static', (req, _res, next) => {
    labelRoute(req, '/admin/static/*');
    next();
  });
  router.use('/static', express.static(ADMIN_STATIC_DIR, { index: false, redirect: false }));
  router.use('/static', (req, _res, next) => next(new AppError('not_found', `no admin asset ${req.path}`)));

  router.get('/', async (req, res) => {
    if (config.adminKey === undefined) {
      sendHtml(res, 503, loginPage({ error: 'The admin dashboard is disabled: start the service with ADMIN_KEY set.' }));
      return;
    }
    const session = await sessions.resolve(req);
    if (!session) {
      if (sessions.hasCookie(req)) sessions.clearCookie(req, res);
      sendHtml(res, 200, loginPage(req.query.signed_out !== undefined ? { notice: 'You are signed out.' } : {}));
      return;
    }
    sendHtml(res, 200, shellPage({ csrfToken: session.csrfToken }));
  });

  router.post('/login', forms, json, async (req, res) => {
    const fail = (err: AppError, html: string) => {
      if (wantsJson(req)) throw err;
      if (err.extra.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(err.extra.retryAfterSeconds));
      sendHtml(res, err.status, loginPage({ error: html }));
    };
    if (config.adminKey === undefined) {
      fail(new AppError('service_unavailable', 'admin is disabled: ADMIN_KEY is not set'), 'The admin dashboard is disabled: start the service with ADMIN_KEY set.');
      return;
    }
    try {
      assertSameOrigin(req, extraOrigins);
    } catch (err) {
      fail(err as AppError, 'Sign-in refused: the form must be submitted from this site.');
      return;
    }
    const body = req.body as Record<string, unknown> | undefined;
    const presented = typeof body?.key === 'string' ? body.key : undefined;
    try {
      await gate.verify(req, presented, { onSuccess: 'reset' });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      if (err.code === 'rate_limited') {
        const minutes = Math.ceil((err.extra.retryAfterSeconds ?? 60) / 60);
        fail(new AppError('rate_limited', 'too many sign-in attempts from this address', err.extra), `Too many sign-in attempts. Try again in ${minutes} min.`);
      } else if (err.code === 'unauthorized') {
        fail(new AppError('unauthorized', 'wrong admin key', { errors: [{ field: 'key', message: 'wrong admin key' }] }), 'Wrong admin key.');
      } else {
        fail(err, 'Sign-in is unavailable right now; try again shortly.');
      }
      return;
    }
    const ip = clientIp(req);
    const session = await sessions.create(req, res);
    res.locals.log?.info({ ip }, 'admin signed in');
    if (wantsJson(req)) res.json({ csrf_token: session.csrfToken, expires_at: session.expiresAt.toISOString() });
    else res.redirect(303, '/admin');
  });

  router.post('/logout', forms, json, async (req, res) => {
    const session = await sessions.resolve(req);
    if (session) {
      assertSameOrigin(req, extraOrigins);
      assertCsrfToken(req, session);
    }
    await sessions.destroy(req, res);
    if (wantsJson(req)) res.status(204).end();
    else res.redirect(303, '/admin?signed_out');
  });

  const api = express.Router();
  api.use(requireAdmin({ config, sessions, gate }));
  api.use(creatorRoutes(ctx));
  api.get('/session', (_req, res) => {
    const admin = res.locals.admin!;
    res.json(
      admin.via === 'session'
        ? { via: 'session', csrf_token: admin.session.csrfToken, expires_at: admin.session.expiresAt.toISOString() }
        : { via: 'key' },
    );
  });
  api.use(overviewRoutes(ctx, stats));
  api.use(jobRoutes(ctx, adminJobs));
  api.use(usageRoutes(stats));
  api.use(queueRoutes(ctx, adminJobs));
  api.use(keyRoutes(ctx, stats));
  api.use((req, _res, next) => next(new AppError('not_found', `no admin endpoint ${req.method} /admin/api${req.path}`)));
  // creator ingestion takes bulk bodies: its routes parse them under their own cap
  const smallJson: RequestHandler = (req, res, next) => (/^\/creators(\/|$)/.test(req.path) ? next() : json(req, res, next));
  router.use('/api', smallJson, api);

  return router;
}
