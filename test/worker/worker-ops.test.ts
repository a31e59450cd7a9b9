import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPool } from '../../src/db/pool.js';
import { BrightDataCacheRepository } from '../../src/repositories/brightdata-cache.repository.js';
import { createTestEnv } from '../helpers/test-env.js';
import { freePort, startProcess, waitForHttp } from '../helpers/processes.js';

test('a real worker process runs retention on its timer and serves its metrics on METRICS_PORT', async () => {
  const metricsPort = await freePort();
  const env = await createTestEnv({ RETENTION_INTERVAL_MS: '1000', METRICS_HOST: '127.0.0.1', METRICS_PORT: String(metricsPort) });
  const pool = createPool(env.config.database.url, 2);
  const worker = startProcess('src/bin/worker.ts', env.env);
  try {
    const cache = new BrightDataCacheRepository(pool);
    await cache.putMany([{ platform: 'instagram', handle: 'expired_one', payload: {} }, { platform: 'tiktok', handle: 'fresh_one', payload: {} }], 24);
    await pool.query(`update brightdata_cache set expires_at = now() - interval '1 hour' where handle = 'expired_one'`);

    await waitForHttp(`http://127.0.0.1:${metricsPort}/metrics`, { proc: worker });
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(text, /scout_pipeline_stage_duration_seconds/);
    assert.match(text, /role="worker"/);

    const deadline = Date.now() + 20_000;
    for (;;) {
      const { rows } = await pool.query<{ handle: string }>('select handle from brightdata_cache order by handle');
      if (rows.length === 1) {
        assert.deepEqual(rows.map((r) => r.handle), ['fresh_one']);
        break;
      }
      assert.ok(Date.now() < deadline, `retention never ran\n${worker.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    const code = await worker.stop('SIGTERM');
    await pool.end();
    await env.cleanup();
    assert.equal(code, 0, worker.output());
  }
});
