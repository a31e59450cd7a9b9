import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import type { Response } from 'express';
import { labelRoute } from '../../metrics/http-metrics.js';
import { useHtmlCsp } from '../middleware/security-headers.middleware.js';
import { buildOpenApiDocument } from '../openapi/openapi-document.js';

/**
 * The /docs page's files (index.html, docs.js, docs.css): a small self-contained renderer of
 * /openapi.json, no CDN, works offline. Separate same-origin files so the page's CSP can forbid
 * inline script and style; plain files so ESLint reads the script. The Docker image copies them
 * next to the compiled router, as it does the admin dashboard's.
 */
export const DOCS_STATIC_DIR = fileURLToPath(new URL('../docs/static/', import.meta.url));

const noCache = (res: Response) => res.setHeader('Cache-Control', 'no-cache');

/** GET /openapi.json (generated from the zod schemas) and the offline /docs page that renders it. */
export function docsRoutes(): Router {
  const router = Router();
  const document = `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;

  router.get('/openapi.json', (_req, res) => {
    noCache(res);
    res.type('application/json').send(document);
  });
  router.get('/docs', (_req, res, next) => {
    useHtmlCsp(res);
    noCache(res);
    res.sendFile('index.html', { root: DOCS_STATIC_DIR, cacheControl: false }, (err) => err && next(err));
  });
  router.use('/docs', (req, _res, next) => {
    labelRoute(req, '/docs/*');
    next();
  });
  router.use('/docs', express.static(DOCS_STATIC_DIR, { index: false, redirect: false, cacheControl: false, setHeaders: noCache }));
  return router;
}
