import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HashingEmbedder, tokenize } from '../../../src/providers/embeddings/hashing.embedder.js';
import { noJob } from '../../../src/providers/ledger.js';
import { ledgerKit } from '../provider-kit.js';
import type { LedgerKit } from '../provider-kit.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const norm = (a: ArrayLike<number>) => Math.sqrt(dot(a, a));

describe('HashingEmbedder', () => {
  let kit: LedgerKit;
  let embedder: HashingEmbedder;

  before(async () => {
    kit = await ledgerKit();
    embedder = new HashingEmbedder({ dimension: 384 }, kit.ledger);
  });
  after(() => kit.cleanup());

  it('has an id that names its version and dimension, and rejects silly dimensions', () => {
    assert.equal(embedder.id, 'hashing-v1:384');
    assert.equal(embedder.dimension, 384);
    assert.equal(new HashingEmbedder({ dimension: 64 }, kit.ledger).id, 'hashing-v1:64');
    assert.throws(() => new HashingEmbedder({ dimension: 4 }, kit.ledger), RangeError);
    assert.throws(() => new HashingEmbedder({ dimension: 100.5 }, kit.ledger), RangeError);
  });

  it('is deterministic across calls and instances, and returns unit vectors of the right size', async () => {
    const texts = ['Vegan protein bars for gym-goers', 'Ciao! Ricette della nonna 🍝 #pasta', '東京のカフェ巡り'];
    const a = await embedder.embed(texts, noJob);
    const b = await new HashingEmbedder({ dimension: 384 }, kit.ledger).embed([...texts].reverse(), noJob);
    assert.deepEqual(a, b.reverse());
    for (const v of a) {
      assert.equal(v.length, 384);
      assert.ok(Math.abs(norm(v) - 1) < 1e-5, `norm ${norm(v)}`);
    }
  });

  it('ignores case, accents, # and @', () => {
    const v = (t: string) => embedder.embedOne(t);
    assert.deepEqual(v('#Fitness @GYM Café'), v('fitness gym cafe'));
    assert.deepEqual(tokenize('#Fitness @GYM_life Crème brûlée!'), ['fitness', 'gym', 'life', 'creme', 'brulee']);
  });

  it('places texts about one niche closer to each other than to another niche', () => {
    const v = (t: string) => embedder.embedOne(t);
    const fitnessA = v('personal trainer: gym workouts, strength training and protein meal prep');
    const fitnessB = v('Strength coach sharing workouts for the gym #fitness #protein');
    const food = v('Sourdough baking, pasta recipes and cozy dinners at home #foodie');
    assert.ok(dot(fitnessA, fitnessB) > dot(fitnessA, food) + 0.1, `${dot(fitnessA, fitnessB)} vs ${dot(fitnessA, food)}`);
    // char n-grams let a compound hashtag meet its parts
    assert.ok(dot(v('fitness motivation'), v('fitnessmotivation')) > dot(v('fitness motivation'), v('travelgram')));
  });

  it('gives a zero vector for text without any features', async () => {
    const [v] = await embedder.embed(['', '  #  @ ! '], noJob);
    assert.ok(v!.every((x) => x === 0));
  });

  it('records one ledger call per batch with vectors and characters, at no cost', async () => {
    await kit.clear();
    await embedder.embed(['abc def', 'ghij'], noJob);
    await embedder.embed(['x'.repeat(10)], noJob);
    const rows = await kit.rows('embeddings');
    assert.deepEqual(
      rows.map((r) => [r.operation, r.status, r.units, Number(r.costUsd)]),
      [
        ['embed', 'ok', { vectors: 2, chars: 11 }, 0],
        ['embed', 'ok', { vectors: 1, chars: 10 }, 0],
      ],
    );
  });
});
