import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fuseRankings, reciprocalRankFusion, RRF_K } from '../../src/domain/rank-fusion.js';

const s = (...ranks: number[]) => ranks.reduce((n, r) => n + 1 / (RRF_K + r), 0);

describe('reciprocal rank fusion: one rule', () => {
  it('sums 1/(k + rank) over the lists and breaks ties by best rank, then first appearance', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['c', 'a', 'd'],
    ]);
    assert.deepEqual(fused, [
      { id: 'a', score: s(1, 2) },
      { id: 'c', score: s(3, 1) },
      { id: 'b', score: s(2) },
      { id: 'd', score: s(3) },
    ]);
    assert.deepEqual(reciprocalRankFusion([['x'], []]), [{ id: 'x', score: 1 / (RRF_K + 1) }]);
    assert.deepEqual(reciprocalRankFusion([['p', 'q'], ['q', 'p']]).map((h) => h.id), ['p', 'q']);
    assert.deepEqual(reciprocalRankFusion([['z'], ['y']]).map((h) => h.id), ['z', 'y'], 'equal score and rank: earlier list first');
  });

  it('counts an item once per list, at its first place, and says which lists hold it', () => {
    const fused = fuseRankings([['a', 'a', 'b'], ['b']], (x) => x);
    assert.deepEqual(fused.map((f) => [f.key, f.score, f.lists, f.best]), [
      ['a', s(1), [0], 0],
      ['b', s(3, 1), [0, 1], 0],
    ].sort((x, y) => (y[1] as number) - (x[1] as number)));
  });

  it('orders equal scores at equal ranks by tieBreak when given', () => {
    const byName = (a: string, b: string) => a.localeCompare(b);
    assert.deepEqual(fuseRankings([['z'], ['y']], (x) => x, { tieBreak: byName }).map((f) => f.key), ['y', 'z']);
    assert.deepEqual(fuseRankings([['a'], ['b']], (x) => x, { k: 0 }).map((f) => f.score), [1, 1]);
  });
});
