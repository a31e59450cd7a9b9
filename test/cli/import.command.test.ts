import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/processes.js';
import { kaggleInstagramCsv } from '../helpers/shared-data.js';
import { createTestEnv } from '../helpers/test-env.js';
import type { TestEnv } from '../helpers/test-env.js';

describe('scout import', () => {
  let env: TestEnv;
  before(async () => {
    env = await createTestEnv();
  });
  after(() => env.cleanup());

  test('imports a file, prints bad rows with line numbers on stderr and a summary on stdout', async () => {
    const file = path.join(env.dataDir, 'creators.csv');
    await writeFile(
      file,
      'platform,handle,bio,followers\n' +
        'instagram,cli_one,"yoga, pilates",1200\n' +
        'instagram,cli_two,running,many\n' +
        'tiktok,cli_three,dance,3.1k\n',
    );
    const run = await runCli(['import', file, '--batch-size', '1'], env.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^line 3: followers: "many" is not a count$/m);
    assert.match(run.stdout, /imported 2 of 3 records from .*creators\.csv \(format csv\)/);
    assert.match(run.stdout, /skipped 1 bad row/);
    assert.match(run.stdout, /the index now holds 2 creators/);
    // not a terminal: plain progress lines, no carriage-return bar
    assert.match(run.stderr, /^import: /m);
    assert.ok(!run.stderr.includes('\r'));

    const again = await runCli(['import', kaggleInstagramCsv(), '--limit', '50'], env.env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /imported 50 of 50 records .*\(format kaggle-instagram\)/);
    assert.match(again.stdout, /the index now holds 52 creators/);
  });

  test('exits 2 on bad usage and 1 on a file it cannot read or recognise', async () => {
    const usage = await runCli(['import'], env.env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /expected exactly one FILE/);
    assert.equal((await runCli(['import', 'x.csv', '--batch-size', '0'], env.env)).code, 2);
    assert.equal((await runCli(['import', 'x.csv', '--format', 'xml'], env.env)).code, 2);

    const missing = await runCli(['import', path.join(env.dataDir, 'nope.csv')], env.env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read .*nope\.csv/);

    const odd = path.join(env.dataDir, 'odd.csv');
    await writeFile(odd, 'a,b\n1,2\n');
    const unknown = await runCli(['import', odd], env.env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /cannot tell the format of odd\.csv/);
  });
});
