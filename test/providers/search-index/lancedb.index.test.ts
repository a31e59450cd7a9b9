import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config.js';
import type { Creator, CreatorKey } from '../../../src/domain/creator.js';
import { HashingEmbedder } from '../../../src/providers/embeddings/hashing.embedder.js';
import { noJob } from '../../../src/providers/ledger.js';
import { createCreatorIndex } from '../../../src/providers/search-index/create-index.js';
import { IndexEmbedderMismatchError } from '../../../src/providers/search-index/creator-index.js';
import { LanceDbIndex, payloadsByRowId } from '../../../src/providers/search-index/lancedb.index.js';
import { arrow, creatorColumnsOf, creatorSchema, fromArrowTable, PAYLOAD_COLUMN, TABLE_NAME, toArrowTable, utf8Column } from '../../../src/providers/search-index/lancedb/arrow.js';
import { creatorDocument } from '../../../src/providers/embeddings/embedder.js';
import * as lancedb from '@lancedb/lancedb';
import { ledgerKit } from '../provider-kit.js';
import type { LedgerKit } from '../provider-kit.js';
import { creatorIndexContract, fixture, indexed, passes } from './creator-index.contract.js';

let kit: LedgerKit;
let root: string;
let seq = 0;

before(async () => {
  kit = await ledgerKit();
  root = await mkdtemp(path.join(os.tmpdir(), 'scout-lancedb-'));
});
after(async () => {
  await kit.cleanup();
  await rm(root, { recursive: true, force: true });
});

const newDir = () => path.join(root, `idx-${++seq}`);

creatorIndexContract('lancedb', async () => ({
  ledger: kit.ledger,
  async newStore() {
    const dir = newDir();
    return { build: (embedder) => new LanceDbIndex({ dir, embedder }, kit.ledger) };
  },
  async cleanup() {},
}));

/** `n` creators whose fields cycle through known values, some unknown, for filter checks at scale */
function population(n: number): Creator[] {
  const countries = ['US', 'GB', null, 'DE', 'BR'];
  const languages = ['en', null, 'de', 'pt'];
  const niches = ['fitness gym workout protein', 'vegan recipes cooking dinner', 'travel beach backpacking', 'skincare makeup beauty'];
  return Array.from({ length: n }, (_, i) => {
    const f = fixture[i % fixture.length]!;
    const handle = `creator_${i}`;
    return {
      ...f,
      key: `instagram:${handle}` as CreatorKey,
      platform: i % 3 === 0 ? 'tiktok' : 'instagram',
      handle,
      displayName: null,
      bio: `${niches[i % niches.length]} number ${i}`,
      categories: [],
      topics: [],
      followers: i % 7 === 0 ? null : 1000 + i * 37,
      country: countries[i % countries.length]!,
      language: languages[i % languages.length]!,
      engagementRate: i % 11 === 0 ? null : (i % 9) / 100,
      profileUrl: `https://www.instagram.com/${handle}/`,
    } satisfies Creator;
  });
}

describe('string columns written for the index', () => {
  it('hold what Arrow\'s builder would write: the same offsets, bytes and validity, for any text', () => {
    const cases: (string | null | undefined)[][] = [
      ['plain', '', 'ascii bio with spaces'],
      ['café 🐶 #dogsofinstagram', 'Ünïcödé', '日本語のテキスト', 'mixed 𝓯𝓪𝓷𝓬𝔂 text', 'lone \ud800 surrogate'],
      [null, 'a', undefined, '', null, 'é', null, null, 'last'],
      [null, null],
      [],
      Array.from({ length: 1000 }, (_, i) => (i % 7 === 0 ? null : `row ${i} ${'ß🙂'.repeat(i % 5)}`)),
    ];
    const type = new arrow.Utf8();
    for (const values of cases) {
      const fast = utf8Column(type, values);
      const builder = arrow.makeBuilder({ type, nullValues: [null, undefined] });
      for (const v of values) builder.append(v);
      const slow = builder.finish().flush();
      assert.equal(fast.length, slow.length);
      assert.equal(fast.nullCount, slow.nullCount);
      assert.deepEqual([...fast.valueOffsets], [...slow.valueOffsets.subarray(0, values.length + 1)]);
      assert.deepEqual(Buffer.from(fast.values), Buffer.from(slow.values.subarray(0, slow.valueOffsets[values.length])));
      if (slow.nullCount > 0) assert.deepEqual([...fast.nullBitmap!], [...slow.nullBitmap!.subarray(0, (values.length + 7) >> 3)]);
      const [a, b] = [arrow.makeVector(fast), arrow.makeVector(slow)];
      for (let i = 0; i < values.length; i++) assert.equal(a.get(i), b.get(i), `value ${i} of ${JSON.stringify(values).slice(0, 60)}`);
    }
  });
});

describe('LanceDbIndex', () => {
  const open: LanceDbIndex[] = [];
  const embedder = () => new HashingEmbedder({ dimension: 64 }, kit.ledger);
  const build = (dir: string, opts: { vectorIndexMinRows?: number } = {}) => {
    const index = new LanceDbIndex({ dir, embedder: embedder(), ...opts }, kit.ledger);
    open.push(index);
    return index;
  };
  afterEach(async () => {
    for (const index of open.splice(0)) await index.close();
  });

  it('a table built before observed_at existed is read as observed when written, and gains the columns on the next write', async () => {
    const dir = newDir();
    const e = embedder();
    const full = creatorSchema(e.dimension, e.id);
    // schema version 2 had neither observed_at nor the payload column (version 4)
    const oldSchema = new arrow.Schema(full.fields.filter((f) => !f.name.startsWith('observed_at') && f.name !== PAYLOAD_COLUMN), full.metadata);
    const db = await lancedb.connect(dir);
    const [old, fresh] = [fixture[0]!, fixture[1]!];
    const rows = (await indexed(e, [old])).map((x) => ({ creator: x.creator, doc: creatorDocument(x.creator), vector: x.vector }));
    await db.createTable(TABLE_NAME, toArrowTable(oldSchema, rows), { schema: oldSchema });
    db.close();

    const index = build(dir);
    await index.open();
    const [before] = await index.get([old.key], noJob);
    assert.deepEqual([before!.observedAt, before!.observedAtBasis], [old.updatedAt, 'import']);
    await index.upsert(await indexed(e, [fresh]), noJob);
    const got = new Map((await index.get([old.key, fresh.key], noJob)).map((c) => [c.key, c]));
    assert.deepEqual([got.get(old.key)!.observedAt, got.get(old.key)!.observedAtBasis], [old.updatedAt, 'import']);
    assert.deepEqual([got.get(fresh.key)!.observedAt, got.get(fresh.key)!.observedAtBasis], [fresh.observedAt, fresh.observedAtBasis]);
    assert.equal((await index.stats({ maxAgeDays: 180 })).count, 2);
  });

  it('search and get read each creator from its payload column exactly as the separate columns give it, and tables without one still answer the same', async () => {
    const e = embedder();
    const creators = [...fixture, ...population(40)].map((c, i) => ({
      ...c,
      // fractional counts are stored rounded, non-finite rates as unknown, niches as the per-niche values give them back
      followers: i % 5 === 0 && c.followers !== null ? c.followers + 0.4 : c.followers,
      engagementRate: i % 13 === 0 ? Number.NaN : c.engagementRate,
      ...(i % 3 === 0 ? { niches: [{ niche: 'fitness' as const, p: 0.7 }, { niche: 'food' as const, p: 0.01 }] } : {}),
    }));
    const items = await indexed(e, creators);
    const full = creatorSchema(e.dimension, e.id);
    const v3 = new arrow.Schema(full.fields.filter((f) => f.name !== PAYLOAD_COLUMN), full.metadata);
    const [withPayload, without] = [newDir(), newDir()];
    const rows = items.map((x) => ({ creator: x.creator, doc: creatorDocument(x.creator), vector: x.vector }));
    const db = await lancedb.connect(without);
    await db.createTable(TABLE_NAME, toArrowTable(v3, rows), { schema: v3 });
    db.close();
    const a = build(withPayload);
    await a.open();
    await a.upsert(items, noJob);
    const b = build(without);
    await b.open();
    // the same indexes on both (the table made by hand has no full-text index yet)
    await a.optimize();
    await b.optimize();

    // what the separate columns hold, read directly
    const dbA = await lancedb.connect(withPayload);
    const tableA = await dbA.openTable(TABLE_NAME);
    const fromColumns = new Map(fromArrowTable(await tableA.query().select(creatorColumnsOf(await tableA.schema())).toArrow()).map((c) => [c.key, c]));
    assert.equal((await tableA.query().where(`${PAYLOAD_COLUMN} IS NULL`).toArrow()).numRows, 0, 'every written row has a payload');
    tableA.close();
    dbA.close();
    const keys = creators.map((c) => c.key);
    const [gotA, gotB] = [await a.get(keys, noJob), await b.get(keys, noJob)];
    assert.equal(gotA.length, creators.length);
    for (const c of gotA) assert.deepEqual(c, fromColumns.get(c.key), c.key);
    assert.deepEqual(gotB, gotA);
    for (const text of ['fitness gym', 'vegan recipes', 'travel beach']) {
      const [ha, hb] = [await a.hybridSearch({ text, filters: {}, limit: 20 }, noJob), await b.hybridSearch({ text, filters: {}, limit: 20 }, noJob)];
      assert.ok(ha.length > 0, text);
      assert.deepEqual(hb, ha, text);
      for (const h of ha) assert.deepEqual(h.creator, fromColumns.get(h.creator.key), `${text}: ${h.creator.key}`);
    }
  });

  it('reads the winners\' payloads by the row ids the legs returned; a row rewritten or moved since is left for the read by key, never taken for another', async () => {
    const e = embedder();
    const items = await indexed(e, population(30));
    const dir = newDir();
    const index = build(dir);
    await index.open();
    await index.upsert(items, noJob);
    const db = await lancedb.connect(dir, { readConsistencyInterval: 0 });
    const table = await db.openTable(TABLE_NAME);
    const read = await table.query().withRowId().select(['key']).toArrow();
    const rowIds = new Map<string, bigint>();
    for (let i = 0; i < read.numRows; i++) rowIds.set(read.getChild('key')!.get(i) as string, read.getChild('_rowid')!.get(i) as bigint);
    const winners = [...rowIds.keys()].slice(0, 10);
    const byKey = new Map(items.map((x) => [x.creator.key as string, x.creator]));
    const ownRows = (got: Map<string, Creator>) => {
      for (const [k, c] of got) assert.deepEqual(c, byKey.get(k), k);
    };

    let got = await payloadsByRowId(table, winners, rowIds);
    assert.deepEqual([...got.keys()].sort(), [...winners].sort());
    ownRows(got);
    // row ids swapped between two winners: each row still counts as its own key's
    const swapped = new Map(rowIds);
    swapped.set(winners[1]!, rowIds.get(winners[2]!)!);
    swapped.set(winners[2]!, rowIds.get(winners[1]!)!);
    got = await payloadsByRowId(table, winners, swapped);
    assert.equal(got.size, winners.length);
    ownRows(got);
    // a winner whose id now names a row that did not win is left out
    const stray = new Map(rowIds);
    stray.set(winners[3]!, rowIds.get([...rowIds.keys()][20]!)!);
    got = await payloadsByRowId(table, winners, stray);
    assert.equal(got.has(winners[3]!), false);
    assert.equal(got.size, winners.length - 1);
    ownRows(got);

    // one winner rewritten by an upsert (its old row deleted, a new row written): left out
    const changed = { ...items.find((x) => x.creator.key === winners[0])! };
    changed.creator = { ...changed.creator, bio: `${changed.creator.bio} rewritten` };
    await index.upsert([changed], noJob);
    got = await payloadsByRowId(table, winners, rowIds);
    assert.equal(got.has(winners[0]!), false);
    assert.equal(got.size, winners.length - 1);
    ownRows(got);
    // rows moved by compaction: none is taken for another key
    await index.optimize();
    ownRows(await payloadsByRowId(table, winners, rowIds));
    table.close();
    db.close();
    // and the search answers each winner whole, the rewritten one as it is now
    byKey.set(changed.creator.key, changed.creator);
    const hits = await index.hybridSearch({ text: 'fitness gym workout protein', filters: {}, limit: 30 }, noJob);
    assert.ok(hits.length > 0);
    for (const h of hits) assert.deepEqual(h.creator, byKey.get(h.creator.key), h.creator.key);
  });

  it('is what the factory builds for SEARCH_BACKEND=lancedb, in LANCEDB_DIR', async () => {
    const dir = newDir();
    const config = loadConfig({ SEARCH_BACKEND: 'lancedb', LANCEDB_DIR: dir, EMBEDDINGS_DIM: '64' });
    const index = createCreatorIndex(config, embedder(), kit.ledger);
    assert.ok(index instanceof LanceDbIndex);
    await index.open();
    await index.upsert(await indexed(embedder(), fixture.slice(0, 2)), noJob);
    assert.equal(await build(dir).count(), 2, 'a second handle on the same directory sees the rows');
    await index.close();
  });

  it('warms (loads its full-text index) whether or not it has one yet, once per handle, and searches the same after', async () => {
    const dir = newDir();
    const index = build(dir);
    await index.open();
    await index.warm(); // an empty table: nothing to load, no error
    const writer = build(dir);
    await writer.upsert(await indexed(embedder(), fixture), noJob);
    await writer.optimize();
    const warmed = build(dir);
    const q = { text: fixture[0]!.bio, filters: {}, limit: 3, excludeKeys: [] };
    const before = (await writer.hybridSearch(q, noJob)).map((h) => h.creator.key);
    const first = warmed.warm();
    assert.equal(warmed.warm(), first, 'a second call joins the first');
    await first;
    assert.deepEqual((await warmed.hybridSearch(q, noJob)).map((h) => h.creator.key), before);
    assert.ok(before.length > 0);
  });

  it('applies hard filters at scale, exactly with flat search and still exactly once optimize built the ANN index (few rows pass the filter)', async () => {
    const index = build(newDir(), { vectorIndexMinRows: 300 });
    await index.open();
    const people = population(600);
    // several batches, like an import; the table is searchable before any optimisation
    for (let i = 0; i < people.length; i += 200) await index.upsert(await indexed(embedder(), people.slice(i, i + 200)), noJob);
    const cases = [
      { countries: ['DE'] },
      { languages: ['pt', 'de'], followersMin: 5000 },
      { minEngagementRate: 0.05, platforms: ['tiktok' as const] },
      { followersMax: 8000, countries: ['US', 'GB'] },
    ];
    const check = async (label: string) => {
      for (const filters of cases) {
        const expected = people.filter((c) => passes(c, filters));
        // fewer rows pass each filter than the index's flat-search threshold (300 here)
        assert.ok(expected.length > 20 && expected.length < 300, `${JSON.stringify(filters)} selects ${expected.length}`);
        const hits = await index.hybridSearch({ text: 'fitness gym', filters, limit: 500 }, noJob);
        assert.deepEqual(hits.map((h) => h.creator.key).sort(), expected.map((c) => c.key).sort(), `${label} ${JSON.stringify(filters)}`);
        for (const h of hits) assert.ok(passes(h.creator, filters), `${label}: ${h.creator.key} violates ${JSON.stringify(filters)}`);
      }
    };
    await check('flat search');
    const report = await index.optimize();
    assert.ok(report.created.includes('vector_idx') && report.created.includes('country_idx'), JSON.stringify(report));
    // a graph walk restricted to 20 % of the rows missed up to 8 of 120 of them; those filters are searched flat
    await check('with the ANN index');
    const top = await index.hybridSearch({ text: 'fitness gym workout', filters: {}, limit: 20 }, noJob);
    assert.ok(top.filter((h) => h.creator.bio.startsWith('fitness')).length >= 15, 'ANN + FTS still find the fitness creators');
  });

  it('rows written after optimize are searchable at once (keyword and vector legs)', async () => {
    const index = build(newDir(), { vectorIndexMinRows: 100 });
    await index.open();
    await index.upsert(await indexed(embedder(), population(200)), noJob);
    await index.optimize();
    const late = { ...fixture[0]!, key: 'instagram:late_arrival' as CreatorKey, handle: 'late_arrival', bio: 'zanzibar kitesurfing instructor' };
    await index.upsert(await indexed(embedder(), [late]), noJob);
    const hits = await index.hybridSearch({ text: 'zanzibar kitesurfing', filters: {}, limit: 3 }, noJob);
    assert.equal(hits[0]?.creator.key, late.key);
  });

  it('answers creators whose keyword scores tie in key order, the same ones on every search', async () => {
    const index = build(newDir());
    await index.open();
    // 40 creators with one document, written in descending key order, and a few others
    const twins = population(40).map((c, i) => {
      const handle = `twin_${String(39 - i).padStart(2, '0')}`;
      return { ...c, key: `instagram:${handle}` as CreatorKey, handle, bio: 'sourdough bread baking workshops', country: 'US', language: 'en' };
    });
    await index.upsert(await indexed(embedder(), [...twins, ...population(10)]), noJob);
    // a zero vector leaves the vector leg out: the hits are the keyword leg's order
    const search = () => index.hybridSearch({ text: 'sourdough baking', vector: new Array<number>(64).fill(0), filters: {}, limit: 10 }, noJob);
    const first = (await search()).map((h) => h.creator.key);
    assert.deepEqual(first, twins.map((c) => c.key).sort().slice(0, 10));
    for (let i = 0; i < 3; i++) assert.deepEqual((await search()).map((h) => h.creator.key), first);
  });

  it('treats filter values as data, not SQL', async () => {
    const index = build(newDir());
    await index.open();
    await index.upsert(await indexed(embedder(), fixture), noJob);
    const hits = await index.hybridSearch(
      { text: 'vegan', filters: { countries: ["US') OR (1=1"], languages: ["en' OR 'a'='a"] }, limit: 10, excludeKeys: ["x' OR '1'='1" as CreatorKey] },
      noJob,
    );
    assert.deepEqual(hits, []);
  });

  it('a reader in another handle survives a reset and re-import by a writer', async () => {
    const dir = newDir();
    const writer = build(dir);
    const reader = build(dir);
    await writer.open();
    await reader.open();
    await writer.upsert(await indexed(embedder(), fixture), noJob);
    assert.equal((await reader.hybridSearch({ text: 'yoga', filters: {}, limit: 3 }, noJob))[0]?.creator.key, 'instagram:yoga_with_anna');
    await writer.reset();
    assert.equal(await reader.count(), 0);
    await writer.upsert(await indexed(embedder(), fixture.slice(0, 3)), noJob);
    assert.equal(await reader.count(), 3);
    const hits = await reader.hybridSearch({ text: 'travel photography', filters: {}, limit: 3 }, noJob);
    assert.equal(hits[0]?.creator.key, 'instagram:wander_ella');
  });

  it('a reader whose table was rebuilt by another embedder up to the very version it last searched still refuses it', async () => {
    const dir = newDir();
    const reader = build(dir);
    await reader.open();
    await reader.upsert(await indexed(embedder(), fixture), noJob);
    assert.ok((await reader.hybridSearch({ text: 'yoga', filters: {}, limit: 3 }, noJob)).length > 0);
    const raw = await (await lancedb.connect(dir)).openTable(TABLE_NAME);
    const searched = await raw.version();
    raw.close();
    // another process drops the table and rebuilds it with a 32-dimension embedder, one write at a
    // time, until the new table's version is the one the reader remembers the old table's shape by
    const other = new LanceDbIndex({ dir, embedder: new HashingEmbedder({ dimension: 32 }, kit.ledger) }, kit.ledger);
    open.push(other);
    await other.reset();
    const rebuilt = await indexed(new HashingEmbedder({ dimension: 32 }, kit.ledger), population(60));
    const versionNow = async () => {
      const db = await lancedb.connect(dir);
      if (!(await db.tableNames()).includes(TABLE_NAME)) return 0;
      const t = await db.openTable(TABLE_NAME);
      const v = await t.version();
      t.close();
      return v;
    };
    for (let i = 0; (await versionNow()) < searched; i++) await other.upsert([rebuilt[i]!], noJob);
    assert.equal(await versionNow(), searched, 'the rebuilt table reached the remembered version exactly');
    await assert.rejects(reader.hybridSearch({ text: 'yoga', filters: {}, limit: 3 }, noJob), IndexEmbedderMismatchError);
  });

  it('never duplicates a creator when another writer touched the table between two bulk writes', async () => {
    const dir = newDir();
    const a = build(dir);
    const b = build(dir);
    await a.open();
    await b.open();
    const people = population(30);
    // a loads an empty table (fast append path), b writes some of the same and some new keys, a writes again
    await a.upsert(await indexed(embedder(), people.slice(0, 20)), noJob);
    await b.upsert(await indexed(embedder(), people.slice(15, 25)), noJob);
    await a.upsert(await indexed(embedder(), people.slice(20, 30)), noJob);
    await a.upsert(await indexed(embedder(), people.slice(0, 5)), noJob);
    assert.equal(await a.count(), 30);
    assert.equal(await b.count(), 30);
    const keys = people.map((c) => c.key);
    assert.equal((await a.get(keys, noJob)).length, 30);
  });

  it('replaces an empty table built by another embedder instead of refusing it', async () => {
    const dir = newDir();
    const old = new LanceDbIndex({ dir, embedder: new HashingEmbedder({ dimension: 32 }, kit.ledger) }, kit.ledger);
    open.push(old);
    await old.open();
    const index = build(dir);
    await index.open();
    await index.upsert(await indexed(embedder(), fixture.slice(0, 2)), noJob);
    assert.deepEqual(await index.info(), { backend: 'lancedb', embedder: 'hashing-v1:64', dimension: 64, count: 2 });
    await assert.rejects(old.hybridSearch({ text: 'vegan', filters: {}, limit: 3 }, noJob), IndexEmbedderMismatchError);
  });

  it('embeds the query text itself when no vector is given and records each search in the ledger', async () => {
    const index = build(newDir());
    await index.open();
    await index.upsert(await indexed(embedder(), fixture), noJob);
    await kit.clear();
    const hits = await index.hybridSearch({ text: 'marathon running', filters: {}, limit: 2 }, noJob);
    assert.equal(hits[0]?.creator.key, 'tiktok:runbarcelona');
    assert.equal(hits.length, 2);
    const rows = await kit.rows();
    assert.deepEqual(rows.map((r) => `${r.service}.${r.operation}:${r.status}`), ['embeddings.embed:ok', 'index.hybrid_search:ok']);
    assert.deepEqual(rows[1]!.units, { queries: 1, results: 2 });
    assert.equal(Number(rows[1]!.costUsd), 0);
  });

  it('handles single-row upserts and concurrent searches while writing', async () => {
    const index = build(newDir());
    await index.open();
    const people = population(40);
    const writes = people.map(async (c) => index.upsert(await indexed(embedder(), [c]), noJob));
    const reads = Array.from({ length: 10 }, () => index.hybridSearch({ text: 'travel beach', filters: {}, limit: 5 }, noJob));
    await Promise.all([...writes, ...reads]);
    assert.equal(await index.count(), 40);
  });
});
