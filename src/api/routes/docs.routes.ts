import { Router } from 'express';
import { DOCS_CSS, DOCS_HTML, DOCS_JS } from '../docs/docs-assets.js';
import { useHtmlCsp } from '../middleware/security-headers.middleware.js';
import { buildOpenApiDocument } from '../openapi/openapi-document.js';

/** GET /openapi.json (generated from the zod schemas) and the offline /docs page that renders it. */
export function docsRoutes(): Router {
  const router = Router();
  const document = `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;

  router.get('/openapi.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('application/json').send(document);
  });
  router.get('/docs', (_req, res) => {
    useHtmlCsp(res);
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(DOCS_HTML);
  });
  router.get('/docs/docs.js', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('text/javascript').send(DOCS_JS);
  });
  router.get('/docs/docs.css', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('text/css').send(DOCS_CSS);
  });
  return router;
}
