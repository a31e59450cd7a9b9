import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createContext } from '../../src/app/context.js';
import { createLogger } from '../../src/app/logger.js';
import { loadConfig } from '../../src/config.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';
import { adminLogin, raw, startApp } from '../helpers/admin-http.js';
import type { RunningApp } from '../helpers/admin-http.js';

let t: TestContext;
let app: RunningApp;
let adminKey: string;

before(async () => {
  t = await createTestContext({ ADMIN_LOGIN_MAX_ATTEMPTS: '3', ADMIN_LOGIN_WINDOW_SECONDS: '600' });
  adminKey = t.config.adminKey!;
  app = await startApp(t.ctx);
});
after(async () => {
  await app.close();
  await t.cleanup();
});

/** Each test signs in from its own client address (X-Forwarded-For from loopback is trusted), so limits do not leak between tests. */
let ipCounter = 10;
const freshIp = () => `198.51.100.${ipCounter++}`;

test('GET /admin without a session shows the sign-in form under a strict CSP', async () => {
  const res = await raw(app.base, '/admin');
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'] ?? '', /text\/html/);
  assert.match(res.body, /<form[^>]+action="\/admin\/login"/);
  const csp = String(res.headers['content-security-policy'] ?? '');
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /form-action 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(res.headers['cache-control'], 'no-store');
});

test('form sign-in sets an HttpOnly SameSite=Strict cookie (no Secure on plain-http loopback) and redirects', async () => {
  const res = await raw(app.base, '/admin/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: app.base, 'X-Forwarded-For': freshIp() },
    body: `key=${encodeURIComponent(adminKey)}`,
  });
  assert.equal(res.status, 303);
  assert.equal(res.headers.location, '/admin');
  const cookie = res.headers['set-cookie']?.[0] ?? '';
  assert.match(cookie, /^scout_admin=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43};/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.match(cookie, /Path=\//);
  assert.match(cookie, /Max-Age=28800/);
  assert.doesNotMatch(cookie, /Secure/);

  const shell = await raw(app.base, '/admin', { headers: { Cookie: cookie.split(';')[0]! } });
  assert.equal(shell.status, 200);
  assert.match(shell.body, /<meta name="csrf-token" content="[A-Za-z0-9_-]+">/);
  assert.match(shell.body, /src="\/admin\/static\/js\/app\.js"/);
});

test('outside plain-http loopback the cookie is Secure with the __Host- prefix', async () => {
  const cases: Record<string, string>[] = [
    { Host: 'api.penni-ai.com', Origin: 'https://api.penni-ai.com', 'X-Forwarded-Proto': 'https' },
    { Host: 'api.penni-ai.com', Origin: 'http://api.penni-ai.com' },
    { Host: `127.0.0.1:${new URL(app.base).port}`, Origin: app.base.replace('http:', 'https:'), 'X-Forwarded-Proto': 'https' },
  ];
  for (const headers of cases) {
    const res = await raw(app.base, '/admin/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': freshIp(), ...headers },
      body: JSON.stringify({ key: adminKey }),
    });
    assert.equal(res.status, 200, JSON.stringify(headers));
    const cookie = res.headers['set-cookie']?.[0] ?? '';
    assert.match(cookie, /^__Host-scout_admin=/, JSON.stringify(headers));
    assert.match(cookie, /; Secure/);
    assert.match(cookie, /Path=\//);
    assert.doesNotMatch(cookie, /Domain=/);
  }
});

test('wrong keys are refused (problem+json for JSON, the form again for HTML), and cross-site sign-ins are refused', async () => {
  const ip = freshIp();
  const json = await raw(app.base, '/admin/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: app.base, 'X-Forwarded-For': ip },
    body: JSON.stringify({ key: 'not-the-key' }),
  });
  assert.equal(json.status, 401);
  assert.match(json.headers['content-type'] ?? '', /application\/problem\+json/);
  assert.equal(json.json().code, 'unauthorized');
  assert.equal(json.headers['set-cookie'], undefined);

  const form = await raw(app.base, '/admin/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: app.base, 'X-Forwarded-For': freshIp() },
    body: 'key=nope',
  });
  assert.equal(form.status, 401);
  assert.match(form.body, /Wrong admin key/);

  const refused: Record<string, string>[] = [
    { Origin: 'https://evil.example' },
    { 'Sec-Fetch-Site': 'cross-site', Origin: app.base },
    { Origin: 'null' },
    {},
  ];
  for (const headers of refused) {
    const res = await raw(app.base, '/admin/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': freshIp(), ...headers },
      body: JSON.stringify({ key: adminKey }),
    });
    assert.equal(res.status, 403, JSON.stringify(headers));
    assert.equal(res.headers['set-cookie'], undefined);
  }
});

test('sign-in attempts are limited per client address, exactly, even when they arrive at once', async () => {
  const ip = freshIp();
  const attempt = (key: string, from = ip) =>
    raw(app.base, '/admin/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: app.base, 'X-Forwarded-For': from },
      body: JSON.stringify({ key }),
    });
  const results = await Promise.all(Array.from({ length: 10 }, () => attempt('wrong')));
  const statuses = results.map((r) => r.status).sort();
  assert.deepEqual(statuses, [401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
  const locked = await attempt(adminKey);
  assert.equal(locked.status, 429, 'even the right key waits out the window');
  assert.ok(Number(locked.headers['retry-after']) > 0);
  assert.equal((await attempt(adminKey, freshIp())).status, 200, 'another address is not affected');
});

test('/admin/api accepts X-Admin-Key or the cookie, and nothing else', async () => {
  assert.equal((await raw(app.base, '/admin/api/session')).status, 401);
  assert.equal((await raw(app.base, '/admin/api/session', { headers: { 'X-Admin-Key': 'wrong', 'X-Forwarded-For': freshIp() } })).status, 401);
  const viaKey = await raw(app.base, '/admin/api/session', { headers: { 'X-Admin-Key': adminKey } });
  assert.equal(viaKey.status, 200);
  assert.deepEqual(viaKey.json(), { via: 'key' });

  const s = await adminLogin(app.base, adminKey, { 'X-Forwarded-For': freshIp() });
  const viaCookie = await raw(app.base, '/admin/api/session', { headers: { Cookie: s.cookie } });
  assert.equal(viaCookie.status, 200);
  assert.equal(viaCookie.json().csrf_token, s.csrf);
  const forged = await raw(app.base, '/admin/api/session', { headers: { Cookie: `scout_admin=${'A'.repeat(43)}` } });
  assert.equal(forged.status, 401);
});

test('state-changing requests with the cookie need a same-origin request and the session CSRF token', async () => {
  const s = await adminLogin(app.base, adminKey, { 'X-Forwarded-For': freshIp() });
  const post = (headers: Record<string, string>) =>
    raw(app.base, '/admin/api/keys', { method: 'POST', headers, body: JSON.stringify({ name: 'csrf-check' }) });

  const noToken = await post({ Cookie: s.cookie, Origin: app.base, 'Content-Type': 'application/json' });
  assert.equal(noToken.status, 403);
  assert.match(noToken.json<{ detail: string }>().detail, /CSRF/);
  assert.equal((await post(s.headers({ 'X-CSRF-Token': 'x'.repeat(32) }))).status, 403);
  assert.equal((await post(s.headers({ Origin: 'https://evil.example' }))).status, 403);
  assert.equal((await post(s.headers({ 'Sec-Fetch-Site': 'same-site' }))).status, 403);
  const { Origin: _o, ...noOrigin } = s.headers();
  assert.equal((await post(noOrigin)).status, 403, 'no Origin and no Sec-Fetch-Site');
  assert.equal((await post({ ...noOrigin, 'Sec-Fetch-Site': 'same-origin' })).status, 201, 'Sec-Fetch-Site vouches when Origin is absent');
  assert.equal((await post({ ...noOrigin, Origin: 'null' })).status, 403, 'an opaque origin alone proves nothing');
  assert.equal((await post(s.headers())).status, 201);

  const { rows } = await t.ctx.pool.query(`select count(*)::int as n from api_keys where name = 'csrf-check'`);
  assert.equal(rows[0].n, 2, 'only the two accepted requests created keys');

  const viaKey = await raw(app.base, '/admin/api/keys', {
    method: 'POST',
    headers: { 'X-Admin-Key': adminKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'script' }),
  });
  assert.equal(viaKey.status, 201, 'a header key needs no CSRF token');
});

test('sessions expire when idle and at their absolute limit; sign-out ends them on the server', async () => {
  const idle = await adminLogin(app.base, adminKey, { 'X-Forwarded-For': freshIp() });
  const ok = await raw(app.base, '/admin/api/session', { headers: { Cookie: idle.cookie } });
  assert.equal(ok.status, 200);
  await t.ctx.pool.query(`update admin_sessions set last_seen_at = now() - interval '31 minutes'`);
  const expired = await raw(app.base, '/admin/api/session', { headers: { Cookie: idle.cookie } });
  assert.equal(expired.status, 401);
  assert.match(expired.headers['set-cookie']?.[0] ?? '', /scout_admin=;.*Expires=Thu, 01 Jan 1970/);

  const old = await adminLogin(app.base, adminKey, { 'X-Forwarded-For': freshIp() });
  await t.ctx.pool.query(`update admin_sessions set expires_at = now() - interval '1 second'`);
  assert.equal((await raw(app.base, '/admin/api/session', { headers: { Cookie: old.cookie } })).status, 401);

  const s = await adminLogin(app.base, adminKey, { 'X-Forwarded-For': freshIp() });
  const forcedOut = await raw(app.base, '/admin/logout', { method: 'POST', headers: { Cookie: s.cookie, Origin: 'https://evil.example' } });
  assert.equal(forcedOut.status, 403, 'no forced sign-out from another site');
  const out = await raw(app.base, '/admin/logout', {
    method: 'POST',
    headers: { Cookie: s.cookie, Origin: app.base, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `csrf_token=${s.csrf}`,
  });
  assert.equal(out.status, 303);
  assert.equal(out.headers.location, '/admin?signed_out');
  assert.equal((await raw(app.base, '/admin/api/session', { headers: { Cookie: s.cookie } })).status, 401, 'the old cookie is dead');
  const hash = createHash('sha256').update(s.cookie.split('=')[1]!).digest();
  const { rows } = await t.ctx.pool.query('select count(*)::int as n from admin_sessions where id = $1', [hash]);
  assert.equal(rows[0].n, 0, 'the session row is deleted');
});

test('the cookie token is never stored: only its SHA-256 is', async () => {
  const s = await adminLogin(app.base, adminKey, { 'X-Forwarded-For': freshIp() });
  const token = s.cookie.split('=')[1]!;
  const { rows } = await t.ctx.pool.query<{ id: Buffer }>('select id from admin_sessions');
  assert.ok(rows.length >= 1);
  for (const r of rows) assert.ok(!r.id.toString('utf8').includes(token) && r.id.length === 32);
});

test('rotating ADMIN_KEY ends every existing session', async () => {
  const s = await adminLogin(app.base, adminKey, { 'X-Forwarded-For': freshIp() });
  const rotatedKey = 'rotated-admin-key-9876543210fedcba';
  const rotated = await createContext(loadConfig({ ...t.env, ADMIN_KEY: rotatedKey }), { role: 'test', logger: createLogger('silent'), migrate: false });
  const rotatedApp = await startApp(rotated);
  try {
    assert.equal((await raw(app.base, '/admin/api/session', { headers: { Cookie: s.cookie } })).status, 200, 'valid under the old key');
    assert.equal((await raw(rotatedApp.base, '/admin/api/session', { headers: { Cookie: s.cookie } })).status, 401, 'dead under the new key');
    assert.equal((await raw(rotatedApp.base, '/admin/api/session', { headers: { 'X-Admin-Key': adminKey } })).status, 401);
    const fresh = await adminLogin(rotatedApp.base, rotatedKey, { 'X-Forwarded-For': freshIp() });
    assert.equal((await raw(rotatedApp.base, '/admin/api/session', { headers: { Cookie: fresh.cookie } })).status, 200);
  } finally {
    await rotatedApp.close();
    await rotated.close();
  }
});

test('without ADMIN_KEY the dashboard and its API are disabled, not open', async () => {
  const off = await createTestContext({ ADMIN_KEY: '' });
  const offApp = await startApp(off.ctx);
  try {
    assert.equal(off.config.adminKey, undefined);
    const page = await raw(offApp.base, '/admin');
    assert.equal(page.status, 503);
    assert.match(page.body, /ADMIN_KEY/);
    const login = await raw(offApp.base, '/admin/login', { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: offApp.base }, body: '{"key":""}' });
    assert.equal(login.status, 503);
    assert.equal((await raw(offApp.base, '/admin/api/overview', { headers: { 'X-Admin-Key': '' } })).status, 503);
    assert.equal((await raw(offApp.base, '/metrics', { headers: { 'X-Admin-Key': '' } })).status, 401);
  } finally {
    await offApp.close();
    await off.cleanup();
  }
});
