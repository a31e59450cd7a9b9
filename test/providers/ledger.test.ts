import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultPrices } from '../../src/config.js';
import { createPool } from '../../src/db/pool.js';
import type { Pool } from '../../src/db/pool.js';
import { Ledger } from '../../src/providers/ledger.js';
import { ExternalCallsRepository } from '../../src/repositories/external-calls.repository.js';
import { createTestDatabase } from '../helpers/test-env.js';
import type { TestDatabase } from '../helpers/test-env.js';

describe('ledger writes (external_calls)', () => {
  let db: TestDatabase;
  /** one connection: what the ledger's statement leaves on it, the next statement sees */
  let pool: Pool;
  let ledger: Ledger;
  before(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, 1);
    ledger = new Ledger(new ExternalCallsRepository(pool), defaultPrices);
    await pool.query(`insert into api_keys (id, name, prefix, key_hash, webhook_secret) values ('k1', 'ledger test', 'sk_test', '\\x01', 's')`);
    await pool.query(`insert into pipeline_jobs (id, api_key_id, params, meta) values ('j1', 'k1', '{}', '{"cost_usd": 0.5}')`);
  });
  after(async () => {
    await pool.end();
    await db.drop();
  });

  it("records each call and adds its cost to its job's meta.cost_usd, in the same statement", async () => {
    const ctx = { jobId: 'j1' };
    await ledger.track(ctx, 'llm', 'score', async () => ({ result: 1, units: { prompt_tokens: 10 }, costUsd: 0.25 }));
    await ledger.track(ctx, 'index', 'hybrid_search', async () => ({ result: 1, units: { queries: 1 }, costUsd: 0 }));
    await assert.rejects(ledger.track(ctx, 'brightdata', 'collect', async () => Promise.reject(new Error('503 from upstream'))));
    const { rows } = await pool.query<{ service: string; status: string; cost: number; error: string | null }>(
      `select service, status, cost_usd::float8 as cost, error from external_calls where job_id = 'j1' order by id`,
    );
    assert.deepEqual(
      rows.map((r) => [r.service, r.status, r.cost, r.error]),
      [
        ['llm', 'ok', 0.25, null],
        ['index', 'ok', 0, null],
        ['brightdata', 'error', 0, '503 from upstream'],
      ],
    );
    const { rows: jobs } = await pool.query<{ cost: string }>(`select meta->>'cost_usd' as cost from pipeline_jobs where id = 'j1'`);
    assert.equal(Number(jobs[0]!.cost), 0.75);
  });

  it('relaxes the commit of its own statement only: the connection commits durably again after it', async () => {
    await ledger.record({ jobId: null }, { service: 'index', operation: 'hybrid_search', status: 'ok', durationMs: 1, units: {}, costUsd: 0 });
    // the setting is the statement's transaction's only: the pool's next user (a job's checkpoint,
    // a start) on the same connection still waits for its flush
    const { rows } = await pool.query<{ mode: string }>("select current_setting('synchronous_commit') as mode");
    assert.equal(rows[0]!.mode, 'on');
    const { rows: after } = await pool.query<{ n: number }>(`select count(*)::int as n from external_calls where job_id is null`);
    assert.equal(after[0]!.n, 1);
  });
});
