import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandBriefText } from '../../../src/providers/llm/heuristic-expand.js';
import { niches } from '../../../src/providers/llm/niche-lexicon.js';

describe('expandBriefText', () => {
  for (const niche of ['beauty', 'fashion', 'fitness', 'food', 'travel', 'pet', 'interior', 'family', 'tech', 'gaming']) {
    it(`reads the one-word brief "${niche}" as that niche, with niche-focused queries`, () => {
      const e = expandBriefText(niche);
      assert.equal(e.niches[0], niche);
      assert.equal(e.queries[0], niche, 'the first query is the brief condensed');
      assert.ok(e.queries.length >= 2, 'a niche query follows');
      const nicheQuery = e.queries[1]!.split(' ');
      assert.equal(nicheQuery[0], niche);
      assert.ok(nicheQuery.length >= 5, `niche query has related terms: ${e.queries[1]}`);
      assert.deepEqual(e.filters, {});
    });
  }

  it('reads the example brief: the product audience first, its topic words and its filters', () => {
    const e = expandBriefText('vegan protein bar launch for US gym-goers, 25–34, micro-influencers');
    assert.deepEqual(e.niches, ['fitness', 'food']);
    assert.deepEqual(e.audience, [
      { niche: 'fitness', weight: 1 },
      { niche: 'food', weight: 0.3 },
    ]);
    for (const t of ['vegan', 'protein bar', 'gym']) assert.ok(e.topics.includes(t), `topic ${t} in ${e.topics.join(',')}`);
    for (const w of ['launch', 'us', 'micro', 'influencers', '25', 'protein', 'bar']) assert.ok(!e.topics.includes(w), `${w} is not a topic`);
    assert.deepEqual(e.filters, { countries: ['US'], followersMin: 10_000, followersMax: 100_000 });
    assert.equal(e.queries[0], 'protein bar gym vegan', 'the products first, then the other topic words');
    assert.ok(e.queries.some((q) => q.startsWith('fitness ')));
    assert.ok(e.queries.some((q) => q.startsWith('food ')));
    assert.ok(e.queries.length <= 5);
    assert.equal(new Set(e.queries).size, e.queries.length, 'no duplicate queries');
  });

  it('understands niche words in other languages and scripts', () => {
    assert.equal(expandBriefText('recetas de cocina casera').niches[0], 'food');
    assert.equal(expandBriefText('운동 하는 사람들').niches[0], 'fitness');
    assert.equal(expandBriefText('インテリア 好き').niches[0], 'interior');
    assert.equal(expandBriefText('voyage en famille').niches.includes('travel'), true);
  });

  it('needs a niche name or two related words before it claims a niche', () => {
    assert.deepEqual(expandBriefText('launch of a protein product').niches, []);
    assert.deepEqual(expandBriefText('hiit and squats content').niches, ['fitness']);
  });

  it('falls back to the brief itself when every word is a filter or a stop word', () => {
    const e = expandBriefText('micro influencers on Instagram in the US');
    assert.equal(e.queries.length, 1);
    assert.ok(e.queries[0]!.length > 0);
    assert.deepEqual(e.filters.platforms, ['instagram']);
  });

  it('is deterministic', () => {
    const brief = 'cozy home decor for new parents in Germany, nano or micro';
    assert.deepEqual(expandBriefText(brief), expandBriefText(brief));
  });

  it('has a lexicon entry for every niche the brief names, with unique ids', () => {
    const ids = niches.map((n) => n.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const n of niches) {
      assert.ok(n.names.length > 0 && n.terms.length > 0 && n.stems.length > 0, n.id);
      assert.ok(n.queryTerms.length >= 4, n.id);
    }
  });
});
