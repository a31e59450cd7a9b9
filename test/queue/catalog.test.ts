import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { queueCatalog } from '../../src/queue/catalog.js';

describe('queue catalog', () => {
  test('every queue has its own name, one job name and a payload schema that rejects a payload without a job id', () => {
    const entries = Object.values(queueCatalog);
    assert.equal(new Set(entries.map((q) => q.name)).size, entries.length);
    for (const q of entries) {
      assert.ok(q.job.length > 0);
      assert.equal(q.payload.safeParse({}).success, false, `${q.name}: a payload without jobId is refused`);
    }
    assert.ok(queueCatalog.webhooks.payload.safeParse({ jobId: 'job_x', event: 'job.completed', deliveryId: 'whd_1' }).success);
    assert.equal(queueCatalog.webhooks.payload.safeParse({ jobId: 'job_x', event: 'job.started', deliveryId: 'whd_1' }).success, false);
  });

  test('queue and BullMQ job names keep their wire values, so jobs queued by a running deployment stay valid across an upgrade', () => {
    assert.deepEqual(
      Object.values(queueCatalog).map((q) => [q.name, q.job]),
      [
        ['pipeline', 'scout'],
        ['webhooks', 'deliver'],
      ],
    );
  });
});
