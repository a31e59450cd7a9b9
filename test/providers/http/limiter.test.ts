import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Limiter, mapLimit } from '../../../src/providers/http/limiter.js';

describe('Limiter', () => {
  it('never runs more than `concurrency` tasks at once, even when newcomers arrive as slots free up', async () => {
    const limiter = new Limiter(2);
    let active = 0;
    let peak = 0;
    const task = async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setImmediate(r));
      active--;
    };
    const first = Array.from({ length: 5 }, () => limiter.run(task));
    // Newcomers queued while the first wave finishes must not slip past the waiters.
    await new Promise((r) => setImmediate(r));
    const second = Array.from({ length: 5 }, () => limiter.run(task));
    await Promise.all([...first, ...second]);
    assert.equal(peak, 2);
  });

  it('releases the slot when a task throws', async () => {
    const limiter = new Limiter(1);
    await assert.rejects(limiter.run(() => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await limiter.run(() => Promise.resolve(7)), 7);
  });

  it('mapLimit keeps the input order', async () => {
    const out = await mapLimit([3, 1, 2], 2, async (n) => {
      await new Promise((r) => setTimeout(r, n));
      return n * 10;
    });
    assert.deepEqual(out, [30, 10, 20]);
  });

  it('rejects a non-positive concurrency', () => {
    assert.throws(() => new Limiter(0));
  });
});
