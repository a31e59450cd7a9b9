import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandBriefText, splitExclusions } from '../../../src/providers/llm/heuristic-expand.js';
import { scoreProfiles } from '../../../src/providers/llm/heuristic-score.js';
import { segmentTag } from '../../../src/providers/llm/niche-lexicon.js';
import { briefStopWords, functionWords, isFunctionWord, segmentHashtag, tokens } from '../../../src/providers/llm/text-features.js';
import { makeProfile } from '../../pipeline/fixtures.js';

describe('stop words per language', () => {
  const briefs: [string, string, string[]][] = [
    ['de', 'Wir suchen Hundebesitzer und Katzen-Accounts für unsere neue Leckerli-Marke, die mit ihren Tieren den Alltag zeigen', ['wir', 'und', 'fur', 'die', 'mit', 'ihren', 'den', 'unsere']],
    ['es', 'Marca de esmaltes de uñas veganos busca creadoras que compartan manicuras y los tutoriales para una colaboración', ['de', 'que', 'para', 'una', 'los']],
    ['fr', 'Marque de chocolat artisanal cherche des créateurs qui publient des recettes de pâtisserie et de la cuisine maison', ['de', 'des', 'qui', 'et', 'la']],
    ['en', 'We are looking for creators who post their skincare routines and the products they love', ['we', 'are', 'who', 'their', 'and', 'the', 'they']],
    ['pt', 'Marca de roupa procura criadores que partilham os seus looks com a comunidade', ['de', 'que', 'os', 'seus', 'com']],
  ];
  for (const [lang, brief, grammar] of briefs) {
    it(`${lang}: function words are never topics or query words`, () => {
      const e = expandBriefText(brief);
      for (const w of grammar) {
        assert.ok(functionWords[lang]!.has(tokens(w)[0] ?? w) || briefStopWords.has(w), `${w} is a ${lang} function word`);
        assert.ok(!e.topics.includes(w), `${lang} "${w}" is not a topic: ${e.topics.join(',')}`);
        assert.ok(!e.queries[0]!.split(' ').includes(w), `${lang} "${w}" is not in the query: ${e.queries[0]}`);
      }
      assert.ok(e.topics.length > 0, 'content words remain');
    });
  }

  it('German and Spanish rationales quote content words, not function words', () => {
    const de = 'Wir suchen Creator mit Hunden für unser Hundefutter, die über ihren Alltag mit dem Hund posten';
    const creator = makeProfile({ handle: 'hundeleben', bio: 'Unser Alltag mit dem Hund: Spaziergang, Training und die besten Leckerli #hund #dogsofinstagram' });
    const [s] = scoreProfiles({ brief: de, expansion: expandBriefText(de), filters: {} }, [creator]);
    const quoted = [...s!.rationale.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(quoted.length > 0, s!.rationale);
    for (const w of ['die', 'mit', 'dem', 'und', 'unser']) assert.ok(!quoted.includes(w), `"${w}" in ${s!.rationale}`);
    const es = 'Buscamos creadores de contenido que compartan recetas de cocina para nuestra nueva sartén';
    const cook = makeProfile({ handle: 'cocinaconana', bio: 'Recetas de cocina para toda la familia, hoy una tortilla de patatas #recetas #comida' });
    const [t] = scoreProfiles({ brief: es, expansion: expandBriefText(es), filters: {} }, [cook]);
    const words = [...t!.rationale.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    for (const w of ['de', 'para', 'que', 'la']) assert.ok(!words.includes(w), `"${w}" in ${t!.rationale}`);
  });
});

describe('rationales in every covered language', () => {
  const cases: [string, string, string][] = [
    ['de', 'Wir suchen Creator, die über ihre Hunde und den Alltag mit ihnen posten, für unsere neue Leckerli-Marke', 'Mit meinem Hund auf der Wiese, und dann ein Leckerli für den Besten #hund #hundeliebe #dogsofinstagram'],
    ['es', 'Marca de esmaltes de uñas busca creadoras que compartan manicuras y diseños de uñas con sus seguidoras', 'Mis uñas de esta semana, un diseño con las flores que me pedisteis #manicura #unas #nailart'],
    ['fr', 'Marque de chocolat artisanal cherche des créateurs qui publient des recettes de pâtisserie et de la cuisine maison', 'Une tarte au chocolat pour le dimanche, avec des fruits de saison et de la crème #patisserie #recette #faitmaison'],
    ['pt', 'Marca de roupa procura criadores que partilham os seus looks e outfits com a comunidade', 'O meu look de hoje com as botas novas e um casaco da loja #ootd #moda #look'],
    ['it', 'Cerchiamo creator che condividono le loro ricette e la cucina di casa per il nostro olio', 'La mia pasta al pomodoro con il basilico del giardino #ricette #cucina #foodblogger'],
  ];
  for (const [lang, brief, posts] of cases) {
    it(`${lang}: the quoted words and matched topics hold no function word of any covered language`, () => {
      const creator = makeProfile({ handle: `creator_${lang}`, bio: posts });
      const [s] = scoreProfiles({ brief, expansion: expandBriefText(brief), filters: {} }, [creator]);
      const quoted = [...s!.rationale.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
      assert.ok(quoted.length > 0, s!.rationale);
      // a phrase may hold grammar ("soins de la peau"); a single quoted word or topic may not
      for (const w of [...quoted, ...s!.matchedTopics].filter((x) => tokens(x).length === 1)) {
        assert.ok(!isFunctionWord(tokens(w)[0]!), `${lang}: "${w}" is a function word: ${s!.rationale}`);
      }
    });
  }
});

describe('hashtag segmentation', () => {
  it('splits compound hashtags into lexicon words', () => {
    assert.deepEqual(segmentTag('dogsofinstagram'), ['dogs', 'of', 'instagram']);
    assert.deepEqual(segmentTag('catlover'), ['cat', 'lover']);
    assert.deepEqual(segmentTag('lightweight'), [], 'an ordinary word is not a compound');
    assert.deepEqual(segmentHashtag('xyzqwv', new Set(['ab'])), []);
  });

  it('reads a hashtag brief through its words', () => {
    const e = expandBriefText('#dogsofinstagram lovers wanted');
    assert.equal(e.audience?.[0]?.niche, 'pet');
  });
});

describe('exclusions and modifiers', () => {
  it('keeps what a brief rules out away from its niches and topics', () => {
    const e = expandBriefText('Luxury watch brand for men: we want well-dressed guys who post suits and tailoring. No fitness or travel accounts.');
    assert.deepEqual(e.exclusions?.niches.sort(), ['fitness', 'travel']);
    assert.ok(!e.niches.includes('fitness') && !e.niches.includes('travel'));
    assert.equal(e.niches[0], 'fashion');
    assert.ok(e.notes?.some((n) => /creator gender is not in the data/.test(n)), 'the modifier is said to be soft');
    assert.ok(e.preferences?.includes('menswear'));
  });

  it('says an age group is not applied, and leaves follower counts alone', () => {
    for (const text of ['vegan protein bar for US gym-goers, 25–34', 'Gen Z skincare fans', 'fitness creators over 40']) {
      assert.ok(expandBriefText(text).notes?.some((n) => /age are not in the data, so it is not applied/.test(n)), text);
    }
    assert.equal(expandBriefText('fitness creators with over 50k followers').notes, undefined);
  });

  it('reads "not", "no", "nicht", "sin", "sans" but not "non-alcoholic" or "not just"', () => {
    assert.deepEqual(splitExclusions('food and recipes, not nightlife').excluded, ['nightlife']);
    assert.deepEqual(splitExclusions('no kids content please').excluded, ['kids content please']);
    assert.deepEqual(splitExclusions('Non-alcoholic craft beer for foodies').excluded, []);
    assert.deepEqual(splitExclusions('not just gym selfies').excluded, []);
    assert.deepEqual(splitExclusions('Mode, aber nicht Fitness').excluded, ['fitness']);
    assert.deepEqual(splitExclusions('recetas sin alcohol').excluded, ['alcohol']);
    assert.deepEqual(splitExclusions('des recettes sans alcool').excluded, ['alcool']);
  });

  it('reads a ruled-out list past its commas, and stops where a new clause starts', () => {
    const ex = (t: string) => splitExclusions(t).excluded;
    assert.deepEqual(ex('No alcohol, gambling or vaping brands, we want family cooks'), ['alcohol, gambling or vaping brands']);
    assert.deepEqual(ex('no fitness, travel, or food accounts'), ['fitness, travel, or food accounts']);
    assert.deepEqual(ex('keine Fitness, Reisen oder Mode, sondern Kochen'), ['fitness, reisen oder mode']);
    assert.deepEqual(ex('sin alcohol, tabaco ni apuestas, buscamos cocina'), ['alcohol, tabaco ni apuestas']);
    assert.deepEqual(ex('pas de mode, voyage ou sport, mais de la cuisine'), ['mode, voyage ou sport']);
    // a comma after the ruled-out word that starts a new clause ends it
    assert.deepEqual(ex('not makeup, we want skincare creators'), ['makeup']);
    assert.deepEqual(ex('not makeup, and we love dogs'), ['makeup']);
    assert.deepEqual(ex('not nightlife, we like brunch, dinners and picnics'), ['nightlife']);
    assert.deepEqual(ex('not recipe accounts, but gym people'), ['recipe accounts']);
    // other punctuation ends it; a cue after a quote or slash still counts
    assert.deepEqual(ex('Skincare, not makeup: our moisturiser'), ['makeup']);
    assert.deepEqual(ex('not alcohol; we want cooks'), ['alcohol']);
    assert.deepEqual(ex('foodies (not fitness accounts) who cook'), ['fitness accounts']);
    assert.deepEqual(ex('skincare/no makeup'), ['makeup']);
  });

  it('rules out every niche of a listed exclusion, and keeps the clause after it', () => {
    const e = expandBriefText('Kitchen knives for home cooks. No fitness, travel or fashion accounts, we want people who cook dinner.');
    assert.deepEqual(e.exclusions?.niches.sort(), ['fashion', 'fitness', 'travel']);
    assert.equal(e.niches[0], 'food');
    assert.ok(e.topics.some((t) => /dinner/.test(t)), e.topics.join(', '));
  });

  it('keeps a niche the brief asks for when a narrower word of it is ruled out', () => {
    const e = expandBriefText('Skincare, not makeup: a fragrance-free moisturiser for sensitive skin');
    assert.equal(e.niches[0], 'beauty');
    assert.deepEqual(e.exclusions?.terms, ['makeup']);
  });

  it('scores down a creator mostly about a ruled-out niche', () => {
    const brief = 'Watches for well-dressed men: suits and tailoring, no fitness accounts';
    const e = expandBriefText(brief);
    const dapper = makeProfile({ handle: 'dapper', bio: 'Suit of the day, tailoring details #menswear #ootd #fashion' });
    const gym = makeProfile({ handle: 'gymsuit', bio: 'Suit up for leg day #fitness #gym #workout #fitfam #ootd' });
    const [d, g] = scoreProfiles({ brief, expansion: e, filters: {} }, [dapper, gym]);
    assert.ok(d!.score > g!.score + 15, `${d!.score} vs ${g!.score}`);
    assert.match(g!.rationale, /mostly about fitness, which the brief rules out/);
  });
});
