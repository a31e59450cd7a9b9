import { once } from 'node:events';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { isPrivateAddress, validateWebhookUrl } from '../../src/webhooks/webhook-url.js';
import { raw } from '../helpers/admin-http.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';

/** Findings 2, 3, 6, 7 and 9 of the adversarial review (issue #11), each as it was reproduced. */

let api: TestApi;
let adminKey: string;
let ipCounter = 1;
const freshIp = () => `203.0.113.${ipCounter++}`;
const MAX = 5;

before(async () => {
  api = await startTestApi({ ADMIN_LOGIN_MAX_ATTEMPTS: String(MAX), ADMIN_LOGIN_WINDOW_SECONDS: '60', AUTH_FAIL_BURST: '20', AUTH_FAIL_PER_MIN: '20' });
  adminKey = api.config.adminKey!;
  // The command connection fails fast until it is ready; the guesses below must reach Redis.
  if (api.ctx.redis.status !== 'ready') await once(api.ctx.redis, 'ready');
});
after(async () => {
  await api.cleanup();
});

const adminGet = (path: string, key: string, ip: string) => raw(api.base, path, { headers: { 'X-Admin-Key': key, 'X-Forwarded-For': ip } });

describe('admin key checks (findings 2 and 3)', () => {
  it('300 parallel wrong X-Admin-Key guesses: at most the limit are evaluated, the rest are 429', async () => {
    const ip = freshIp();
    const all = await Promise.all(Array.from({ length: 300 }, () => adminGet('/admin/api/session', 'wrong-key', ip)));
    const unauthorized = all.filter((r) => r.status === 401).length;
    const limited = all.filter((r) => r.status === 429).length;
    assert.ok(unauthorized <= MAX, `${unauthorized} guesses evaluated against a limit of ${MAX}`);
    assert.equal(unauthorized + limited, 300);
  });

  it('/metrics shares the admin-key limiter: wrong keys there lock the address out everywhere', async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < MAX + 5; i++) statuses.push((await adminGet('/metrics', 'wrong-key', ip)).status);
    assert.ok(statuses.includes(429), `/metrics wrong-key statuses: ${statuses.join(',')}`);
    assert.equal((await adminGet('/metrics', adminKey, ip)).status, 429, 'a locked-out address is refused on /metrics, right key or not');
    assert.equal((await adminGet('/admin/api/session', adminKey, ip)).status, 429, 'and on /admin/api');
  });

  it('wrong keys on /admin/api lock /metrics too', async () => {
    const ip = freshIp();
    for (let i = 0; i < MAX + 1; i++) await adminGet('/admin/api/session', 'wrong-key', ip);
    assert.equal((await adminGet('/metrics', adminKey, ip)).status, 429);
  });

  it('the right key keeps working for a script that never guesses', async () => {
    const ip = freshIp();
    for (let i = 0; i < MAX * 3; i++) assert.equal((await adminGet('/admin/api/session', adminKey, ip)).status, 200);
    assert.equal((await adminGet('/metrics', adminKey, ip)).status, 200);
  });
});

describe('failed API-key traffic (finding 6)', () => {
  it('a flood of unknown keys from one address turns into cheap 429s; other addresses are unaffected', async () => {
    const ip = freshIp();
    const unknownKey = (await api.newKey()).key.replace(/^isk_./, 'isk_Z');
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      statuses.push((await raw(api.base, '/pipeline/jobs/job_doesnotexist', { headers: { 'X-API-Key': `isk_${'x'.repeat(33)}`, 'X-Forwarded-For': ip } })).status);
    }
    assert.ok(statuses.slice(0, 10).every((s) => s === 401), statuses.join(','));
    assert.equal(statuses.at(-1), 429, `after the failed-auth budget the address is limited: ${statuses.join(',')}`);
    const limited = await raw(api.base, '/pipeline/jobs/job_doesnotexist', { headers: { 'X-API-Key': unknownKey, 'X-Forwarded-For': ip } });
    assert.equal(limited.status, 429);
    assert.match(String(limited.headers['content-type']), /application\/problem\+json/);
    assert.ok(Number(limited.headers['retry-after']) >= 1);

    const good = await api.newKey();
    const other = await raw(api.base, '/pipeline/jobs/job_doesnotexist', { headers: { 'X-API-Key': good.key, 'X-Forwarded-For': freshIp() } });
    assert.equal(other.status, 404, 'a good key from another address is authenticated (404: no such job)');
  });

  it('an unknown well-formed key is looked up in Postgres once, then answered from the negative cache', async () => {
    const ghost = await api.newKey();
    await api.ctx.pool.query('delete from api_keys where id = $1', [ghost.row.id]);
    const repo = api.ctx.repos.apiKeys;
    const original = repo.findByHash.bind(repo);
    let lookups = 0;
    repo.findByHash = (hash) => {
      lookups++;
      return original(hash);
    };
    try {
      for (let i = 0; i < 5; i++) {
        const r = await raw(api.base, '/pipeline/jobs/job_doesnotexist', { headers: { 'X-API-Key': ghost.key, 'X-Forwarded-For': freshIp() } });
        assert.equal(r.status, 401);
      }
    } finally {
      repo.findByHash = original;
    }
    assert.equal(lookups, 1, 'one lookup for five requests with the same unknown key');
  });
});

describe('compressed bodies (finding 7)', () => {
  for (const encoding of ['gzip', 'br', 'deflate']) {
    it(`a corrupt ${encoding} body is a 400 problem, not a 500`, async () => {
      for (const path of ['/admin/login', '/pipeline/start']) {
        const r = await raw(api.base, path, {
          method: 'POST',
          headers: { 'Content-Encoding': encoding, 'Content-Type': 'application/json', Origin: api.base, 'X-Forwarded-For': freshIp(), 'X-API-Key': (await api.newKey()).key },
          body: 'garbage',
        });
        assert.equal(r.status, 400, `${path} ${encoding}: ${r.body}`);
        assert.match(String(r.headers['content-type']), /application\/problem\+json/);
      }
    });
  }

  it('a valid gzip body still works', async () => {
    const r = await fetch(`${api.base}/admin/login`, {
      method: 'POST',
      headers: { 'Content-Encoding': 'gzip', 'Content-Type': 'application/json', Origin: api.base, 'X-Forwarded-For': freshIp() },
      body: gzipSync(JSON.stringify({ key: adminKey })),
    });
    assert.equal(r.status, 200, await r.text());
  });
});

describe('small findings (9)', () => {
  it('/admin/api/usage rejects years Postgres cannot store with a 422 naming the field', async () => {
    for (const q of ['from=0000-01-01&to=0000-01-31', 'to=0000-12-31&from=0000-01-01', 'from=-0001-01-01']) {
      const r = await adminGet(`/admin/api/usage?${q}`, adminKey, freshIp());
      assert.equal(r.status, 422, `${q}: ${r.body}`);
      assert.match(r.body, /query\.(from|to)/);
    }
    assert.equal((await adminGet('/admin/api/usage?from=9999-12-01&to=9999-12-31', adminKey, freshIp())).status, 200, 'far-future years Postgres stores are fine');
  });

  it('admin job listing rejects out-of-range days too', async () => {
    const r = await adminGet('/admin/api/jobs?from=0000-01-01', adminKey, freshIp());
    assert.equal(r.status, 422, r.body);
    assert.match(r.body, /query\.from/);
  });

  it('every IPv6 form of a loopback or private address is refused as a webhook target', async () => {
    const forms = [
      '::127.0.0.1',
      '::7f00:1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '0:0:0:0:0:ffff:7f00:1',
      '::ffff:0:127.0.0.1',
      '::ffff:0:7f00:1',
      '64:ff9b::127.0.0.1',
      '64:ff9b::a00:1',
      '64:ff9b:1::a00:1',
      '2002:7f00:1::',
      '2002:c0a8:101::1',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      '::10.0.0.1',
      '::ffff:a9fe:a9fe',
      'fd00::1',
      'fe80::1',
      '::1',
      '::',
    ];
    for (const a of forms) {
      assert.equal(isPrivateAddress(a), true, a);
      await assert.rejects(validateWebhookUrl(`http://[${a}]/hook`, { requireHttps: false, allowPrivate: false }), /private/, a);
    }
    assert.equal(isPrivateAddress('2606:4700:4700::1111'), false);
    assert.equal(isPrivateAddress('::ffff:8.8.8.8'), false);
  });

  it('/health tells anonymous callers only the status; the admin key sees the details', async () => {
    const anon = await raw(api.base, '/health');
    assert.equal(anon.status, 200);
    assert.deepEqual(Object.keys(anon.json()), ['status']);
    const admin = await adminGet('/health', adminKey, freshIp());
    const body = admin.json();
    assert.equal(typeof body.version, 'string');
    assert.equal(typeof body.uptime_s, 'number');
    assert.ok(body.components);
  });
});
