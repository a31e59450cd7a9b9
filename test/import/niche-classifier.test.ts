import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NICHE_LIST_MIN_P } from '../../src/domain/creator.js';
import { classifyNiches, nicheDoc, parseNicheModel, trainNicheModel } from '../../src/import/niche-classifier.js';
import { seededRandom } from '../../src/import/seeded-random.js';

/**
 * A synthetic corpus in three languages. English creators name their niche with lexicon words
 * ("recipe", "workout"); German and Korean creators never use a lexicon word, only words of their
 * own language that co-occur, in mixed-language creators, with the English ones. The classifier
 * must learn those words from the corpus: nothing about German or Korean is written in the code.
 */
const vocab = {
  food: { en: ['recipe', 'baking', 'dinner', 'homemade'], de: ['lecker', 'zutaten', 'ofenkartoffel', 'abendessen'], ko: ['맛있는', '레시피와'] },
  fitness: { en: ['workout', 'gym', 'squat', 'protein'], de: ['krafttraining', 'muskelaufbau', 'satz', 'wiederholungen'], ko: ['운동을', '스쿼트'] },
  travel: { en: ['travel', 'beach', 'hotel', 'wanderlust'], de: ['urlaub', 'strandtag', 'sehenswürdigkeiten', 'unterwegs'], ko: ['여행중', '바다가'] },
} as const;
type Niche = keyof typeof vocab;
const filler = ['today', 'morning', 'friends', 'weekend', 'happy', 'life', 'heute', 'wieder', '오늘도', '주말'];

function corpus(seed: number) {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[], n: number) => Array.from({ length: n }, () => xs[Math.floor(rnd() * xs.length)]!);
  const creators: { niche: Niche; kind: 'en' | 'mixed' | 'de' | 'ko'; text: string }[] = [];
  for (const niche of Object.keys(vocab) as Niche[]) {
    const v = vocab[niche];
    for (let i = 0; i < 40; i++) creators.push({ niche, kind: 'en', text: [...pick(v.en, 3), ...pick(filler, 3)].join(' ') });
    // bilingual creators carry both: this is where the German and Korean words are learned
    for (let i = 0; i < 40; i++) {
      creators.push({ niche, kind: 'mixed', text: [...pick(v.en, 2), ...pick(v.de, 2), ...pick(v.ko, 1), ...pick(filler, 3)].join(' ') });
    }
    for (let i = 0; i < 15; i++) creators.push({ niche, kind: 'de', text: [...pick(v.de, 3), ...pick(filler, 3)].join(' ') });
    for (let i = 0; i < 15; i++) creators.push({ niche, kind: 'ko', text: [...pick(v.ko, 2), ...pick(filler, 3)].join(' ') });
  }
  return creators.map((c, i) => ({ ...c, creator: { displayName: null, handle: `creator${i}`, bio: c.text, topics: [] } }));
}

const top = (scores: { niche: string; p: number }[]) => scores[0]!;

describe('niche classifier', () => {
  const data = corpus(7);
  const model = trainNicheModel(data.map((d) => nicheDoc(d.creator)));

  it('seeds only from the lexicon: creators without a lexicon word have no seed', () => {
    const german = data.find((d) => d.kind === 'de')!;
    const english = data.find((d) => d.kind === 'en' && d.niche === 'food')!;
    assert.ok(nicheDoc(german.creator).seed.every((s) => s === 0), 'German-only text has no lexicon evidence');
    assert.ok(nicheDoc(english.creator).seed.some((s) => s > 0), 'English text names its niche');
    assert.ok(model.trainedOn.seeded < model.trainedOn.creators);
  });

  it('classifies German and Korean creators through the words they co-occur with', () => {
    for (const kind of ['de', 'ko'] as const) {
      const of = data.filter((d) => d.kind === kind);
      const right = of.filter((d) => top(classifyNiches(model, d.creator)).niche === d.niche).length;
      assert.ok(right / of.length >= 0.9, `${kind}: ${right}/${of.length} right`);
    }
  });

  it('gives a new creator in another language its niche with a clear probability', () => {
    const scores = classifyNiches(model, { displayName: null, handle: 'neu', bio: 'Krafttraining und Muskelaufbau, 5 Sätze', topics: [] });
    assert.equal(top(scores).niche, 'fitness');
    assert.ok(top(scores).p >= 0.6, JSON.stringify(scores));
    const sum = scores.reduce((s, x) => s + x.p, 0);
    assert.ok(sum <= 1.0005, `probabilities of the eight niches sum to at most 1 (${sum})`);
    assert.deepEqual(
      scores.map((s) => s.p),
      [...scores.map((s) => s.p)].sort((a, b) => b - a),
      'highest first',
    );
  });

  it('keeps probabilities low for a creator with no niche words', () => {
    const scores = classifyNiches(model, { displayName: null, handle: 'x', bio: 'happy weekend with friends', topics: [] });
    assert.ok(top(scores).p < 0.6, JSON.stringify(scores));
  });

  it('reads hashtags (topics) as well as captions', () => {
    const scores = classifyNiches(model, { displayName: null, handle: 'y', bio: 'heute', topics: ['urlaub', 'strandtag'] });
    assert.equal(top(scores).niche, 'travel');
    assert.ok(scores.every((s) => s.p >= 0));
    assert.ok(NICHE_LIST_MIN_P > 0);
  });

  it('reads "constructor" and other words that look like JavaScript object members as words', () => {
    const word = (bio: string) => classifyNiches(model, { displayName: null, handle: 'z', bio, topics: [] });
    for (const bio of ['krafttraining constructor', 'krafttraining valueof hasownproperty', 'krafttraining __proto__']) {
      const scores = word(bio);
      assert.ok(scores.every((s) => Number.isFinite(s.p)), `${bio}: ${JSON.stringify(scores)}`);
      // not in the model's vocabulary: they carry no evidence, so the niche is that of the rest
      assert.deepEqual(scores, word('krafttraining'), bio);
    }
    // and read from a stored model too (JSON.parse makes plain objects)
    const stored = parseNicheModel(JSON.parse(JSON.stringify(model)))!;
    assert.deepEqual(classifyNiches(stored, { displayName: null, handle: 'z', bio: 'krafttraining constructor', topics: [] }), word('krafttraining'));
    // in training, one such creator among thousands must not poison the whole model
    const withIt = trainNicheModel([...data.map((d) => nicheDoc(d.creator)), nicheDoc({ displayName: null, handle: 'c', bio: 'heute constructor', topics: [] })]);
    assert.ok(withIt.logPrior.every(Number.isFinite), JSON.stringify(withIt.logPrior));
    assert.equal(top(classifyNiches(withIt, { displayName: null, handle: 'neu', bio: 'Krafttraining und Muskelaufbau', topics: [] })).niche, 'fitness');
  });

  it('is deterministic and survives a JSON round trip', () => {
    const again = trainNicheModel(data.map((d) => nicheDoc(d.creator)));
    assert.deepEqual(again.logPrior, model.logPrior);
    const stored = parseNicheModel(JSON.parse(JSON.stringify(model)));
    assert.ok(stored);
    const c = data[3]!.creator;
    assert.deepEqual(classifyNiches(stored, c), classifyNiches(model, c));
    assert.equal(parseNicheModel({ ...model, version: 999 }), null);
    assert.equal(parseNicheModel(null), null);
  });
});
