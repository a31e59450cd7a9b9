import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/processes.js';
import { createTestEnv } from '../helpers/test-env.js';
import type { TestEnv } from '../helpers/test-env.js';

describe('scout index', () => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv();
  });
  after(() => env.cleanup());

  test('demo, a real import, status by source and platform, removal by handle and by source; the demo never comes back', async () => {
    const demo = await runCli(['demo'], env.env);
    assert.equal(demo.code, 0, demo.stderr);
    assert.match(demo.stderr, /loaded 400 demo creators/);
    const first = await runCli(['index', 'status'], env.env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^creators {4}400$/m);
    assert.match(first.stdout, /^ {2}demo +400 {2}\(/m);
    assert.match(first.stdout, /real data {3}never written/);

    const file = path.join(env.dataDir, 'real.csv');
    await writeFile(
      file,
      'platform,handle,bio,followers,last_post_at\n' +
        'instagram,real_one,yoga and pilates,1200,2019-05-01\n' +
        'tiktok,real_two,dance,3100,\n' +
        'youtube,real_three,cooking,9000,\n',
    );
    const imported = await runCli(['import', file, '--source', 'crm-export'], env.env);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /removed the 400 demo creators/);

    const status = await runCli(['index', 'status'], env.env);
    assert.match(status.stdout, /^creators {4}3$/m);
    assert.match(status.stdout, /^ {2}crm-export +3 {2}\(instagram 1, tiktok 1, youtube 1\)$/m);
    assert.match(status.stdout, /^ {2}demo +0$/m);
    assert.match(status.stdout, /stale \(older than 180 days, PROFILE_MAX_AGE_DAYS\) 1 of 3/);
    assert.match(status.stdout, /based on {2}posts 1, import 2/);
    assert.match(status.stdout, /^disk {8}\d/m);
    const json = JSON.parse((await runCli(['index', 'status', '--json'], env.env)).stdout) as { stats: { bySource: Record<string, number> } };
    assert.deepEqual(json.stats.bySource, { 'crm-export': 3 });

    const one = await runCli(['index', 'remove', '--handle', 'tiktok:REAL_TWO', '--handle', 'instagram:nobody'], env.env);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /removed 1 creator\(s\) of 2 handle\(s\); the index now holds 2/);
    const all = await runCli(['index', 'remove', '--source', 'crm-export'], env.env);
    assert.match(all.stdout, /removed 2 creator\(s\) from source "crm-export"; the index now holds 0/);

    const again = await runCli(['demo'], env.env);
    assert.match(again.stderr, /has held real data, so the demo is not loaded again/);
    assert.match((await runCli(['index', 'status'], env.env)).stdout, /^creators {4}0$/m);
  });

  test('bad usage exits 2', async () => {
    assert.equal((await runCli(['index'], env.env)).code, 2);
    assert.equal((await runCli(['index', 'remove'], env.env)).code, 2);
    assert.equal((await runCli(['index', 'remove', '--source', 'a', '--handle', 'instagram:b'], env.env)).code, 2);
    const bad = await runCli(['index', 'remove', '--handle', 'myspace:x'], env.env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not PLATFORM:HANDLE/);
  });
});
