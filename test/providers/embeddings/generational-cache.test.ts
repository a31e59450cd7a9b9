import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GenerationalCache } from '../../../src/providers/embeddings/wordvec/generational-cache.js';

describe('GenerationalCache', () => {
  it('answers what was set, null included, and undefined for what was not', () => {
    const cache = new GenerationalCache<string, number | null>(4);
    cache.set('a', 1);
    cache.set('b', null);
    assert.equal(cache.get('a'), 1);
    assert.equal(cache.get('b'), null);
    assert.equal(cache.get('c'), undefined);
  });

  it('keeps a key that is used again across turnovers, where clearing when full would lose it', () => {
    const cache = new GenerationalCache<string, number>(3);
    cache.set('hot', 0);
    // 20 one-off keys go through a cache of 3 per generation; the hot key is read between them
    for (let i = 0; i < 20; i++) {
      cache.set(`cold${i}`, i);
      assert.equal(cache.get('hot'), 0, `hot key lost after ${i + 1} one-off keys`);
    }
    // a key not used again is gone once two generations have passed
    assert.equal(cache.get('cold0'), undefined);
    assert.equal(cache.get('cold19'), 19);
  });

  it('never holds more than twice its limit', () => {
    const cache = new GenerationalCache<number, number>(5);
    for (let i = 0; i < 100; i++) {
      cache.set(i, i);
      if (i % 3 === 0) cache.get(i - 4);
      assert.ok(cache.size <= 10, `size ${cache.size} after ${i + 1} keys`);
    }
    assert.ok(cache.size > 5, 'both generations are in use');
  });

  it('a working set a little larger than one generation stays mostly cached (the cycle that thrashed a clear-when-full map)', () => {
    const limit = 100;
    const keys = 120;
    const cache = new GenerationalCache<number, number>(limit);
    const cleared = new Map<number, number>();
    let misses = 0;
    let clearedMisses = 0;
    for (let round = 0; round < 10; round++) {
      for (let k = 0; k < keys; k++) {
        if (cache.get(k) === undefined) {
          if (round > 0) misses++;
          cache.set(k, k);
        }
        if (cleared.get(k) === undefined) {
          if (round > 0) clearedMisses++;
          if (cleared.size >= limit) cleared.clear();
          cleared.set(k, k);
        }
      }
    }
    // after the first round: about the turnover of one generation per round (20 of 120 keys)
    assert.ok(misses <= 9 * 25, `misses ${misses}`);
    assert.ok(clearedMisses > 9 * 90, `a map cleared when full missed ${clearedMisses}`);
  });

  it('rejects a limit below 1', () => {
    assert.throws(() => new GenerationalCache(0), RangeError);
  });
});
