import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { defaultPrices } from '../../../src/config.js';
import { ProviderError } from '../../../src/errors.js';
import { OpenAiEmbedder, decode, normalize } from '../../../src/providers/embeddings/openai.embedder.js';
import type { OpenAiEmbedderOptions } from '../../../src/providers/embeddings/openai.embedder.js';
import { FakeOpenAi } from '../../fakes/openai.fake.js';
import { ledgerKit, sumCost, sumUnits } from '../provider-kit.js';
import type { LedgerKit } from '../provider-kit.js';

const ctx = { jobId: null };
const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const close = (a: number[], b: number[], eps = 1e-6) => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]!) < eps);

describe('OpenAiEmbedder against the fake /v1/embeddings', () => {
  const fake = new FakeOpenAi({ apiKey: 'sk-emb', embeddingDim: 32 });
  let kit: LedgerKit;

  before(async () => {
    await fake.start();
    kit = await ledgerKit();
  });
  after(async () => {
    await fake.stop();
    await kit.cleanup();
  });
  beforeEach(async () => {
    fake.reset();
    fake.options = { ...fake.options, shuffleEmbeddings: false, embeddingEncoding: 'as_requested' };
    await kit.clear();
  });

  const embedder = (over: Partial<OpenAiEmbedderOptions> = {}) =>
    new OpenAiEmbedder(
      {
        baseUrl: fake.baseUrl,
        apiKey: 'sk-emb',
        model: 'text-embedding-test',
        dimension: 32,
        sendDimensions: false,
        encoding: 'float',
        batchSize: 2,
        timeoutMs: 2000,
        retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5000 },
        prices: defaultPrices,
        ...over,
      },
      kit.ledger,
    );

  it('has a stable id naming model and dimension', () => {
    assert.equal(embedder().id, 'openai:text-embedding-test:32');
    assert.equal(embedder().dimension, 32);
  });

  it('embeds in batches, one unit vector per text, in input order', async () => {
    const texts = ['fitness coach', 'vegan recipes', 'travel vlog', 'cat videos', 'gym'];
    const vectors = await embedder().embed(texts, ctx);
    assert.equal(vectors.length, 5);
    assert.equal(fake.requestsTo('/v1/embeddings').length, 3);
    for (const v of vectors) {
      assert.equal(v.length, 32);
      assert.ok(Math.abs(norm(v) - 1) < 1e-9);
    }
    const [single] = await embedder().embed(['travel vlog'], ctx);
    assert.ok(close(single!, vectors[2]!), 'the same text gives the same vector whatever its batch');
    assert.ok(!close(vectors[0]!, vectors[1]!));
  });

  it('puts answers back in order by index when the server shuffles them', async () => {
    const ordered = await embedder({ batchSize: 10 }).embed(['a cat', 'a dog', 'a bird'], ctx);
    fake.options.shuffleEmbeddings = true;
    const shuffled = await embedder({ batchSize: 10 }).embed(['a cat', 'a dog', 'a bird'], ctx);
    ordered.forEach((v, i) => assert.ok(close(v, shuffled[i]!)));
  });

  it('decodes base64 float32 answers to the same vectors as float answers', async () => {
    const asFloat = await embedder().embed(['one text', 'another'], ctx);
    const asBase64 = await embedder({ encoding: 'base64' }).embed(['one text', 'another'], ctx);
    const sent = fake.requestsTo('/v1/embeddings').map((r) => (r.json as { encoding_format: string }).encoding_format);
    assert.deepEqual(sent, ['float', 'base64']);
    asFloat.forEach((v, i) => assert.ok(close(v, asBase64[i]!, 1e-6)));
  });

  it('accepts float answers when it asked for base64 (servers without base64)', async () => {
    fake.options.embeddingEncoding = 'float';
    const v = await embedder({ encoding: 'base64' }).embed(['x y z'], ctx);
    assert.equal(v[0]!.length, 32);
  });

  it('sends `dimensions` only when configured to', async () => {
    await embedder({ dimension: 16, sendDimensions: true }).embed(['short vectors'], ctx);
    await embedder().embed(['default'], ctx);
    const [withDim, without] = fake.requestsTo('/v1/embeddings').map((r) => r.json as Record<string, unknown>);
    assert.equal(withDim!.dimensions, 16);
    assert.equal('dimensions' in without!, false);
  });

  it('refuses vectors of another dimension, naming the setting to change, without retrying', async () => {
    const err = await embedder({ dimension: 48 }).embed(['x'], ctx).catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.match(err.message, /returned 32-dimensional vectors but EMBEDDINGS_DIM is 48; set EMBEDDINGS_DIM=32/);
    assert.equal(fake.requestsTo('/v1/embeddings').length, 1);
    fake.scriptEmbeddings('wrong_dimension');
    await assert.rejects(embedder().embed(['y'], ctx), /33-dimensional/);
  });

  it('sends no request for no texts, and a placeholder for empty texts', async () => {
    assert.deepEqual(await embedder().embed([], ctx), []);
    assert.equal(fake.requests.length, 0);
    const v = await embedder().embed(['', 'text'], ctx);
    assert.equal(v.length, 2);
    assert.deepEqual((fake.requests[0]!.json as { input: string[] }).input, ['(empty)', 'text']);
  });

  it('fails on a bad key without retrying', async () => {
    const err = await embedder({ apiKey: 'nope' }).embed(['x'], ctx).catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.options.status, 401);
    assert.equal(fake.requests.length, 1);
  });

  it('honours Retry-After on 429, retries 5xx and timeouts', async () => {
    fake.scriptEmbeddings({ status: 429, retryAfter: '1' }, { status: 503 }, 'hang');
    const v = await embedder({ timeoutMs: 300, retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5000 } }).embed(['retry me'], ctx);
    assert.equal(v.length, 1);
    const reqs = fake.requestsTo('/v1/embeddings');
    assert.equal(reqs.length, 4);
    assert.ok(reqs[1]!.at - reqs[0]!.at >= 950, 'waited for Retry-After: 1');
  });

  it('gives up after its retries with one summarising error', async () => {
    fake.scriptEmbeddings({ status: 500 }, { status: 500 }, { status: 500 });
    const err = await embedder().embed(['x'], ctx).catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.match(err.message, /embeddings\.embed: gave up after 3 attempts \[HTTP 500, HTTP 500, HTTP 500\]/);
  });

  it('records tokens, vectors and cost per batch equal to what the fake billed', async () => {
    fake.scriptEmbeddings({ status: 500 });
    await embedder({ batchSize: 3 }).embed(['alpha beta gamma', 'delta', 'epsilon zeta', 'eta theta iota kappa', 'lambda'], ctx);
    const rows = await kit.rows('embeddings');
    assert.deepEqual(rows.map((r) => r.status), ['error', 'ok', 'ok']);
    assert.equal(sumUnits(rows, 'tokens'), fake.billed.embeddingTokens);
    assert.equal(sumUnits(rows, 'vectors'), 5);
    assert.equal(fake.billed.vectors, 5);
    assert.ok(Math.abs(sumCost(rows) - (fake.billed.embeddingTokens * defaultPrices.embeddingsPer1M) / 1e6) < 1e-9);
  });
});

describe('decode / normalize', () => {
  it('reads little-endian float32 base64 and rejects garbage', () => {
    const f = new Float32Array([1.5, -2, 0.25]);
    assert.deepEqual(decode(Buffer.from(f.buffer).toString('base64')), [1.5, -2, 0.25]);
    assert.equal(decode('abc'), null);
    assert.equal(decode([1, 'x']), null);
    assert.equal(decode({}), null);
  });

  it('normalises to unit length and leaves a zero vector alone', () => {
    assert.deepEqual(normalize([3, 4]), [0.6, 0.8]);
    assert.deepEqual(normalize([0, 0]), [0, 0]);
  });
});
