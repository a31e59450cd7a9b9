import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeBrightData } from './brightdata/server.js';
import { FakeOpenAi } from './openai.fake.js';
import { startWeaviateFake } from './weaviate.fake.js';
import type { WeaviateFake } from './weaviate.fake.js';

/** The one control API of docs/providers.md, over HTTP, on each of the four fakes. */
describe('fakes: one control API for all four', () => {
  const llm = new FakeOpenAi({ apiKey: 'k' });
  const brightdata = new FakeBrightData({ apiKey: 'k' });
  let weaviate: WeaviateFake;

  before(async () => {
    await llm.start();
    await brightdata.start();
    weaviate = await startWeaviateFake({ apiKeys: ['k'] });
  });
  after(async () => {
    await llm.stop();
    await brightdata.stop();
    await weaviate.close();
  });

  const control = (base: string, what: string, body?: unknown) =>
    fetch(`${base}/__fake/${what}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const auth = { authorization: 'Bearer k', 'content-type': 'application/json' };

  const targets = () => [
    { name: 'openai', base: llm.url, request: () => fetch(`${llm.url}/v1/embeddings`, { method: 'POST', headers: auth, body: JSON.stringify({ model: 'm', input: ['a'] }) }) },
    {
      name: 'brightdata',
      base: brightdata.url,
      request: () =>
        fetch(`${brightdata.url}/datasets/v3/scrape?dataset_id=gd_l1vikfch901nx3by4&include_errors=true`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ input: [{ url: 'https://www.instagram.com/someone/' }] }),
        }),
    },
    { name: 'weaviate', base: weaviate.url, request: () => fetch(`${weaviate.url}/v1/schema`, { headers: auth }) },
  ];

  it('fail: the next N requests answer the given status, then normal answers resume; state counts them; reset forgets', async () => {
    for (const t of targets()) {
      assert.equal((await control(t.base, 'reset', {})).status, 204, t.name);
      assert.equal((await control(t.base, 'fail', { status: 503, times: 2 })).status, 204, t.name);
      assert.deepEqual([(await t.request()).status, (await t.request()).status, (await t.request()).status], [503, 503, 200], t.name);
      const state = (await (await control(t.base, 'state')).json()) as { requests: number };
      assert.equal(state.requests, 3, t.name);
      assert.equal(((await (await control(t.base, 'requests')).json()) as unknown[]).length, 3, t.name);
      assert.equal((await control(t.base, 'latency', { latencyMs: 0 })).status, 204, t.name);
      assert.equal((await control(t.base, 'reset', {})).status, 204, t.name);
      assert.equal(((await (await control(t.base, 'state')).json()) as { requests: number }).requests, 0, t.name);
      assert.equal((await control(t.base, 'nonsense', {})).status, 404, t.name);
    }
  });

  it('fail without times is an outage until reset; Weaviate maps it onto gRPC targets too', async () => {
    await control(weaviate.url, 'fail', { status: 503, path: 'grpc:Search' });
    await control(weaviate.url, 'fail', { status: 429, path: 'rest:/v1/schema', times: 1 });
    assert.equal((await fetch(`${weaviate.url}/v1/schema`, { headers: auth })).status, 429);
    assert.equal((await fetch(`${weaviate.url}/v1/schema`, { headers: auth })).status, 200);
    await control(weaviate.url, 'reset', {});
    await control(llm.url, 'fail', { status: 500, path: '/v1/chat' });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${llm.url}/v1/chat/completions`, { method: 'POST', headers: auth, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }) });
      assert.equal(res.status, 500);
    }
    // another path is not affected
    assert.equal((await fetch(`${llm.url}/v1/embeddings`, { method: 'POST', headers: auth, body: JSON.stringify({ model: 'm', input: ['a'] }) })).status, 200);
    await control(llm.url, 'reset', {});
    const res = await fetch(`${llm.url}/v1/chat/completions`, { method: 'POST', headers: auth, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }) });
    assert.equal(res.status, 200);
  });
});
