import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nicheEvidence, niches, segmentTag } from '../../../src/providers/llm/niche-lexicon.js';
import type { Niche } from '../../../src/providers/llm/niche-lexicon.js';
import { hasPrefix, matches, textView } from '../../../src/providers/llm/text-features.js';
import type { Term, TextView } from '../../../src/providers/llm/text-features.js';

/** nicheEvidence by testing every term of the niche, as it was before the trigger index */
function everyTerm(view: TextView, niche: Niche) {
  const distinct = (ts: Term[]) => {
    const seen = new Set<string>();
    return ts.filter((t) => (seen.has(t.key) ? false : (seen.add(t.key), true)));
  };
  const names = distinct(niche.names.filter((t) => matches(view, t)));
  const nameKeys = new Set(names.map((t) => t.key));
  const terms = distinct(niche.terms.filter((t) => matches(view, t) && !nameKeys.has(t.key)));
  return { niche, names: names.map((t) => t.display), terms: terms.map((t) => t.display), prefixHits: niche.stems.filter((p) => hasPrefix(view, p)).length };
}

describe('nicheEvidence', () => {
  const texts = [
    '',
    '!!! 🙂',
    'Skin care routine with a serum and sunscreen #skincare #makeupartist',
    'make up tutorial: makeup artist, make-up, lipstick & lip gloss',
    'Meal prep Sunday 🥗 plant based protein bar recipes #mealprep #foodporn #dogsofinstagram',
    'Golden retriever puppy, french bulldog, rescue dog — adopt dont shop',
    '오늘의 메이크업 #뷰티 #먹스타그램 맛집 탐방 여행스타그램',
    'インテリア と 暮らし、コスメ、ねこすたぐらむ',
    'Interior design for the living room: scandinavian minimalist home decor #interiordesign #homedecor',
    'mom life with toddlers, family time and bedtime stories; dad life too #momlife',
    'fitnessmotivation legday gym workout hiit #fitfam #girlswholift',
    'travel blogger on a road trip, city break in Lisbon, digital nomad #wanderlust #travelgram',
    // tokens that are prefixes themselves extend none of them
    'makeup fashion ootd 여행 dog',
  ];

  it('finds the same names, terms and prefix hits as testing every term, for every niche', () => {
    let found = 0;
    let prefixHits = 0;
    for (const text of texts) {
      for (const view of [textView(text), textView(text, segmentTag)]) {
        for (const niche of niches) {
          const got = nicheEvidence(view, niche);
          assert.deepEqual(got, everyTerm(view, niche), `${niche.id} in "${text}"`);
          found += got.names.length + got.terms.length;
          prefixHits += got.prefixHits;
        }
      }
    }
    assert.ok(found > 50, `the texts match lexicon words (${found})`);
    assert.ok(prefixHits > 10, `the texts extend hashtag prefixes, Latin and Hangul (${prefixHits})`);
  });

  it('gives the same answer when asked again about the same text', () => {
    const view = textView(texts[2]!, segmentTag);
    const beauty = niches.find((n) => n.id === 'beauty')!;
    const first = nicheEvidence(view, beauty);
    assert.ok(first.names.includes('skincare') || first.names.includes('skin care'));
    assert.deepEqual(nicheEvidence(view, beauty), first);
  });
});
