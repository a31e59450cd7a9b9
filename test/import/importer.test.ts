import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AppContext } from '../../src/app/context.js';
import type { CreatorKey } from '../../src/domain/creator.js';
import { loadDemoIndexIfEmpty } from '../../src/import/demo.js';
import { KIM_OBSERVED_AT } from '../../src/import/formats/kim.format.js';
import { importFile } from '../../src/import/importer.js';
import { formatSummary } from '../../src/import/progress.js';
import type { BadRow, ImportProgress } from '../../src/import/importer.js';
import { ImportFormatError } from '../../src/import/records.js';
import { HashingEmbedder } from '../../src/providers/embeddings/hashing.embedder.js';
import { WordVecEmbedder } from '../../src/providers/embeddings/wordvec.embedder.js';
import { noJob } from '../../src/providers/ledger.js';
import { IndexEmbedderMismatchError } from '../../src/providers/search-index/creator-index.js';
import { LanceDbIndex } from '../../src/providers/search-index/lancedb.index.js';
import { kaggleInstagramCsv, kaggleYoutubeCsv, kimProfilesCsv } from '../helpers/shared-data.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';

let t: TestContext;
let seq = 0;

before(async () => {
  t = await createTestContext();
});
after(() => t.cleanup());

/** the test context's providers with an index of its own, so tests do not see each other's rows */
async function deps(embedder = t.ctx.providers.embedder): Promise<Pick<AppContext, 'config' | 'providers' | 'repos'>> {
  const index = new LanceDbIndex({ dir: path.join(t.dataDir, `index-${++seq}`), embedder }, t.ctx.ledger);
  await index.open();
  return { config: t.config, providers: { ...t.ctx.providers, embedder, index }, repos: t.ctx.repos };
}

async function file(name: string, content: string): Promise<string> {
  const f = path.join(t.dataDir, name);
  await writeFile(f, content);
  return f;
}

const key = (k: string) => k as CreatorKey;

describe('importFile on the real data', () => {
  it('classifies and embeds on worker threads exactly as in its own thread', async () => {
    const one = await deps();
    const pooled = await deps();
    const limit = 1500;
    const a = await importFile(one, kimProfilesCsv(), { limit, threads: 1, batchSize: 200 });
    const b = await importFile(pooled, kimProfilesCsv(), { limit, threads: 2, batchSize: 200, writeBatchSize: 700 });
    assert.equal(b.imported, a.imported);
    assert.equal(b.indexCount, a.indexCount);
    assert.ok(a.nicheModel?.trained && b.nicheModel?.trained);
    const keys = (await one.providers.index.hybridSearch({ text: 'fitness gym', filters: {}, limit: 40, excludeKeys: [] }, noJob)).map((h) => h.creator.key);
    assert.ok(keys.length >= 20);
    const [va, vb] = [await (one.providers.index as LanceDbIndex).vectors(keys), await (pooled.providers.index as LanceDbIndex).vectors(keys)];
    const [ca, cb] = [await one.providers.index.get(keys, noJob), await pooled.providers.index.get(keys, noJob)];
    const niches = new Map(cb.map((c) => [c.key, c.niches]));
    let withNiches = 0;
    for (const c of ca) {
      assert.deepEqual(niches.get(c.key), c.niches, `niches of ${c.key}`);
      if ((c.niches ?? []).length > 0) withNiches++;
    }
    assert.ok(withNiches > 0, 'some creators have niches to compare');
    for (const k of keys) {
      const x = va.get(k)!;
      const y = vb.get(k)!;
      assert.equal(y.length, x.length);
      assert.ok(x.every((v, i) => Math.abs(v - y[i]!) < 1e-6), `vector of ${k}`);
    }
  });

  it('hands the index the words its worker threads found, and the vocabulary is the one reading the documents gives', async () => {
    // the real word-vector table (converted once here, ~8 s): the embedder that keeps a vocabulary
    const wordvec = new WordVecEmbedder({ dir: path.join(t.dataDir, 'wordvec'), fallbackDim: 64, logger: { info() {}, warn() {} } }, t.ctx.ledger);
    const read = await deps(wordvec);
    const pooled = await deps(wordvec);
    const given: (number | undefined)[] = [];
    const index = pooled.providers.index as LanceDbIndex;
    const upsert = index.upsert.bind(index);
    index.upsert = (batch, ctx, opts) => {
      given.push(opts?.documentWords?.length);
      return upsert(batch, ctx, opts);
    };
    const limit = 1200;
    await importFile(read, kimProfilesCsv(), { limit, threads: 1, batchSize: 200 });
    await importFile(pooled, kimProfilesCsv(), { limit, threads: 2, batchSize: 200, writeBatchSize: 400 });
    assert.ok(given.length >= 3 && given.every((n) => n !== undefined && n > 0), `words with every write: ${given.join(',')}`);
    const vocabularyOf = async (d: Awaited<ReturnType<typeof deps>>) => {
      const { words, rows } = JSON.parse(await readFile((d.providers.index as LanceDbIndex).vocabulary!.file, 'utf8')) as { words: string[]; rows: number };
      return { words, rows };
    };
    const [a, b] = [await vocabularyOf(read), await vocabularyOf(pooled)];
    assert.ok(a.words.length > 1000, `${a.words.length} words`);
    assert.deepEqual(b, a);
  });

  it('imports a slice of the Kim profiles, and a fitness query ranks fitness creators first', async () => {
    const d = await deps();
    const progress: ImportProgress[] = [];
    // writes of 500 (the default groups 10,000 creators per write), so there is progress between writes
    const summary = await importFile(d, kimProfilesCsv(), { limit: 2000, batchSize: 500, writeBatchSize: 500 }, (p) => progress.push(p));
    assert.equal(summary.format, 'kim');
    assert.equal(summary.read, 2000);
    assert.equal(summary.imported + summary.skipped, 2000);
    assert.ok(summary.skipped <= 5, `skipped ${summary.skipped}: ${JSON.stringify(summary.badRows.slice(0, 3))}`);
    assert.equal(summary.indexCount, summary.imported);
    assert.ok(progress.some((p) => p.phase === 'importing' && p.imported > 0 && p.imported < 2000), 'progress during the import');
    // learning niches reads the file first, and says how far it got (not "0 read" throughout)
    const learning = progress.filter((p) => p.phase === 'classifying');
    assert.equal(learning[0]?.read, 0);
    assert.ok(learning.some((p) => p.read > 0 && p.read < 2000 && p.bytesRead > 0), 'progress while learning niches');
    assert.equal(learning.at(-1)?.read, 2000, 'the last learning line counts every record read');
    assert.equal(progress.at(-1)?.phase, 'done');

    const [first] = await d.providers.index.get([key('instagram:00_rocketgirl')], noJob);
    assert.ok(first, 'first row of the file is in the index');
    assert.equal(first.followers, 6453);
    assert.equal(first.following, 710);
    assert.equal(first.postsCount, 1059);
    assert.ok(Math.abs(first.engagementRate! - 0.033473) < 1e-9);
    assert.deepEqual(first.categories, ['other']);
    assert.ok(first.topics.includes('houstonrockets'));
    assert.match(first.bio, /Elvin Hayes/);
    assert.equal(first.source, 'kim:profiles_with_captions.csv');

    const hits = await d.providers.index.hybridSearch({ text: 'fitness workout gym', filters: {}, limit: 10 }, noJob);
    const fitness = hits.filter((h) => h.creator.categories.includes('fitness')).length;
    // fitness is 3 % of this slice; a useful search puts it in the majority of the top 10
    assert.ok(fitness >= 6, `fitness creators in top 10: ${fitness} (${hits.map((h) => h.creator.categories[0]).join(', ')})`);
  });

  it('infers niches from the text alone, stores the model and applies it to a later small import', async () => {
    const d = await deps();
    const modelFile = path.join(t.dataDir, `niche-model-${seq}.json`);
    const summary = await importFile(d, kimProfilesCsv(), { limit: 1500, withholdCategories: true, nicheModelFile: modelFile });
    assert.equal(summary.nicheModel?.trained, true);
    assert.equal(summary.nicheModel?.creators, 1500);
    assert.ok(summary.nicheModel!.seeded > 300 && summary.nicheModel!.seeded < 1500, `seeded ${summary.nicheModel!.seeded}`);
    assert.ok(summary.classifyMs > 0 && summary.classifyMs < summary.durationMs);
    const all = await d.providers.index.get([key('instagram:00_rocketgirl')], noJob);
    assert.ok(all[0]!.niches !== undefined, 'every creator is classified');
    const food = await d.providers.index.hybridSearch({ text: 'my day', filters: { niches: ['food'] }, limit: 100 }, noJob);
    assert.ok(food.length >= 20, `creators with p(food) ≥ 0.4: ${food.length}`);
    assert.ok(food.every((h) => h.creator.categories.length === 0), 'labels withheld');
    assert.ok(food.every((h) => h.creator.niches!.find((n) => n.niche === 'food')!.p >= 0.4));

    const small = await file('small.csv', genericHeader + genericRows);
    const later = await importFile(d, small, { nicheModelFile: modelFile });
    assert.equal(later.nicheModel?.trained, false, 'a small file uses the stored model');
    assert.equal(later.nicheModel?.creators, 1500);
    const none = await importFile(d, small, { classifyNiches: false });
    assert.equal(none.nicheModel, null);
    assert.equal(none.classifyMs, 0);
  });

  it('imports the Kaggle Instagram top 1000: numbers, audience country, categories', async () => {
    const d = await deps();
    const summary = await importFile(d, kaggleInstagramCsv());
    assert.equal(summary.format, 'kaggle-instagram');
    assert.equal(summary.read, 1000);
    assert.equal(summary.skipped, 0);
    assert.ok(summary.indexCount < 1000 && summary.indexCount > 980, 'repeated handles are one creator');
    const [messi] = await d.providers.index.get([key('instagram:leomessi')], noJob);
    assert.equal(messi!.followers, 409_800_000);
    assert.equal(messi!.country, 'AR');
    assert.equal(messi!.displayName, 'Leo Messi');
    assert.deepEqual(messi!.categories, ['sports with a ball', 'family']);
    assert.ok(Math.abs(messi!.engagementRate! - 23_400_000 / 409_800_000) < 1e-6);
    const us = await d.providers.index.hybridSearch({ text: 'music', filters: { countries: ['US'] }, limit: 50 }, noJob);
    assert.ok(us.length > 10 && us.every((h) => h.creator.country === 'US'));
  });

  it('imports the Kaggle YouTube top 1000 with its odd headers and blanks', async () => {
    const d = await deps();
    const bad: BadRow[] = [];
    const summary = await importFile(d, kaggleYoutubeCsv(), { onBadRow: (r) => bad.push(r) });
    assert.equal(summary.format, 'kaggle-youtube');
    assert.ok(summary.read >= 1000);
    assert.ok(summary.imported > 900, `imported ${summary.imported}`);
    assert.deepEqual(summary.badRows, bad);
    for (const b of bad) assert.match(b.reason, /youtube channel: .* no Latin letters or digits/);
    const [tseries, cocomelon, set] = await d.providers.index.get(
      [key('youtube:tseries'), key('youtube:checkgate'), key('youtube:setindia')],
      noJob,
    );
    assert.equal(tseries!.followers, 229_500_000);
    assert.equal(tseries!.country, 'IN');
    assert.deepEqual(tseries!.categories, ['music & dance']);
    assert.ok(Math.abs(tseries!.engagementRate! - (2800 + 158) / 229_500_000) < 1e-6);
    assert.equal(cocomelon!.country, null, 'blank Country stays unknown');
    assert.equal(set!.engagementRate, null, 'no views means no engagement data, not zero');
    const yt = await d.providers.index.hybridSearch({ text: 'video games', filters: { platforms: ['youtube'] }, limit: 5 }, noJob);
    assert.ok(yt.some((h) => h.creator.categories.includes('video games')));
  });
});

const genericHeader = 'platform,handle,display_name,bio,categories,topics,followers,engagement_rate,country,language,verified\n';
const genericRows = [
  'instagram,good_one,Good One,"Gym, protein and', // line 2, bio runs on to line 3
  'a second line",fitness,gym|protein,12000,0.05,US,en,true',
  'instagram,bad handle!,,,,,100,,,,', // line 4
  'myspace,someone,,,,,100,,,,', // line 5
  'tiktok,counts_k,Counts,,beauty,,12.5k,3.5%,gb,English,yes', // line 6 ok
  'instagram,nofollowers,,,,,lots,,,,', // line 7
  'instagram,narnian,,,,,100,,Narnia,,', // line 8
  'instagram,too,few', // line 9
  'youtube,Fine.Channel,,cooking videos,food,,,,,,', // line 10 ok
].join('\n');

describe('importFile with the generic formats', () => {
  it('reports bad rows by line number and reason, and imports the rest', async () => {
    const d = await deps();
    const f = await file('generic.csv', genericHeader + genericRows + '\n');
    const summary = await importFile(d, f);
    assert.equal(summary.format, 'csv');
    assert.equal(summary.read, 8);
    assert.equal(summary.imported, 3);
    assert.equal(summary.skipped, 5);
    assert.deepEqual(
      summary.badRows.map((b) => [b.line, b.reason.split(':')[0]]),
      [
        [4, 'handle'],
        [5, 'platform'],
        [7, 'followers'],
        [8, 'country'],
        [9, 'expected 11 fields as in the header, found 3'],
      ],
    );
    const got = await d.providers.index.get([key('instagram:good_one'), key('tiktok:counts_k'), key('youtube:fine.channel')], noJob);
    assert.equal(got.length, 3);
    assert.equal(got[0]!.bio, 'Gym, protein and a second line');
    assert.deepEqual(got[0]!.topics, ['gym', 'protein']);
    assert.equal(got[0]!.verified, true);
    assert.deepEqual([got[1]!.followers, got[1]!.engagementRate, got[1]!.country, got[1]!.language], [12500, 0.035, 'GB', 'en']);
    assert.equal(got[2]!.profileUrl, 'https://www.youtube.com/@fine.channel');
  });

  it('re-importing updates creators and never duplicates them', async () => {
    const d = await deps();
    const f = await file('again.csv', genericHeader + genericRows);
    await importFile(d, f, { batchSize: 2 });
    await importFile(d, f, { batchSize: 3 });
    assert.equal(await d.providers.index.count(), 3);
    await file('again.csv', genericHeader + 'tiktok,counts_k,Renamed,,beauty,,99000,,,,\n');
    const summary = await importFile(d, f);
    assert.equal(summary.indexCount, 3);
    const [c] = await d.providers.index.get([key('tiktok:counts_k')], noJob);
    assert.equal(c!.displayName, 'Renamed');
    assert.equal(c!.followers, 99_000);
  });

  it('reads JSONL, reporting lines that are not JSON objects', async () => {
    const d = await deps();
    const lines = [
      JSON.stringify({ platform: 'tiktok', handle: 'json_one', bio: 'dance trends', followers: 5000, categories: ['dance'], verified: false }),
      '{"platform": "instagram", "handle": ',
      '',
      '[1, 2]',
      JSON.stringify({ platform: 'instagram', handle: 'json_two', engagement_rate: 0.02, country: 'BR', language: 'pt' }),
      JSON.stringify({ platform: 'instagram' }),
    ];
    const f = await file('creators.jsonl', lines.join('\n'));
    const summary = await importFile(d, f);
    assert.equal(summary.format, 'jsonl');
    assert.deepEqual(summary.badRows.map((b) => b.line), [2, 4, 6]);
    assert.match(summary.badRows[0]!.reason, /invalid JSON/);
    assert.match(summary.badRows[2]!.reason, /handle: missing/);
    assert.equal(summary.imported, 2);
    const [one] = await d.providers.index.get([key('tiktok:json_one')], noJob);
    assert.deepEqual(one!.categories, ['dance']);
  });

  it('refuses a file whose format it cannot tell, or that lacks the format\'s columns', async () => {
    const d = await deps();
    await assert.rejects(importFile(d, await file('odd.csv', 'foo,bar\n1,2\n')), ImportFormatError);
    await assert.rejects(importFile(d, await file('empty.csv', '')), ImportFormatError);
    await assert.rejects(
      importFile(d, await file('notkim.csv', genericHeader + genericRows), { format: 'kim' }),
      /missing column\(s\) username/,
    );
    assert.equal(await d.providers.index.count(), 0);
  });

  it('stops on an index built by another embedder unless asked to reindex', async () => {
    const d = await deps();
    const f = await file('mismatch.csv', genericHeader + genericRows);
    await importFile(d, f);
    const other = new HashingEmbedder({ dimension: 32 }, t.ctx.ledger);
    const index = new LanceDbIndex({ dir: path.join(t.dataDir, `index-${seq}`), embedder: other }, t.ctx.ledger);
    const d2 = { ...d, providers: { ...d.providers, embedder: other, index } };
    await assert.rejects(importFile(d2, f), IndexEmbedderMismatchError);
    const summary = await importFile(d2, f, { reindex: true });
    assert.equal(summary.indexCount, 3);
    assert.equal((await index.info()).embedder, other.id);
    await index.close();
  });
});

describe('importFile keeps the demo apart from real data', () => {
  it('the first real import removes the demo creators and says so; --keep-demo keeps them; the demo is never reloaded', async () => {
    const d = await deps();
    const demo = await loadDemoIndexIfEmpty(d);
    assert.ok(demo.loaded > 0);
    const f = await file('real.csv', genericHeader + genericRows + '\n');
    const kept = await importFile(d, f, { keepDemo: true, source: 'kept' });
    assert.equal(kept.demoRemoved, 0);
    assert.equal(kept.indexCount, demo.loaded + 3);

    const summary = await importFile(d, f);
    assert.equal(summary.demoRemoved, demo.loaded);
    assert.match(formatSummary(summary), new RegExp(`removed the ${demo.loaded} demo creators .*--keep-demo`));
    const stats = await d.providers.index.stats({ maxAgeDays: 180 });
    assert.equal(stats.bySource.demo, undefined, 'no demo creator is left');
    assert.equal(stats.count, 3);

    // emptied of real data, the index still never takes the demo back
    for (const source of Object.keys(stats.bySource)) await d.providers.index.remove({ source }, noJob);
    assert.equal(await d.providers.index.count(), 0);
    assert.deepEqual(await loadDemoIndexIfEmpty(d), { loaded: 0, skipped: 'held_real_data' });
    assert.equal(await d.providers.index.count(), 0);
  });

  it('a file that cannot be read leaves the demo in place', async () => {
    const d = await deps();
    const demo = await loadDemoIndexIfEmpty(d);
    const f = await file('nonsense.csv', 'what,is,this\n1,2,3\n');
    await assert.rejects(importFile(d, f), ImportFormatError);
    assert.equal(await d.providers.index.count(), demo.loaded);
  });
});

describe('importFile records when the data was observed', () => {
  it('takes last_post_at, then observed_at, then --observed-at, then the import time, and says which', async () => {
    const d = await deps();
    const f = await file(
      'observed.csv',
      'platform,handle,last_post_at,observed_at\n' +
        'instagram,posted,2024-03-01T10:00:00Z,2023-01-01\n' +
        'instagram,stated,,2023-01-01\n' +
        'instagram,silent,,\n' +
        'instagram,future,2999-01-01,\n' +
        'instagram,garbled,yesterday,\n',
    );
    const bad: BadRow[] = [];
    const before = Date.now();
    const summary = await importFile(d, f, { onBadRow: (r) => bad.push(r) });
    assert.equal(summary.imported, 3);
    assert.deepEqual(bad.map((b) => [b.line, b.reason.split(':')[0]]), [[5, 'last_post_at'], [6, 'last_post_at']]);
    const byHandle = new Map((await d.providers.index.get([key('instagram:posted'), key('instagram:stated'), key('instagram:silent')], noJob)).map((c) => [c.handle, c]));
    assert.deepEqual([byHandle.get('posted')!.observedAt, byHandle.get('posted')!.observedAtBasis], ['2024-03-01T10:00:00.000Z', 'posts']);
    assert.deepEqual([byHandle.get('stated')!.observedAt, byHandle.get('stated')!.observedAtBasis], ['2023-01-01T00:00:00.000Z', 'source']);
    const silent = byHandle.get('silent')!;
    assert.equal(silent.observedAtBasis, 'import');
    assert.ok(Date.parse(silent.observedAt) >= before - 1000 && silent.observedAt === silent.updatedAt);

    await importFile(d, f, { observedAt: '2022-06-30T00:00:00.000Z' });
    const [again] = await d.providers.index.get([key('instagram:silent')], noJob);
    assert.deepEqual([again!.observedAt, again!.observedAtBasis], ['2022-06-30T00:00:00.000Z', 'source']);
  });

  it('Kim creators are observed at the end of the data set\'s collection period, not at the import', async () => {
    const d = await deps();
    await importFile(d, kimProfilesCsv(), { limit: 20, classifyNiches: false });
    const stats = await d.providers.index.stats({ maxAgeDays: 180 });
    assert.equal(stats.count, 20);
    assert.deepEqual(stats.freshness.byBasis, { source: 20 });
    assert.equal(stats.freshness.newest, KIM_OBSERVED_AT);
    assert.equal(stats.freshness.stale, 20);
  });
});
