import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config.js';
import { createEmbedder } from '../../../src/providers/embeddings/create-embedder.js';
import { noJob } from '../../../src/providers/ledger.js';
import { ensureWordVectors, readWinkJson } from '../../../src/providers/embeddings/wordvec/convert.js';
import { FNV_OFFSET, hashString, tokenize } from '../../../src/providers/embeddings/hashing.embedder.js';
import { PieceIndex } from '../../../src/providers/embeddings/wordvec/piece-index.js';
import { MAX_PIECE, segmentWord, sliceVocabulary } from '../../../src/providers/embeddings/wordvec/segment.js';
import { seededRandom } from '../../../src/import/seeded-random.js';
import { SimdDots } from '../../../src/providers/embeddings/wordvec/simd-dots.js';
import { decodeWordVectors, encodeWordVectors, loadWordVectors } from '../../../src/providers/embeddings/wordvec/word-vectors.js';
import type { WordVectors } from '../../../src/providers/embeddings/wordvec/word-vectors.js';
import { sif, WordVecEmbedder } from '../../../src/providers/embeddings/wordvec.embedder.js';
import { ledgerKit } from '../provider-kit.js';
import type { LedgerKit } from '../provider-kit.js';
import { clusters, DIM, syntheticEntries, syntheticTable, winkJson } from './wordvec-fixture.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const quietLogger = { info() {}, warn() {} };

let root: string;
let kit: LedgerKit;
let wv: WordVectors;

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'scout-wordvec-'));
  kit = await ledgerKit();
  const t = await syntheticTable(root);
  wv = t.vectors;
});
after(async () => {
  await kit.cleanup();
  await rm(root, { recursive: true, force: true });
});

describe('word-vector conversion', () => {
  it('keeps plain words below the rank cut in frequency order, folded, unit length; drops the rest', async () => {
    const entries = syntheticEntries();
    const table = await readWinkJson(path.join(root, 'source.json'), { maxSourceRank: entries.length - 1 });
    assert.equal(table.dimension, DIM);
    assert.equal(table.sourceSize, entries.length);
    assert.ok(!table.words.includes(','), 'punctuation dropped');
    assert.ok(!table.words.includes('e.g.'), 'abbreviations with dots dropped');
    assert.ok(!table.words.includes('rareword'), 'words at or beyond the rank cut dropped');
    // café (more frequent) and cafe fold to one word; the more frequent vector wins
    assert.equal(table.words.filter((w) => w === 'cafe').length, 1);
    const cafe = table.words.indexOf('cafe');
    assert.equal(table.ranks[cafe], entries.findIndex((e) => e.word === 'café'));
    for (let i = 1; i < table.ranks.length; i++) assert.ok(table.ranks[i]! > table.ranks[i - 1]!, 'frequency order');
    for (let i = 0; i < table.words.length; i++) {
      const v = table.vectors.subarray(i * DIM, (i + 1) * DIM);
      assert.ok(Math.abs(dot(v, v) - 1) < 1e-5);
    }
  });

  it('round-trips through the binary form within int8 precision', async () => {
    const table = await readWinkJson(path.join(root, 'source.json'), { maxSourceRank: 1000 });
    const mean = new Float32Array(DIM).fill(0.25);
    const pc1 = new Float32Array(DIM);
    pc1[3] = 1;
    const back = decodeWordVectors(encodeWordVectors(table, { mean, pc1 }));
    assert.equal(back.size, table.words.length);
    assert.equal(back.dimension, DIM);
    assert.deepEqual([...back.common.mean], [...mean]);
    assert.deepEqual([...back.common.pc1], [...pc1]);
    table.words.forEach((w, i) => {
      const id = back.id(w)!;
      assert.equal(id, i);
      assert.equal(back.word(id), w);
      assert.equal(back.rank(id), table.ranks[i]);
      const original = table.vectors.subarray(i * DIM, (i + 1) * DIM);
      const decoded = back.vector(id);
      for (let d = 0; d < DIM; d++) assert.ok(Math.abs(decoded[d]! - original[d]!) <= 1 / 127, `${w}[${d}]`);
      assert.ok(dot(decoded, original) > 0.99);
    });
  });

  it('rejects files that are not a table, of another version, or truncated', () => {
    assert.throws(() => decodeWordVectors(Buffer.from('not a table at all, just some bytes here')), /not a word-vector table/);
    const table = encodeWordVectors(
      { dimension: 2, words: ['ab', 'cd'], ranks: Uint32Array.from([0, 1]), vectors: Float32Array.from([1, 0, 0, 1]), sourceSize: 2 },
      { mean: new Float32Array(2), pc1: new Float32Array(2) },
    );
    const other = Buffer.from(table);
    other.writeUInt32LE(99, 4);
    assert.throws(() => decodeWordVectors(other), /version 99/);
    assert.throws(() => decodeWordVectors(table.subarray(0, 50)), /truncated/);
    assert.equal(decodeWordVectors(table).size, 2);
  });

  it('converts once when several processes ask at the same time, then reuses the file', async () => {
    const dir = path.join(root, 'ensure');
    const messages: string[] = [];
    const logger = { info: (_o: object, msg: string) => messages.push(msg), warn: (_o: object, msg: string) => messages.push(msg) };
    const source = path.join(root, 'source.json');
    const [a, b, c] = await Promise.all([ensureWordVectors(dir, logger, source), ensureWordVectors(dir, logger, source), ensureWordVectors(dir, logger, source)]);
    assert.equal(a, b);
    assert.equal(b, c);
    assert.equal(messages.filter((m) => m.startsWith('converting')).length, 1);
    assert.deepEqual(await readdir(dir), [path.basename(a)], 'no lock or temp file left behind');
    assert.ok((await loadWordVectors(a)).size > 0);
    await ensureWordVectors(dir, logger, source);
    assert.equal(messages.filter((m) => m.startsWith('converting')).length, 1);
  });

  it('uses a table converted ahead of time as it is: no source needed, nothing written next to it', async () => {
    // The image's case: /app/wordvec holds the table converted at build time, read-only, no source JSON.
    const dir = path.join(root, 'prebuilt');
    const converted = await ensureWordVectors(path.join(root, 'ensure'), quietLogger, path.join(root, 'source.json'));
    await mkdir(dir);
    await copyFile(converted, path.join(dir, path.basename(converted)));
    const messages: string[] = [];
    const logger = { info: (_o: object, msg: string) => messages.push(msg), warn: (_o: object, msg: string) => messages.push(msg) };
    const file = await ensureWordVectors(dir, logger, path.join(root, 'no-such-source.json'));
    assert.equal(file, path.join(dir, path.basename(converted)));
    assert.deepEqual(messages, []);
    assert.deepEqual(await readdir(dir), [path.basename(converted)], 'no lock taken');
    // without the table the missing source is an error, not an empty table
    await assert.rejects(ensureWordVectors(path.join(root, 'empty'), logger, path.join(root, 'no-such-source.json')), /ENOENT/);
  });

  it('fails clearly on a source that is cut off', async () => {
    const cut = path.join(root, 'cut.json');
    await writeFile(cut, winkJson(syntheticEntries()).slice(0, 2000));
    await assert.rejects(readWinkJson(cut, { maxSourceRank: 1000 }), /ended before/);
  });
});

describe('word vectors', () => {
  it('finds neighbours within the same topic, closest first, above the threshold', () => {
    const found = wv.neighbours(wv.id('kitten')!, { k: 4, minCosine: 0.5, searchSize: 1000 });
    assert.equal(found.length, 4);
    for (const n of found) assert.ok(clusters.pet!.includes(n.word), `${n.word} is a pet word`);
    for (let i = 1; i < found.length; i++) assert.ok(found[i - 1]!.cosine >= found[i]!.cosine);
    assert.ok(!found.some((n) => n.word === 'kitten'), 'not itself');
    assert.deepEqual(wv.neighbours(wv.id('kitten')!, { k: 4, minCosine: 0.999, searchSize: 1000 }), []);
  });

  it('only searches the most frequent words', () => {
    const first = wv.id('dog')!;
    const found = wv.neighbours(wv.id('kitten')!, { k: 10, minCosine: 0, searchSize: first + 1 });
    assert.deepEqual(found.map((n) => n.word).filter((w) => clusters.pet!.includes(w)), ['dog']);
  });
});

describe('integer dot products in WebAssembly SIMD', () => {
  it('equal the plain sums for every row, any dimension, the whole int8 range', () => {
    for (const dim of [1, 8, 13, 100]) {
      const rows = 50;
      const table = new Int8Array(rows * dim);
      let seed = dim;
      const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) % 256) - 128;
      for (let i = 0; i < table.length; i++) table[i] = next();
      table.fill(-128, 0, dim); // extremes: (-128)·(-128) summed over a row
      const simd = SimdDots.create(table, dim, rows);
      assert.ok(simd, 'this Node has WebAssembly SIMD');
      for (const qRow of [0, 7, rows - 1]) {
        const q = table.subarray(qRow * dim, (qRow + 1) * dim);
        const got: number[] = Array.from(simd.run(q));
        const want = Array.from({ length: rows }, (_, j) => {
          let s = 0;
          for (let d = 0; d < dim; d++) s += q[d]! * table[j * dim + d]!;
          return s;
        });
        assert.deepEqual(got, want, `dim ${dim}, query row ${qRow}`);
      }
    }
  });

  it('give neighbours the same answer as the JavaScript scan', async () => {
    const opts = [
      { k: 4, minCosine: 0.5, searchSize: 1000 },
      { k: 10, minCosine: 0, searchSize: 1000 },
      { k: 3, minCosine: 0.9, searchSize: 200 },
    ];
    const js = await loadWordVectors(path.join(root, 'table.bin'));
    js.useSimd = false;
    assert.ok(wv.size > 20);
    let found = 0;
    for (let id = 0; id < wv.size; id++) {
      for (const o of opts) {
        const simd = wv.neighbours(id, o);
        assert.deepEqual(simd, js.neighbours(id, o), `${wv.word(id)} ${JSON.stringify(o)}`);
        found += simd.length;
      }
    }
    assert.ok(found > wv.size, 'the comparison is not between empty answers');
  });
});

describe('hashtag segmentation', () => {
  const sliced = () => sliceVocabulary((w) => { const id = wv.id(w); return id === undefined ? undefined : wv.rank(id); });
  // the table's own prefix index and the plain slice-by-slice lookup must give the same answers
  const vocabularies = () => [['prefix index', wv], ['slices', sliced()]] as const;

  it('splits run-together known words', () => {
    for (const [name, vocab] of vocabularies()) {
      assert.deepEqual(segmentWord('dogsofinstagram', vocab), ['dogs', 'of', 'instagram'], name);
      assert.deepEqual(segmentWord('gymmotivation', vocab), ['gym', 'motivation'], name);
      assert.deepEqual(segmentWord('pastarecipe', vocab), ['pasta', 'recipe'], name);
    }
  });

  it('leaves short words, unknown pieces and splits into fragments alone', () => {
    for (const [name, vocab] of vocabularies()) {
      assert.equal(segmentWord('gymday', vocab)?.join(' '), 'gym day', name);
      assert.equal(segmentWord('dogcat', vocab)?.join(' '), 'dog cat', name);
      assert.equal(segmentWord('gym', vocab), null, name);
      assert.equal(segmentWord('gymxyzzy', vocab), null, name);
      // "ofmyof": every piece is a known two-letter word, but that is syllables, not words
      assert.equal(segmentWord('ofmyofmy', vocab), null, name);
    }
  });

  it('the prefix index finds exactly the pieces the slice-by-slice lookup finds', () => {
    const random = seededRandom(11);
    const words = Array.from({ length: wv.size }, (_, id) => wv.word(id));
    const pick = () => words[Math.floor(random() * words.length)]!;
    const junk = () => 'qzxjvk'.slice(0, 1 + Math.floor(random() * 5));
    const tokens: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const parts = Array.from({ length: 1 + Math.floor(random() * 4) }, () => (random() < 0.2 ? junk() : pick()));
      const token = parts.join('');
      // also cut into the middle of words, so scans end inside a prefix
      tokens.push(token, token.slice(1 + Math.floor(random() * 3)), token.slice(0, Math.max(2, token.length - 2)));
    }
    const plain = sliced();
    let pieces = 0;
    let splits = 0;
    for (const t of tokens) {
      for (let start = 0; start < t.length; start++) {
        const a: [number, number][] = [];
        const b: [number, number][] = [];
        wv.piecesAt(t, start, (end, rank) => a.push([end, rank]));
        plain.piecesAt(t, start, (end, rank) => b.push([end, rank]));
        assert.deepEqual(a, b, `${t} from ${start}`);
        pieces += a.length;
      }
      const split = segmentWord(t, wv);
      assert.deepEqual(split, segmentWord(t, plain), t);
      if (split) splits++;
    }
    assert.ok(pieces > tokens.length && splits > 500, `compared ${pieces} pieces and ${splits} splits`);
  });

  it('a hash shared by two words, or by a word and a slice, never loses or invents a word', () => {
    // two different strings with the same 32-bit hash, found by a birthday search
    const random = seededRandom(5);
    const seen = new Map<number, string>();
    let pair: [string, string] | null = null;
    while (!pair) {
      const s = Array.from({ length: 7 }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join('');
      const other = seen.get(hashString(FNV_OFFSET, s));
      if (other !== undefined && other !== s) pair = [other, s];
      else seen.set(hashString(FNV_OFFSET, s), s);
    }
    const [a, b] = pair;
    const found = (index: PieceIndex, word: string) => {
      const ends: number[] = [];
      index.piecesAt(word, 0, (end) => ends.push(end));
      return ends;
    };
    const both = [a, b, 'xy'];
    const bothIndex = new PieceIndex(both, MAX_PIECE, (w) => (both.includes(w) ? both.indexOf(w) : undefined));
    assert.deepEqual(found(bothIndex, a), [7], `${a} is found though ${b} shares its hash`);
    assert.deepEqual(found(bothIndex, b), [7], `${b} is found though ${a} shares its hash`);
    const one = [a];
    const oneIndex = new PieceIndex(one, MAX_PIECE, (w) => (w === a ? 0 : undefined));
    assert.deepEqual(found(oneIndex, a), [7]);
    assert.deepEqual(found(oneIndex, b), [], `${b} only shares ${a}'s hash: not a word`);
  });
});

describe('SIF weights', () => {
  it('grow with rarity from near zero for the commonest words to near one for rare ones', () => {
    assert.ok(sif(0) < 0.01);
    assert.ok(sif(100) < sif(1000) && sif(1000) < sif(10_000) && sif(10_000) < sif(100_000));
    assert.ok(sif(100_000) > 0.99 && sif(100_000) < 1);
  });
});

describe('WordVecEmbedder', () => {
  const make = (fallbackDim = 0) => new WordVecEmbedder({ dir: root, fallbackDim, logger: quietLogger, vectors: wv }, kit.ledger);
  const embed = async (e: WordVecEmbedder, t: string) => (await e.embed([t], noJob))[0]!;

  it('names the table and the fallback in its id; dimension is the table’s plus the fallback', () => {
    assert.equal(make().id, `wordvec-v1:wink-sg100d-v1:${DIM}`);
    assert.equal(make().dimension, DIM);
    assert.equal(make(32).id, `wordvec-v1:wink-sg100d-v1:${DIM}+h32`);
    assert.equal(make(32).dimension, DIM + 32);
    assert.throws(() => make(4), RangeError);
  });

  it('returns deterministic unit vectors, zero for a text without words', async () => {
    const texts = ['my puppy at the vet', 'pasta with garlic and olive oil', 'gym squats today'];
    const a = await make(16).embed(texts, noJob);
    const b = await make(16).embed([...texts].reverse(), noJob);
    assert.deepEqual(a, b.reverse());
    for (const v of a) assert.ok(Math.abs(dot(v, v) - 1) < 1e-5);
    assert.ok((await embed(make(), '!!! ...')).every((x) => x === 0));
  });

  it('matches meaning, not spelling: a kitten brief is closest to the dog creator', async () => {
    const e = make();
    const brief = await embed(e, 'kitten');
    const pet = await embed(e, 'my dog and my puppy love the new leash');
    const fit = await embed(e, 'gym workout squats protein');
    const food = await embed(e, 'pasta recipe with garlic for dinner');
    assert.ok(dot(brief, pet) > 0.5, `pet ${dot(brief, pet)}`);
    assert.ok(dot(brief, pet) > dot(brief, fit) + 0.3 && dot(brief, pet) > dot(brief, food) + 0.3);
  });

  it('reads hashtags as the words they are made of', async () => {
    const e = make();
    const tag = await embed(e, '#dogsofinstagram');
    assert.ok(dot(tag, await embed(e, 'dogs instagram')) > 0.99);
    assert.ok(dot(tag, await embed(e, 'puppy')) > dot(tag, await embed(e, 'gym')) + 0.3);
  });

  it('weights rare words above common ones (SIF)', async () => {
    const e = make();
    const v = await embed(e, 'love today fitness');
    assert.ok(dot(v, await embed(e, 'fitness')) > dot(v, await embed(e, 'love today')));
  });

  it('lets unknown words match their own spelling only with a fallback component', async () => {
    const a = 'gym hundefutter';
    const b = 'pasta hundefutter';
    assert.ok(dot(await embed(make(), a), await embed(make(), b)) < 0.3);
    const withFallback = make(32);
    assert.ok(dot(await embed(withFallback, a), await embed(withFallback, b)) > 0.3);
    const onlyUnknown = await embed(withFallback, 'hundefutter');
    assert.ok(onlyUnknown.slice(0, DIM).every((x) => x === 0));
    assert.ok(Math.abs(dot(onlyUnknown, onlyUnknown) - 1) < 1e-5);
  });

  it('hands over each token it meets for the first time, once, with the same vectors as without', async () => {
    const e = make(16);
    const texts = ['my puppy at the vet', 'pasta with garlic and olive oil, my puppy', '#dogsofinstagram hundefutter', 'my puppy at the vet'];
    const firstSeen: string[] = [];
    const vectors = texts.map((t) => Array.from(e.embedOpened(t, firstSeen)));
    const distinct = [...new Set(texts.flatMap(tokenize))];
    assert.deepEqual([...firstSeen].sort(), distinct.sort(), 'every distinct token once, the repeated text adds none');
    assert.deepEqual(vectors, texts.map((t) => Array.from(make(16).embedOpened(t))));
  });

  it('records one ledger call per embed with the number of vectors', async () => {
    await kit.clear();
    await make().embed(['gym', 'dog'], noJob);
    const rows = await kit.rows('embeddings');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.units.vectors, 2);
    assert.equal(rows[0]!.costUsd, 0);
  });

  it('offers related words of a text’s content words, without inflections or the text’s words', async () => {
    const related = await make().relatedWords('new dog for dinner');
    const byWord = new Map(related.map((r) => [r.word, r.related().map((n) => n.word)]));
    assert.ok(byWord.get('dog')!.length > 0);
    for (const w of byWord.get('dog')!) assert.ok(clusters.pet!.includes(w) && w !== 'dogs', w);
    for (const w of byWord.get('dinner')!) assert.ok(clusters.food!.includes(w), w);
  });

  it('scans for a word’s neighbours only when they are asked for, once per word', async () => {
    const e = make();
    const original = wv.neighbours.bind(wv);
    const scanned: string[] = [];
    wv.neighbours = (id, opts) => {
      scanned.push(wv.word(id));
      return original(id, opts);
    };
    try {
      const groups = await e.relatedWords('dog dinner');
      assert.deepEqual(groups.map((g) => g.word), ['dog', 'dinner']);
      assert.deepEqual(scanned, []);
      const first = groups[0]!.related();
      assert.deepEqual(scanned, ['dog']);
      assert.deepEqual((await e.relatedWords('dinner dog'))[1]!.related(), first);
      assert.deepEqual(scanned, ['dog']);
    } finally {
      wv.neighbours = original;
    }
  });

  it('is the default embedder, keeping its table under DATA_DIR/wordvec; hashing stays selectable', () => {
    const config = loadConfig({ DATA_DIR: root });
    assert.equal(config.embeddings.wordvecDir, path.join(root, 'wordvec'));
    assert.equal(loadConfig({ DATA_DIR: root, WORDVEC_DIR: '/app/wordvec' }).embeddings.wordvecDir, '/app/wordvec', 'the image points it at its own table');
    const e = createEmbedder(config, kit.ledger, quietLogger);
    assert.ok(e instanceof WordVecEmbedder);
    assert.equal(e.id, 'wordvec-v1:wink-sg100d-v1:100+h64');
    assert.equal(e.dimension, 164);
    assert.equal(createEmbedder(loadConfig({ DATA_DIR: root, WORDVEC_FALLBACK_DIM: '0' }), kit.ledger, quietLogger).id, 'wordvec-v1:wink-sg100d-v1:100');
    assert.equal(createEmbedder(loadConfig({ EMBEDDINGS_PROVIDER: 'hashing' }), kit.ledger, quietLogger).id, 'hashing-v1:384');
    assert.throws(() => loadConfig({ WORDVEC_FALLBACK_DIM: '4' }), /WORDVEC_FALLBACK_DIM/);
  });

  it('converts and loads its table on open, and refuses a table of another size', async () => {
    const e = new WordVecEmbedder({ dir: path.join(root, 'open'), fallbackDim: 0, logger: quietLogger, source: path.join(root, 'source.json') }, kit.ledger);
    assert.equal(e.dimension, 100);
    await assert.rejects(e.open(), /has 16 dimensions, expected 100/);
    assert.equal((await readdir(path.join(root, 'open'))).length, 1, 'the converted table is there');
  });
});
