import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createContext } from '../../src/app/context.js';
import { createLogger } from '../../src/app/logger.js';
import { API_KEY_REVOKED_REASON } from '../../src/pipeline/job-runtime.js';
import { API_KEY_PATTERN } from '../../src/domain/api-key.js';
import { createJob } from '../pipeline/fixtures.js';
import { runCli } from '../helpers/processes.js';
import { createTestEnv } from '../helpers/test-env.js';
import type { TestEnv } from '../helpers/test-env.js';

describe('scout keys', () => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv();
  });
  after(() => env.cleanup());

  test('create prints the key once; list shows only its prefix; revoke revokes', async () => {
    const created = await runCli(['keys', 'create', '--name', 'Acme Agency', '--rate-limit', '30', '--daily-quota', '200'], env.env);
    assert.equal(created.code, 0, created.stderr);
    const key = /api key:\s+(\S+)/.exec(created.stdout)?.[1] ?? '';
    assert.match(key, API_KEY_PATTERN);
    assert.match(created.stdout, /webhook secret:\s+whsec_/);
    const id = /created (key_[a-z0-9]+)/.exec(created.stdout)?.[1] ?? '';
    assert.ok(id);

    const listed = await runCli(['keys', 'list'], env.env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${id}\\s+Acme Agency\\s+${key.slice(0, 12)}…\\s+30\\s+200`));
    assert.ok(!listed.stdout.includes(key), 'list never shows a whole key');
    assert.match(listed.stdout, /active/);

    const json = await runCli(['keys', 'list', '--json'], env.env);
    const rows = JSON.parse(json.stdout) as { id: string; revoked_at: string | null }[];
    assert.equal(rows.find((r) => r.id === id)?.revoked_at, null);

    const revoked = await runCli(['keys', 'revoke', id], env.env);
    assert.equal(revoked.code, 0, revoked.stderr);
    const after = JSON.parse((await runCli(['keys', 'list', '--json'], env.env)).stdout) as { id: string; revoked_at: string | null }[];
    assert.ok(after.find((r) => r.id === id)?.revoked_at);
    assert.equal(JSON.parse((await runCli(['keys', 'list', '--json', '--active'], env.env)).stdout).length, 0);
  });

  test('revoke from the CLI stops the key\'s work in flight, like the dashboard', async () => {
    const ctx = await createContext(env.config, { role: 'cli', logger: createLogger('silent') });
    try {
      const jobId = await createJob(ctx, { brief: 'fitness creators for a protein bar' });
      const apiKeyId = (await ctx.repos.jobs.get(jobId))!.apiKeyId;
      const revoked = await runCli(['keys', 'revoke', apiKeyId], env.env);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.match(revoked.stdout, /revoked key_\w+; 1 pending job\(s\) cancelled, 0 running/);
      assert.equal((await ctx.repos.jobs.get(jobId))!.status, 'cancelled');
      const events = await ctx.repos.events.list(jobId);
      assert.deepEqual(events.map((e) => [e.type, e.data.reason]), [['cancelled', API_KEY_REVOKED_REASON]]);
      const again = await runCli(['keys', 'revoke', apiKeyId], env.env);
      assert.equal(again.code, 0);
      assert.match(again.stderr, /already revoked; 0 pending/);
    } finally {
      await ctx.close();
    }
  });

  test('usage errors exit 2 with a message; unknown ids exit 1', async () => {
    const noName = await runCli(['keys', 'create'], env.env);
    assert.equal(noName.code, 2);
    assert.match(noName.stderr, /--name is required/);
    const badLimit = await runCli(['keys', 'create', '--name', 'x', '--rate-limit', '-3'], env.env);
    assert.equal(badLimit.code, 2);
    const unknown = await runCli(['keys', 'frobnicate'], env.env);
    assert.equal(unknown.code, 2);
    const missing = await runCli(['keys', 'revoke', 'key_doesnotexist'], env.env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no API key/);
  });

  test('the key never reaches Redis or the logs', async () => {
    const created = await runCli(['keys', 'create', '--name', 'quiet', '--json'], env.env);
    const { key } = JSON.parse(created.stdout) as { key: string };
    assert.ok(!created.stderr.includes(key));
    const redis = new Redis(env.config.redis.url);
    try {
      const keys = await redis.keys(`${env.redisPrefix}:*`);
      for (const k of keys) assert.ok(!k.includes(key));
    } finally {
      redis.disconnect();
    }
  });
});
