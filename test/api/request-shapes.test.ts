import assert from 'node:assert/strict';
import type { Request, Response } from 'express';
import { after, before, describe, test } from 'node:test';
import v8 from 'node:v8';
import express from 'express';
import { defineRoute, registerRoutes } from '../../src/api/route.js';
import type { RouteDeps } from '../../src/api/route.js';
import { hashApiKey } from '../../src/domain/api-key.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';

// V8's own check that two objects share a hidden class (natives syntax, enabled for this process only).
v8.setFlagsFromString('--allow-natives-syntax');
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;

/**
 * Two identical requests must leave objects of one shape. A property defined per request with its
 * own closures (an accessor on `req`, an object literal with getters) gives each request its own
 * hidden class; the shared class keeps those in its transitions until a full GC, so every scavenge
 * kept whole request graphs alive and promoted them (bench:api's read route spent most of its
 * extra CPU there). This guards the whole middleware chain, whatever adds the next such property.
 */
describe('request objects keep one shape per route', () => {
  let api: TestApi;
  let key: string;
  let seen: { req: Request; res: Response }[];
  before(async () => {
    api = await startTestApi();
    const created = await api.newKey();
    key = created.key;
    seen = [];
    // the objects Express hands the app (it only swaps their prototypes)
    api.server.prependListener('request', (req: Request, res: Response) => seen.push({ req, res }));
  });
  after(() => api.cleanup());

  async function lastTwo(path: string, status: number) {
    seen.length = 0;
    // warm-up requests first: a field changing representation (e.g. small int → double) may move
    // the earliest objects to a newer class, which is not what this test is about
    for (let i = 0; i < 6; i++) {
      const res = await api.call(path, { key });
      assert.equal(res.status, status, path);
    }
    assert.equal(seen.length, 6);
    return [seen[4]!, seen[5]!] as const;
  }

  for (const [name, route] of [
    ['status (200)', (id: string) => ({ path: `/pipeline/jobs/${id}`, status: 200 })],
    ['results of a pending job (409 problem)', (id: string) => ({ path: `/pipeline/jobs/${id}/results`, status: 409 })],
    ['an artifact not written yet (404 problem)', (id: string) => ({ path: `/pipeline/jobs/${id}/artifacts/timing`, status: 404 })],
  ] as const) {
    test(name, async () => {
      const owner = (await api.ctx.repos.apiKeys.findByHash(hashApiKey(key)))!;
      const job = await api.insertJob(owner.id);
      const { path, status } = route(job.id);
      const [a, b] = await lastTwo(path, status);
      assert.ok(haveSameMap(a.req, b.req), 'req objects of two identical requests have different hidden classes');
      assert.ok(haveSameMap(a.res, b.res), 'res objects of two identical requests have different hidden classes');
      assert.ok(haveSameMap(a.res.locals, b.res.locals), 'res.locals of two identical requests have different hidden classes');
      assert.equal(Object.getOwnPropertyDescriptor(a.req, 'route')?.get, undefined, 'req.route is no accessor of its own');
    });
  }
});

test('the input a route handler gets is an ordinary object of one shape (its getters on a prototype)', async () => {
  // An object literal with getters is a dictionary-mode object; made per request, it also kept
  // request graphs alive through scavenges (measured with --trace-gc: ~7 MB promoted per scavenge).
  const inputs: object[] = [];
  const probe = defineRoute({
    method: 'get',
    path: '/probe',
    operationId: 'probe',
    tags: [],
    summary: 'probe',
    auth: 'none',
    responses: {},
    example: { response: {} },
    handler: () => (_req, res, input) => {
      inputs.push(input);
      res.json({});
    },
  });
  const app = express();
  registerRoutes(app, [probe], {} as RouteDeps);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as { port: number };
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`http://127.0.0.1:${port}/probe`)).status, 200);
  } finally {
    server.close();
  }
  assert.equal(inputs.length, 3);
  assert.ok(hasFastProperties(inputs[2]!), 'the route input is a dictionary-mode object');
  assert.ok(haveSameMap(inputs[1]!, inputs[2]!), 'route inputs of two requests have different hidden classes');
});
