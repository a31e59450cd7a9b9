import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandBriefText } from '../../../src/providers/llm/heuristic-expand.js';
import { productAudience } from '../../../src/providers/llm/product-audience.js';

/** The primary audience niche a brief's products imply. */
const primary = (text: string) => productAudience(text).audience[0]?.niche;

describe('product → audience map', () => {
  const cases: [string, string][] = [
    // English
    ['a vitamin C serum', 'beauty'],
    ['grain-free dog food', 'pet'],
    ['a lightweight stroller', 'family'],
    ['whey protein powder', 'fitness'],
    ['a compact air fryer', 'food'],
    ['a carry-on suitcase', 'travel'],
    ['a Scandinavian sofa', 'interior'],
    ['designer lamps', 'interior'],
    ['wall paint in 40 colours', 'interior'],
    ['eco clumping cat litter', 'pet'],
    ['cold-pressed olive oil', 'food'],
    ['hoodies and cargo pants', 'fashion'],
    // German
    ['eine vegane Haarkur', 'beauty'],
    ['unser neues Hundefutter', 'pet'],
    ['Katzenstreu aus Holz', 'pet'],
    ['ein Kinderwagen für die Stadt', 'family'],
    ['Yogamatten und Widerstandsbänder', 'fitness'],
    ['eine Siebträgermaschine', 'food'],
    ['Reiseversicherung für Familien', 'travel'],
    ['Wandfarben in Naturtönen', 'interior'],
    // Spanish
    ['esmaltes de uñas veganos', 'beauty'],
    ['comida para perros sin cereales', 'pet'],
    ['pañales ecológicos', 'family'],
    ['una freidora de aire', 'food'],
    ['maletas de cabina', 'travel'],
    ['muebles de roble', 'interior'],
    // French
    ['crèmes solaires minérales', 'beauty'],
    ['des croquettes pour chats', 'pet'],
    ['une poussette légère', 'family'],
    ['vêtements de sport techniques', 'fitness'],
    ['une valise cabine', 'travel'],
    ['un canapé en lin', 'interior'],
  ];
  for (const [text, niche] of cases) {
    it(`${text} → ${niche}`, () => assert.equal(primary(text), niche, JSON.stringify(productAudience(text))));
  }

  it('weighs a primary and a secondary audience: protein powder is fitness first, food second', () => {
    assert.deepEqual(productAudience('protein powder').audience, [
      { niche: 'fitness', weight: 1 },
      { niche: 'food', weight: 0.3 },
    ]);
  });

  it('lets the longer product claim its words: "vêtements de sport" is fitness, "vêtements" alone fashion', () => {
    assert.equal(primary('vêtements de sport'), 'fitness');
    assert.equal(primary('des vêtements'), 'fashion');
    assert.deepEqual(productAudience('cat litter').products.map((p) => p.product), ['cat litter']);
  });

  it('makes the niche most products are for the primary one, others a side audience', () => {
    const { audience } = productAudience('leashes, harnesses and toys');
    assert.deepEqual(audience[0], { niche: 'pet', weight: 1 });
    assert.ok(audience.find((a) => a.niche === 'family')!.weight <= 0.6);
    // on a tie, what the brief names first is what is sold
    assert.equal(primary('a moisturiser for your bathroom shelf'), 'beauty');
  });

  it('separates what is sold from who should promote it in a whole brief', () => {
    const dog = expandBriefText('Grain-free dog food made with salmon — looking for dog owners who post walks and puppy photos');
    assert.equal(dog.audience?.[0]?.niche, 'pet');
    assert.ok(!dog.niches.includes('food'), `"food" in "dog food" names no food audience: ${dog.niches.join(',')}`);
    assert.ok(dog.topics.includes('dog food') && !dog.topics.includes('food'), dog.topics.join(','));
    const oil = expandBriefText('Premium olive oil for people who cook');
    assert.ok(oil.topics.includes('olive oil') && !oil.topics.includes('oil'), 'the product is a phrase, never the bare "oil"');
  });

  it('gives a product for a child or an animal to its parents or owners, the product\'s own niche a side audience', () => {
    assert.deepEqual(productAudience("kids' sunscreen").audience, [
      { niche: 'family', weight: 1 },
      { niche: 'beauty', weight: 0.3 },
    ]);
    assert.equal(primary('natural chews and toys for dogs'), 'pet');
    assert.equal(primary('Spielzeug für kleine Hunde'), 'pet');
    assert.equal(primary('des jouets pour nos chiens'), 'pet');
    assert.equal(primary('un protector solar para niños'), 'family');
    assert.equal(primary('baby shampoo'), 'family');
  });

  it('leaves products for adults, and the people a brand is looking for, to the product', () => {
    assert.equal(primary('Reiseversicherung für Familien'), 'travel');
    assert.equal(primary('a skincare serum for mums'), 'beauty');
    // "looking for dog owners" names whom the brand seeks, not whom the stroller is for
    assert.equal(primary('a stroller, and we are looking for dogs'), 'family');
    assert.equal(primary('a yoga mat for people who love their dogs'), 'fitness');
  });

  it('reads the dependent in a whole brief: a dog toy box is for pet creators', () => {
    const e = expandBriefText('Subscription box of natural chews and toys for dogs. We want pup parents who post their dog\'s adventures.');
    assert.equal(e.audience?.[0]?.niche, 'pet');
    assert.ok(!e.niches.includes('family') || e.audience!.find((a) => a.niche === 'family')!.weight <= 0.3, JSON.stringify(e.audience));
  });

  it('reads "dog moms", "cat dads" and "pup parents" as pet owners, not as a family audience', () => {
    for (const brief of ['A grooming brush; we want dog moms and cat dads who post their pets every day', 'Looking for pup parents and fur babies']) {
      const e = expandBriefText(brief);
      assert.equal(e.audience?.[0]?.niche, 'pet', `${brief}: ${JSON.stringify(e.audience)}`);
      assert.ok(!e.niches.includes('family'), `${brief}: ${e.niches.join(',')}`);
    }
    // a mum who has a dog is still a mum
    assert.ok(expandBriefText('Parents and their kids, and the family dog').niches.includes('family'));
  });

  it('finds the dependent wherever the language puts it: before, after, "-friendly", "de"', () => {
    assert.equal(primary('baby sleeping bags in merino wool'), 'family', 'two words before');
    assert.equal(primary('ropa infantil'), 'family', 'a Romance adjective after the noun');
    assert.equal(primary('ropa de bebé'), 'family');
    assert.equal(primary('jouets de chien'), 'pet');
    assert.equal(primary('a dog-friendly hotel'), 'pet');
    assert.equal(primary('a family-friendly resort'), 'family');
    assert.equal(primary('a lunchbox for school kids'), 'family');
    // "ropa de" is no dependent when what follows is a sport or a material
    assert.equal(primary('ropa de ciclismo'), 'fitness');
    assert.equal(primary('bolsos de piel'), 'fashion');
  });

  it('reads clothing and kit named by a sport as sportswear', () => {
    for (const text of ['cycling apparel for women', 'yoga pants', 'a running jacket', 'compression socks', 'Laufbekleidung']) {
      assert.equal(primary(text), 'fitness', text);
    }
    assert.equal(primary('a denim jacket'), 'fashion');
  });

  it('reads Italian briefs for pets and families', () => {
    assert.equal(expandBriefText('Cerchiamo account di cani e gatti per il nostro cibo umido.').audience?.[0]?.niche, 'pet');
    assert.equal(expandBriefText('Cerchiamo mamme blogger per un marchio di passeggini.').audience?.[0]?.niche, 'family');
  });

  it('reads German compounds that start with the dependent', () => {
    assert.deepEqual(productAudience('Unsere Kindersonnencreme').audience, [
      { niche: 'family', weight: 1 },
      { niche: 'beauty', weight: 0.3 },
    ]);
    assert.equal(primary('ein mildes Hundeshampoo'), 'pet');
    assert.deepEqual(productAudience('Babyshampoo').products.map((p) => p.product), ['baby shampoo'], 'a listed product is not found twice');
    assert.equal(primary('Kinderzimmer'), undefined, 'no product after the prefix, no product');
  });

  it('reads "baby spinach" and "hot dogs" as food, not as a baby or a dog', () => {
    assert.ok(!expandBriefText('Organic baby spinach and salad kits for lunch bowls').niches.includes('family'));
    const hotDog = expandBriefText('Our hot dog sauce is made for summer grilling');
    assert.equal(hotDog.audience?.[0]?.niche, 'food', JSON.stringify(hotDog.audience));
    assert.ok(!hotDog.niches.includes('pet'), hotDog.niches.join(','));
  });
});
