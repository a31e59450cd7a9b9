import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { repeatableTop } from '../../../src/providers/search-index/lancedb/full-text-top.js';
import type { ArrowRows } from '../../../src/providers/search-index/lancedb/full-text-top.js';

type Row = { key: string; score: number };

/**
 * A full-text engine as LanceDB behaves: the top n rows by score, but rows of equal score in an
 * order of its own (here: by a scramble of the key), so which rows of a tie at n it returns is its choice too.
 */
function engine(rows: Row[]) {
  const scramble = (k: string) => [...k].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1009, 7);
  const ranked = [...rows].sort((a, b) => b.score - a.score || scramble(a.key) - scramble(b.key));
  const reads: number[] = [];
  const read = async (n: number): Promise<ArrowRows> => {
    reads.push(n);
    const got = ranked.slice(0, n).reverse(); // any order at all
    return { numRows: got.length, getChild: (name) => (name === 'key' ? { get: (i) => got[i]!.key } : name === '_score' ? { get: (i) => got[i]!.score } : null) };
  };
  return { read, reads };
}

const keysOf = (rows: ArrowRows) => Array.from({ length: rows.numRows }, (_, i) => rows.getChild('key')!.get(i) as string);
/** the answer: score descending, equal scores by key */
const expected = (rows: Row[], depth: number) =>
  [...rows]
    .sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : 1))
    .slice(0, depth)
    .map((r) => r.key);
const key = (i: number) => `instagram:c${String(i).padStart(3, '0')}`;

describe('repeatable full-text top rows', () => {
  it('orders equal scores by key, whatever order the engine returned them in', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({ key: key(i), score: i < 10 ? 5 : i < 20 ? 3 : 1 }));
    const { read, reads } = engine(rows);
    const top = await repeatableTop(read, 15);
    assert.deepEqual(keysOf(top), expected(rows, 15));
    assert.deepEqual(reads, [23], 'one read: the tie at the cut ends within the margin');
  });

  it('reads deeper while the tie at the cut goes on, and keeps the tied rows with the lowest keys', async () => {
    // 100 rows tie from place 5 on: the engine's first read holds an arbitrary part of them
    const rows = [...Array.from({ length: 5 }, (_, i) => ({ key: key(900 + i), score: 9 })), ...Array.from({ length: 100 }, (_, i) => ({ key: key(i), score: 2 })), { key: key(999), score: 1 }];
    const { read, reads } = engine(rows);
    const top = await repeatableTop(read, 20);
    assert.deepEqual(keysOf(top), expected(rows, 20));
    assert.deepEqual(reads, [28, 56, 112], 'deeper until the lowest score read is below the cut');
  });

  it('gives every row when there are fewer than wanted, and stops at 8 × the depth however long the tie', async () => {
    const few = [{ key: key(2), score: 1 }, { key: key(1), score: 1 }, { key: key(3), score: 4 }];
    assert.deepEqual(keysOf(await repeatableTop(engine(few).read, 10)), [key(3), key(1), key(2)]);
    const endless = Array.from({ length: 500 }, (_, i) => ({ key: key(i), score: 1 }));
    const { read, reads } = engine(endless);
    const top = await repeatableTop(read, 10);
    assert.equal(top.numRows, 10);
    assert.deepEqual(reads, [18, 36, 72, 80]);
    const sorted = keysOf(top);
    assert.deepEqual(sorted, [...sorted].sort(), 'still in key order');
  });

  it('refuses a read without the key or score column', async () => {
    await assert.rejects(repeatableTop(async () => ({ numRows: 1, getChild: (n) => (n === 'key' ? { get: () => 'k' } : null) }), 5), /key and _score/);
  });
});
