import { once } from 'node:events';
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Request, Response } from 'express';
import { requireAdmin } from '../../src/admin/admin-auth.js';
import { AdminKeyGate } from '../../src/admin/admin-key-gate.js';
import { LoginLimiter } from '../../src/stores/login-limiter.store.js';
import { AppError } from '../../src/errors.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';

let t: TestContext;
before(async () => {
  t = await createTestContext();
  // The command connection fails fast until it is ready; the guesses below must reach Redis.
  if (t.ctx.redis.status !== 'ready') await once(t.ctx.redis, 'ready');
});
after(async () => {
  await t.cleanup();
});

const LIMIT = 10;

function fakeRequest(key: string, ip: string): Request {
  return { ip, socket: {}, get: (h: string) => (h.toLowerCase() === 'x-admin-key' ? key : undefined), headers: {} } as unknown as Request;
}

it('300 parallel wrong X-Admin-Key checks: no more than the limit are compared, the rest are rate limited', async () => {
  const limiter = new LoginLimiter(t.ctx.redis, t.config.redis.prefix, LIMIT, 60);
  const guard = requireAdmin({ config: t.config, sessions: undefined as never, gate: new AdminKeyGate(limiter, t.config.adminKey) });
  const outcomes = await Promise.all(
    Array.from({ length: 300 }, async () => {
      try {
        await guard(fakeRequest('wrong', '198.51.100.77'), { locals: {} } as unknown as Response, () => {});
        return 'passed';
      } catch (err) {
        return err instanceof AppError ? err.code : String(err);
      }
    }),
  );
  const compared = outcomes.filter((o) => o === 'unauthorized').length;
  assert.deepEqual([...new Set(outcomes)].filter((o) => o !== 'unauthorized' && o !== 'rate_limited'), [], 'only 401s and 429s');
  assert.equal(outcomes.filter((o) => o === 'passed').length, 0);
  assert.ok(compared <= LIMIT, `${compared} wrong keys were compared against a limit of ${LIMIT}`);
  assert.equal(outcomes.filter((o) => o === 'rate_limited').length, 300 - compared);
});

it('the global admin-key budget bounds guesses from rotating addresses, and one address cannot spend it alone', async () => {
  const limiter = new LoginLimiter(t.ctx.redis, `${t.config.redis.prefix}:global-test`, 3, 60, 8);
  const gate = new AdminKeyGate(limiter, t.config.adminKey);
  const attempt = async (ip: string, key = 'wrong') => {
    try {
      await gate.verify(fakeRequest(key, ip), key);
      return 'ok';
    } catch (err) {
      return (err as AppError).code;
    }
  };
  for (let i = 0; i < 20; i++) assert.equal(await attempt('192.0.2.1').then((c) => c !== 'ok'), true);
  assert.equal(await attempt('192.0.2.2', t.config.adminKey!), 'ok', 'one locked-out address used only its own 3 of the 8');
  const rotating = [];
  for (let i = 10; i < 20; i++) rotating.push(await attempt(`192.0.2.${i}`));
  assert.equal(rotating.filter((c) => c === 'unauthorized').length, 5, `8 global minus the first address's 3: ${rotating.join(',')}`);
  assert.equal(rotating.at(-1), 'rate_limited');
});
