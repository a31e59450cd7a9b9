import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunk, forEachConcurrent, Limiter, SerialQueue } from '../../src/domain/concurrency.js';

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

  it('rejects a non-positive concurrency', () => {
    assert.throws(() => new Limiter(0));
  });
});

const tick = () => new Promise((r) => setImmediate(r));

describe('forEachConcurrent', () => {
  it('runs every item once with at most `concurrency` in flight, beforeEach before each start', async () => {
    let active = 0;
    let peak = 0;
    const seen: number[] = [];
    let checks = 0;
    await forEachConcurrent(
      [1, 2, 3, 4, 5, 6, 7],
      3,
      async (n, i) => {
        active++;
        peak = Math.max(peak, active);
        await tick();
        seen.push(n * 10 + i);
        active--;
      },
      async () => {
        checks++;
      },
    );
    assert.equal(peak, 3);
    assert.deepEqual(seen.sort((a, b) => a - b), [10, 21, 32, 43, 54, 65, 76]);
    assert.equal(checks, 7);
  });

  it('starts nothing new after the first error, lets those in flight finish, then throws that error', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    await assert.rejects(
      forEachConcurrent([0, 1, 2, 3, 4, 5], 2, async (n) => {
        started.push(n);
        if (n === 1) throw new Error('item 1 failed');
        await tick();
        await tick();
        finished.push(n);
      }),
      /item 1 failed/,
    );
    assert.deepEqual(started, [0, 1], 'nothing started after item 1 failed');
    assert.deepEqual(finished, [0], 'item 0, in flight when item 1 failed, finished');
  });

  it('a throwing beforeEach (a cancelled job) stops it like a failed item', async () => {
    let calls = 0;
    await assert.rejects(
      forEachConcurrent([1, 2, 3], 1, async () => {
        calls++;
      }, async () => {
        if (calls === 1) throw new Error('cancelled');
      }),
      /cancelled/,
    );
    assert.equal(calls, 1);
  });
});

describe('chunk and SerialQueue', () => {
  it('chunk splits into consecutive batches of at most `size` (at least 1)', () => {
    assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(chunk([1, 2], 0), [[1], [2]]);
    assert.deepEqual(chunk([], 3), []);
  });

  it('SerialQueue starts each section after the one before settled, failed or not', async () => {
    const q = new SerialQueue();
    const log: string[] = [];
    const a = q.run(async () => {
      await tick();
      log.push('a');
      throw new Error('a failed');
    });
    const b = q.run(async () => {
      log.push('b');
      return 2;
    });
    await assert.rejects(a, /a failed/);
    assert.equal(await b, 2);
    assert.deepEqual(log, ['a', 'b']);
  });
});
