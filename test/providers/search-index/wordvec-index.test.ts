import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as lancedb from '@lancedb/lancedb';
import type { Creator, CreatorKey } from '../../../src/domain/creator.js';
import { creatorDocument } from '../../../src/providers/embeddings/embedder.js';
import { HashingEmbedder } from '../../../src/providers/embeddings/hashing.embedder.js';
import type { WordVectors } from '../../../src/providers/embeddings/wordvec/word-vectors.js';
import { WordVecEmbedder } from '../../../src/providers/embeddings/wordvec.embedder.js';
import { noJob } from '../../../src/providers/ledger.js';
import { IndexEmbedderMismatchError } from '../../../src/providers/search-index/creator-index.js';
import { TABLE_NAME } from '../../../src/providers/search-index/lancedb/arrow.js';
import { EXPANSION_BOOST, KeywordExpansion, expandedKeywordLeg, sumScores } from '../../../src/providers/search-index/lancedb/expansion.js';
import { IndexVocabulary } from '../../../src/providers/search-index/lancedb/vocabulary.js';
import { tokenize } from '../../../src/providers/embeddings/hashing.embedder.js';
import { LanceDbIndex } from '../../../src/providers/search-index/lancedb.index.js';
import { WeaviateIndex } from '../../../src/providers/search-index/weaviate.index.js';
import { startWeaviateFake } from '../../fakes/weaviate.fake.js';
import { syntheticTable } from '../embeddings/wordvec-fixture.js';
import { ledgerKit } from '../provider-kit.js';
import type { LedgerKit } from '../provider-kit.js';
import { fixture, indexed } from './creator-index.contract.js';

/** Four creators in four topics of the synthetic word vectors; none of them says "kitten" or "cat". */
function creators(): Creator[] {
  const texts: [string, string, string[]][] = [
    ['paws', 'my puppy and my dog at the vet today', ['dogsofinstagram']],
    ['lifts', 'gym workout squats and protein', ['gym']],
    ['kitchen', 'pasta recipe with garlic for dinner', ['cooking']],
    ['islands', 'beach hotel on an island', ['travel']],
  ];
  return texts.map(([handle, bio, topics]) => ({
    ...fixture[0]!,
    key: `instagram:${handle}` as CreatorKey,
    handle,
    displayName: null,
    bio,
    categories: [],
    topics,
  }));
}

describe('LanceDB index with the wordvec embedder', () => {
  let kit: LedgerKit;
  let root: string;
  let vectors: WordVectors;
  let embedder: WordVecEmbedder;
  let index: LanceDbIndex;
  const dir = () => path.join(root, 'index');

  before(async () => {
    kit = await ledgerKit();
    root = await mkdtemp(path.join(os.tmpdir(), 'scout-lancedb-wordvec-'));
    vectors = (await syntheticTable(root)).vectors;
    embedder = new WordVecEmbedder({ dir: root, fallbackDim: 16, logger: { info() {}, warn() {} }, vectors }, kit.ledger);
    index = new LanceDbIndex({ dir: dir(), embedder }, kit.ledger);
    await index.open();
    await index.upsert(await indexed(embedder, creators()), noJob);
    await index.optimize();
  });
  after(async () => {
    await index.close();
    await kit.cleanup();
    await rm(root, { recursive: true, force: true });
  });

  it('records the embedder and its dimension', async () => {
    const info = await index.info();
    assert.equal(info.embedder, embedder.id);
    assert.equal(info.dimension, embedder.dimension);
    assert.equal(info.count, 4);
  });

  it('finds creators by meaning: a brief about kittens finds the dog creator first', async () => {
    const hits = await index.hybridSearch({ text: 'kitten', filters: {}, limit: 4 }, noJob);
    assert.equal(hits[0]?.creator.handle, 'paws');
    const fit = await index.hybridSearch({ text: 'muscle training', filters: {}, limit: 4 }, noJob);
    assert.equal(fit[0]?.creator.handle, 'lifts');
  });

  it('expands the keyword query with neighbours that occur in the index only', async () => {
    const db = await lancedb.connect(dir());
    const table = await db.openTable(TABLE_NAME);
    try {
      const expansion = new KeywordExpansion(embedder);
      const terms = await expansion.terms(table, 'kitten');
      assert.ok(terms.length > 0 && terms.length <= 2, `terms ${terms.join(',')}`);
      // "cat" is kitten's neighbour but no creator uses it; dog, puppy, vet do
      for (const t of terms) assert.ok(['dog', 'puppy', 'vet', 'dogs'].includes(t), t);
      assert.deepEqual(await expansion.terms(table, 'zzzunknown'), []);
      // the keyword leg alone (the vector leg sees no creator for an unknown word) now finds the dog creator
      const keywordOnly = await table.query().fullTextSearch(await expansion.query(table, 'kitten')).select(['key']).limit(4).toArray();
      assert.equal(keywordOnly[0]?.key, 'instagram:paws');
      const plain = await table.query().fullTextSearch(new lancedb.MatchQuery('kitten', 'doc')).select(['key']).limit(4).toArray();
      assert.equal(plain.length, 0);
    } finally {
      table.close();
      db.close();
    }
  });

  it('keeps a vocabulary of the words its documents use that expansions may ask about, and answers them without a probe', async () => {
    const vocabulary = index.vocabulary!;
    assert.ok(vocabulary, 'an expanding embedder gets a vocabulary');
    // words of the documents that are word-vector words; none the documents lack
    for (const w of ['puppy', 'dog', 'vet', 'gym', 'protein', 'garlic', 'beach']) assert.equal(await vocabulary.has(w), true, w);
    for (const w of ['kitten', 'cat', 'flight', 'zzzunknown']) assert.equal(await vocabulary.has(w), false, w);
    // a document word the word vectors do not know is never asked about, so not kept
    assert.equal(await vocabulary.has('dogsofinstagram'), false);
    const db = await lancedb.connect(dir());
    const table = await db.openTable(TABLE_NAME);
    try {
      const present = await table.query().fullTextSearch(new lancedb.MatchQuery('dogsofinstagram', 'doc')).select(['key', '_score']).limit(1).toArray();
      assert.equal(present.length, 1, 'the full-text index has that word');
      // every word it claims is one the full-text index finds: it may fail to vouch for a word, never vouch wrongly
      const file = JSON.parse(await readFile(vocabulary.file, 'utf8')) as { words: string[] };
      assert.ok(file.words.length >= 7);
      for (const w of file.words) {
        const hit = await table.query().fullTextSearch(new lancedb.MatchQuery(w, 'doc')).select(['key', '_score']).limit(1).toArray();
        assert.equal(hit.length, 1, `${w} is in the vocabulary but the full-text index has no row for it`);
      }
      // the same expansion as probing every word, with fewer probes: only words it cannot vouch for
      for (const text of ['kitten', 'muscle puppy', 'pasta beach']) {
        const probing = new KeywordExpansion(embedder);
        const known = new KeywordExpansion(embedder, vocabulary);
        assert.deepEqual(await known.terms(table, text), await probing.terms(table, text), text);
        assert.ok(known.probes < probing.probes, `${text}: ${known.probes} probes with the vocabulary, ${probing.probes} without`);
      }
    } finally {
      table.close();
      db.close();
    }
  });

  it('never claims a stop word the full-text index drops (its English list is a subset of ours)', () => {
    // Lance's (tantivy's) English stop words: a literal stop word in a document is not in its index
    const tantivy = 'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(' ');
    for (const w of tantivy) assert.deepEqual(tokenize(`x ${w} y`).filter((t) => t === w), [], w);
  });

  it('drops its vocabulary when rows are removed, and other processes stop trusting it within a second', async () => {
    const own = path.join(root, 'vocabulary-removal');
    const writer = new LanceDbIndex({ dir: own, embedder }, kit.ledger);
    const reader = new LanceDbIndex({ dir: own, embedder }, kit.ledger);
    try {
      await writer.upsert(await indexed(embedder, creators()), noJob);
      await writer.optimize();
      assert.equal(await reader.vocabulary!.has('squats'), true);
      assert.equal(await writer.remove({ keys: ['instagram:lifts' as CreatorKey] }), 1);
      assert.equal(await writer.vocabulary!.has('squats'), false, 'the remover drops it at once');
      assert.equal(await reader.vocabulary!.has('squats'), true, 'another process trusts what it loaded for up to a second');
      await new Promise((r) => setTimeout(r, 1_100));
      assert.equal(await reader.vocabulary!.has('squats'), false);
      // searches still expand (by probing) without it, and the next optimise builds it again
      const hits = await reader.hybridSearch({ text: 'kitten', filters: {}, limit: 3 }, noJob);
      assert.equal(hits[0]?.creator.handle, 'paws');
      await writer.optimize();
      assert.equal(await writer.vocabulary!.has('squats'), false, 'the removed creator\'s words are gone');
      assert.equal(await writer.vocabulary!.has('puppy'), true);
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  it('drops its vocabulary when an upsert rewrites a creator, keeps it when new creators are added', async () => {
    const own = path.join(root, 'vocabulary-rewrite');
    const writer = new LanceDbIndex({ dir: own, embedder }, kit.ledger);
    try {
      const all = creators();
      await writer.upsert(await indexed(embedder, all), noJob);
      await writer.optimize();
      assert.equal(await writer.vocabulary!.has('squats'), true);
      // a new creator: the vocabulary only misses its words, which searches probe for
      const newcomer = { ...all[2]!, key: 'instagram:bakery' as CreatorKey, handle: 'bakery', bio: 'bread and garlic' };
      await writer.upsert(await indexed(embedder, [newcomer]), noJob);
      assert.equal(await writer.vocabulary!.has('squats'), true, 'adding a creator keeps the vocabulary');
      // the gym creator now writes about something else: "squats" no longer occurs anywhere
      const rewritten = { ...all[1]!, bio: 'beach hotel' };
      await writer.upsert(await indexed(embedder, [rewritten]), noJob);
      assert.equal(await writer.vocabulary!.has('squats'), false, 'a rewritten creator\'s old words are not claimed any more');
      const db = await lancedb.connect(own);
      const table = await db.openTable(TABLE_NAME);
      try {
        const hit = await table.query().fullTextSearch(new lancedb.MatchQuery('squats', 'doc')).select(['key']).limit(1).toArray();
        assert.equal(hit.length, 0, 'and indeed no row has it');
      } finally {
        table.close();
        db.close();
      }
      await writer.optimize();
      assert.equal(await writer.vocabulary!.has('beach'), true);
      assert.equal(await writer.vocabulary!.has('squats'), false);
    } finally {
      await writer.close();
    }
  });

  it('builds the vocabulary from the words a bulk load gave with every batch, the same words reading the documents finds', async () => {
    const all = creators();
    const wordsOf = (cs: Creator[]) => [...new Set(cs.flatMap((c) => tokenize(creatorDocument(c))))];
    const fileWords = async (ix: LanceDbIndex) => {
      const { words, rows } = JSON.parse(await readFile(ix.vocabulary!.file, 'utf8')) as { words: string[]; rows: number };
      return { words, rows };
    };
    /** writes the creators in two batches (each with `words(batch)`, or none), then optimises */
    const load = async (name: string, words: (batch: Creator[], i: number) => string[] | undefined, before?: () => Promise<void>) => {
      const ix = new LanceDbIndex({ dir: path.join(root, name), embedder }, kit.ledger);
      await before?.();
      for (const [i, batch] of [all.slice(0, 2), all.slice(2)].entries()) {
        const documentWords = words(batch, i);
        await ix.upsert(await indexed(embedder, batch), noJob, documentWords ? { documentWords } : {});
      }
      await ix.optimize();
      return ix;
    };
    const read = await load('vocabulary-read', () => undefined);
    const given = await load('vocabulary-given', (batch) => wordsOf(batch));
    // "kitten" is no creator's word: where it shows up, the given words were used, not the documents
    const marked = await load('vocabulary-marked', (batch, i) => [...wordsOf(batch), ...(i === 0 ? ['kitten'] : [])]);
    const partly = await load('vocabulary-partly', (batch, i) => (i === 0 ? [...wordsOf(batch), 'kitten'] : undefined));
    const notFromEmpty = await load('vocabulary-not-empty', (batch) => [...wordsOf(batch), 'kitten'], async () => {
      // another writer (another process) wrote first: this object does not know every row
      const other = new LanceDbIndex({ dir: path.join(root, 'vocabulary-not-empty'), embedder }, kit.ledger);
      await other.upsert(await indexed(embedder, [all[0]!]), noJob);
      await other.close();
    });
    try {
      const expected = await fileWords(read);
      assert.ok(expected.words.includes('squats') && expected.words.includes('puppy'));
      assert.deepEqual(await fileWords(given), expected, 'the same file as reading every document');
      assert.equal(await marked.vocabulary!.has('kitten'), true, 'the given words were used');
      assert.equal(await partly.vocabulary!.has('kitten'), false, 'a batch without words: the documents are read');
      assert.equal(await partly.vocabulary!.has('squats'), true);
      assert.equal(await notFromEmpty.vocabulary!.has('kitten'), false, 'rows it did not write: the documents are read');
      assert.equal(await notFromEmpty.vocabulary!.has('squats'), true);
    } finally {
      for (const ix of [read, given, marked, partly, notFromEmpty]) await ix.close();
    }
  });

  it('reads the documents for the vocabulary when a bulk load rewrote a row or repeated a key within a batch', async () => {
    const all = creators();
    const withKitten = (cs: Creator[]) => [...new Set(cs.flatMap((c) => tokenize(creatorDocument(c)))), 'kitten'];
    const rewrote = new LanceDbIndex({ dir: path.join(root, 'vocabulary-rewrote'), embedder }, kit.ledger);
    const repeated = new LanceDbIndex({ dir: path.join(root, 'vocabulary-repeated'), embedder }, kit.ledger);
    try {
      await rewrote.upsert(await indexed(embedder, all), noJob, { documentWords: withKitten(all) });
      const changed = [{ ...all[1]!, bio: 'beach hotel' }];
      await rewrote.upsert(await indexed(embedder, changed), noJob, { documentWords: withKitten(changed) });
      await rewrote.optimize();
      assert.equal(await rewrote.vocabulary!.has('kitten'), false);
      assert.equal(await rewrote.vocabulary!.has('squats'), false, 'the rewritten creator\'s old words are gone');
      // the same key twice in one batch: the words given may be those of the copy that lost
      const twice = [...all, { ...all[1]!, bio: 'beach hotel' }];
      await repeated.upsert(await indexed(embedder, twice), noJob, { documentWords: withKitten(twice) });
      await repeated.optimize();
      assert.equal(await repeated.vocabulary!.has('kitten'), false);
      assert.equal(await repeated.vocabulary!.has('squats'), false);
      assert.equal(await repeated.vocabulary!.has('beach'), true);
    } finally {
      await rewrote.close();
      await repeated.close();
    }
  });

  it('ignores a vocabulary file it cannot read or that another embedder built', async () => {
    const other = path.join(root, 'vocabulary-foreign');
    const vocabulary = new IndexVocabulary(other, embedder.id);
    await mkdir(other, { recursive: true });
    await writeFile(vocabulary.file, '{not json');
    assert.equal(await vocabulary.has('puppy'), false);
    await writeFile(vocabulary.file, JSON.stringify({ version: 1, embedder: 'hashing-v1:64', rows: 1, builtAt: '', words: ['puppy'] }));
    assert.equal(await new IndexVocabulary(other, embedder.id).has('puppy'), false);
    await writeFile(vocabulary.file, JSON.stringify({ version: 1, embedder: embedder.id, rows: 1, builtAt: '', words: ['puppy'] }));
    assert.equal(await new IndexVocabulary(other, embedder.id).has('puppy'), true);
  });

  it('runs the expanded keyword leg as two match queries whose weighted scores add up to the boolean query\'s', async () => {
    const db = await lancedb.connect(dir());
    const table = await db.openTable(TABLE_NAME);
    try {
      const expansion = new KeywordExpansion(embedder);
      for (const text of ['kitten', 'dog training', 'muscle puppy']) {
        const { base, expansion: related } = await expansion.queries(table, text);
        const rows = async (q: lancedb.FullTextQuery) => (await table.query().fullTextSearch(q).select(['key', '_score']).limit(10).toArray()) as { key: string; _score: number }[];
        const exact = await rows(await expansion.query(table, text));
        const own = await rows(base);
        const extra = related ? await rows(related.query) : [];
        const fused = sumScores(
          [
            { keys: own.map((r) => r.key), scores: own.map((r) => r._score), weight: 1 },
            { keys: extra.map((r) => r.key), scores: extra.map((r) => r._score), weight: EXPANSION_BOOST },
          ],
          10,
        );
        assert.deepEqual(new Set(fused), new Set(exact.map((r) => r.key)), text);
        // the leg as searches run it: same rows, in the boolean query's order
        if (related) {
          const leg = await expandedKeywordLeg(base, related.query, 10, async (m, depth, only) => {
            let q = table.query().fullTextSearch(m);
            if (only) q = q.where(`key IN (${only.map((k) => `'${k}'`).join(', ')})`);
            const got = (await q.select(['key', '_score']).limit(depth).toArray()) as { key: string; _score: number }[];
            return new Map(got.map((r) => [r.key, r._score]));
          });
          assert.deepEqual(leg, exact.map((r) => r.key), text);
        }
        for (const r of exact) {
          const sum = (own.find((o) => o.key === r.key)?._score ?? 0) + EXPANSION_BOOST * (extra.find((o) => o.key === r.key)?._score ?? 0);
          assert.ok(Math.abs(sum - r._score) < 1e-3 * Math.max(1, r._score), `${text}: ${r.key} scores ${r._score}, the parts add to ${sum}`);
        }
      }
    } finally {
      table.close();
      db.close();
    }
  });

  it('sumScores ranks by weighted score sum, a row missing from a list getting nothing from it, ties by key', () => {
    const ranked = sumScores(
      [
        { keys: ['a', 'b', 'c'], scores: [3, 2, 1], weight: 1 },
        { keys: ['c', 'd', 'b'], scores: [10, 4, 1], weight: 0.3 },
      ],
      3,
    );
    // a 3, c 1 + 3 = 4, b 2 + 0.3 = 2.3, d 1.2
    assert.deepEqual(ranked, ['c', 'a', 'b']);
    assert.deepEqual(sumScores([{ keys: ['y', 'x'], scores: [1, 1], weight: 1 }], 5), ['x', 'y']);
  });

  it('answers the same hits, creators included, with either plan of the expanded keyword leg (one boolean query, or two match queries)', async () => {
    const twoQueries = new LanceDbIndex({ dir: dir(), embedder, booleanKeywordMaxRows: 0 }, kit.ledger);
    try {
      for (const text of ['kitten', 'muscle puppy', 'garlic island']) {
        const q = { text, filters: {}, limit: 4, excludeKeys: [] };
        const [a, b] = [await index.hybridSearch(q, noJob), await twoQueries.hybridSearch(q, noJob)];
        assert.ok(a.length > 0, text);
        // the whole hits: the two-query plan reads its winners' creators by key afterwards
        assert.deepEqual(b, a, text);
      }
    } finally {
      await twoQueries.close();
    }
  });

  it('keeps a hashing embedder from searching a wordvec index', async () => {
    const other = new LanceDbIndex({ dir: dir(), embedder: new HashingEmbedder({ dimension: 64 }, kit.ledger) }, kit.ledger);
    try {
      await assert.rejects(other.hybridSearch({ text: 'dog', filters: {}, limit: 3 }, noJob), IndexEmbedderMismatchError);
    } finally {
      await other.close();
    }
  });

  it('searches without expansion when it is turned off', async () => {
    const plain = new LanceDbIndex({ dir: dir(), embedder, expandKeywords: false }, kit.ledger);
    try {
      const hits = await plain.hybridSearch({ text: 'kitten', filters: {}, limit: 4 }, noJob);
      assert.equal(hits[0]?.creator.handle, 'paws', 'the vector leg alone still finds it');
    } finally {
      await plain.close();
    }
  });
});

describe('Weaviate index (fake) with the wordvec embedder', () => {
  it('creates the collection with the embedder’s dimension, records it, and finds by meaning', async () => {
    const kit = await ledgerKit();
    const root = await mkdtemp(path.join(os.tmpdir(), 'scout-weaviate-wordvec-'));
    const fake = await startWeaviateFake();
    const vectors = (await syntheticTable(root)).vectors;
    const embedder = new WordVecEmbedder({ dir: root, fallbackDim: 16, logger: { info() {}, warn() {} }, vectors }, kit.ledger);
    const index = new WeaviateIndex(
      {
        url: fake.url,
        grpcUrl: fake.grpcUrl,
        apiKey: fake.apiKey,
        collection: `Wordvec_${process.pid}`,
        alpha: 0.5,
        fusion: 'RelativeScore',
        embedder,
        timeoutMs: 5_000,
        retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 50 },
        breaker: { failureThreshold: 50, cooldownMs: 60_000 },
      },
      kit.ledger,
    );
    try {
      await index.open();
      await index.upsert(await indexed(embedder, creators()), noJob);
      const info = await index.info();
      assert.equal(info.embedder, embedder.id);
      assert.equal(info.dimension, embedder.dimension);
      const hits = await index.hybridSearch({ text: 'kitten', filters: {}, limit: 4 }, noJob);
      assert.equal(hits[0]?.creator.handle, 'paws');
    } finally {
      await index.close();
      await fake.close();
      await kit.cleanup();
      await rm(root, { recursive: true, force: true });
    }
  });
});
