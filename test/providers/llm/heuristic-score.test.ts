import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HardFilters } from '../../../src/domain/creator.js';
import { expandBriefText } from '../../../src/providers/llm/heuristic-expand.js';
import { formatCount, scoreProfiles } from '../../../src/providers/llm/heuristic-score.js';
import type { ScoringBrief } from '../../../src/providers/llm/llm.js';
import { makeProfile } from '../../pipeline/fixtures.js';

function brief(text: string, filters?: HardFilters): ScoringBrief {
  const expansion = expandBriefText(text);
  return { brief: text, expansion, filters: filters ?? expansion.filters };
}

const example = brief('vegan protein bar launch for US gym-goers, 25–34, micro-influencers');

const gymCoach = makeProfile({
  handle: 'gymcoach',
  bio: 'Coach. Leg day and protein pancakes || #fitness #gym #workout',
  topics: ['fitness', 'gym', 'protein'],
  followers: 48_000,
  engagementRate: 0.031 * 1.6,
  country: 'US',
});
const fashion = makeProfile({
  handle: 'ootdqueen',
  bio: 'Outfit of the day, every day || #ootd #fashion #streetstyle',
  categories: ['fashion'],
  followers: 48_000,
  engagementRate: 0.05,
  country: 'US',
});

describe('scoreProfiles', () => {
  it('returns one score per profile, in order, 0–100, with the same keys', () => {
    const scores = scoreProfiles(example, [gymCoach, fashion]);
    assert.deepEqual(scores.map((s) => s.key), [gymCoach.key, fashion.key]);
    for (const s of scores) assert.ok(Number.isInteger(s.score) && s.score >= 0 && s.score <= 100);
    assert.equal(scoreProfiles(example, []).length, 0);
  });

  it('scores an on-topic creator well above an off-topic one with better engagement', () => {
    const [coach, outfit] = scoreProfiles(example, [gymCoach, fashion]);
    assert.ok(coach!.score >= 60, `on-topic ${coach!.score}`);
    assert.ok(outfit!.score <= 20, `off-topic ${outfit!.score}`);
  });

  it('names its evidence: topics with niche, engagement against the median, band, country', () => {
    const [s] = scoreProfiles(example, [gymCoach]);
    assert.match(s!.rationale, /^Posts about [^;]*"gym"[^;]*"protein"[^;]*\(fitness[^)]*\)/);
    assert.match(s!.rationale, /5\.0% engagement, above median/);
    assert.match(s!.rationale, /48k followers in the micro band/);
    assert.match(s!.rationale, /; US$/);
    for (const t of ['protein', 'gym']) assert.ok(s!.matchedTopics.includes(t), t);
  });

  it('says so when nothing matches', () => {
    const [s] = scoreProfiles(brief('dog grooming tips'), [fashion]);
    assert.match(s!.rationale, /^No posts about pet/);
    assert.deepEqual(s!.matchedTopics, []);
  });

  it('counts a niche category label as strong evidence even without matching words', () => {
    const labelled = makeProfile({ handle: 'a', categories: ['fitness'], bio: 'Sunday morning', followers: 30_000 });
    const unlabelled = makeProfile({ handle: 'b', categories: ['other'], bio: 'Sunday morning', followers: 30_000 });
    const [l, u] = scoreProfiles(brief('fitness'), [labelled, unlabelled]);
    assert.ok(l!.score > u!.score + 30, `${l!.score} vs ${u!.score}`);
    assert.match(l!.rationale, /category fitness/);
    assert.ok(l!.matchedTopics.includes('fitness'));
  });

  it('ranks a creator focused on the niche above one who mostly posts about something else', () => {
    const travel = '#travel #wanderlust beach hotel';
    const focused = makeProfile({ handle: 'a', bio: travel });
    const mostlyFashion = makeProfile({ handle: 'b', bio: `${travel} #ootd #fashion outfit dress sneakers heels jeans #streetstyle #whatiwore lookbook` });
    const [f, m] = scoreProfiles(brief('travel'), [focused, mostlyFashion]);
    assert.ok(f!.score > m!.score + 5, `${f!.score} vs ${m!.score}`);
    assert.match(m!.rationale, /mostly about fashion/);
    assert.doesNotMatch(f!.rationale, /mostly about/);
    const [both] = scoreProfiles(brief('travel and fashion creators'), [mostlyFashion]);
    assert.doesNotMatch(both!.rationale, /mostly about/, 'a niche the brief asks for is no competitor');
  });

  it('reads compound hashtags and other languages', () => {
    const tagged = makeProfile({ handle: 'a', topics: ['dogsofinstagram', 'puppylove', 'weeklyfluff'] });
    const korean = makeProfile({ handle: 'b', bio: '오늘도 강아지 산책 🐶 #멍스타그램' });
    const none = makeProfile({ handle: 'c', bio: 'coffee and code' });
    const [t, k, n] = scoreProfiles(brief('pet'), [tagged, korean, none]);
    assert.ok(t!.score > n!.score + 25, `${t!.score} vs ${n!.score}`);
    assert.ok(k!.score > n!.score + 25, `${k!.score} vs ${n!.score}`);
  });

  it('prefers engagement above the tier median, all else equal', () => {
    const base = { bio: 'gym workout protein #fitness', followers: 50_000, country: 'US' };
    const [hi, lo] = scoreProfiles(example, [
      makeProfile({ ...base, handle: 'hi', engagementRate: 0.06 }),
      makeProfile({ ...base, handle: 'lo', engagementRate: 0.008 }),
    ]);
    assert.ok(hi!.score > lo!.score);
    assert.match(lo!.rationale, /0\.8% engagement, below median/);
  });

  it('prefers audiences inside the wanted band and says where others fall', () => {
    const base = { bio: 'gym workout protein #fitness', engagementRate: 0.03, country: 'US' };
    const [inBand, big] = scoreProfiles(example, [
      makeProfile({ ...base, handle: 'in', followers: 60_000 }),
      makeProfile({ ...base, handle: 'big', followers: 2_400_000 }),
    ]);
    assert.ok(inBand!.score > big!.score);
    assert.match(big!.rationale, /2\.4M followers, above the wanted 10k–100k/);
  });

  it('costs a violated hard filter and names it', () => {
    const base = { bio: 'gym workout protein #fitness', engagementRate: 0.03, followers: 50_000 };
    const [us, fr] = scoreProfiles(example, [
      makeProfile({ ...base, handle: 'us', country: 'US' }),
      makeProfile({ ...base, handle: 'fr', country: 'FR' }),
    ]);
    assert.ok(us!.score - fr!.score >= 10, `${us!.score} vs ${fr!.score}`);
    assert.match(fr!.rationale, /FR, outside the requested US/);
  });

  it('treats implausible engagement with suspicion', () => {
    const base = { bio: 'gym workout protein #fitness', followers: 50_000, country: 'US' };
    const [normal, odd] = scoreProfiles(example, [
      makeProfile({ ...base, handle: 'n', engagementRate: 0.05 }),
      makeProfile({ ...base, handle: 'o', engagementRate: 0.9 }),
    ]);
    assert.ok(normal!.score > odd!.score);
    assert.match(odd!.rationale, /implausibly high/);
  });

  it('reads niches an LLM named in its own words', () => {
    const b: ScoringBrief = {
      brief: 'strength training creators',
      expansion: { queries: ['strength training'], niches: ['strength training', 'gym culture'], topics: ['protein'], filters: {} },
      filters: {},
    };
    const [s] = scoreProfiles(b, [gymCoach]);
    assert.match(s!.rationale, /\(fitness\)/);
    assert.ok(s!.score >= 50, String(s!.score));
  });

  it('is deterministic', () => {
    assert.deepEqual(scoreProfiles(example, [gymCoach, fashion]), scoreProfiles(example, [gymCoach, fashion]));
  });

  it('formats counts the way people write them', () => {
    assert.equal(formatCount(950), '950');
    assert.equal(formatCount(48_200), '48.2k');
    assert.equal(formatCount(150_000), '150k');
    assert.equal(formatCount(1_200_000), '1.2M');
  });
});

describe('scoreProfiles: what is sold vs who should promote it', () => {
  const rank = (text: string, ...profiles: ReturnType<typeof makeProfile>[]) =>
    scoreProfiles(brief(text), profiles).map((s, i) => ({ handle: profiles[i]!.handle, score: s.score, s }));
  const pairs: [string, ReturnType<typeof makeProfile>, ReturnType<typeof makeProfile>][] = [
    [
      'Whey protein powder brand looking for creators',
      makeProfile({ handle: 'liftwithme', bio: 'Leg day, deadlifts and my post-workout shake #fitness #gym #gains #bodybuilding' }),
      makeProfile({ handle: 'mealprepqueen', bio: 'Sunday meal prep: plant-based bowls, high protein recipes #mealprep #recipe #foodie #healthyfood' }),
    ],
    [
      'Grain-free dog food made with salmon',
      makeProfile({ handle: 'biscuit_the_lab', bio: 'Biscuit the labrador on his morning walk #dogsofinstagram #puppy #dog' }),
      makeProfile({ handle: 'grainfreekitchen', bio: 'Grain-free banana bread, gluten free and paleo #glutenfree #recipe #baking #foodblogger' }),
    ],
    [
      'Eco-friendly cat litter',
      makeProfile({ handle: 'two_tabbies', bio: 'The kittens found the sunny spot again #catsofinstagram #cat #kitten' }),
      makeProfile({ handle: 'goldenbreeder', bio: 'Our new litter of golden retriever puppies is here! #puppies #goldenretriever #dogbreeder' }),
    ],
    [
      'Cold-pressed olive oil from Crete for people who cook',
      makeProfile({ handle: 'cretankitchen', bio: 'Greek salad and slow-roasted lamb tonight #recipe #homemade #dinner #foodie' }),
      makeProfile({ handle: 'oilpaintstyle', bio: 'Outfit inspired by an oil painting, silk dress and heels #ootd #fashion #style' }),
    ],
    [
      "Men's streetwear brand: hoodies and sneakers",
      makeProfile({ handle: 'fitsbyjay', bio: 'Hoodie and cargo fit today #menswear #mensfashion #streetwear #sneakers' }),
      makeProfile({ handle: 'girlinstreetwear', bio: 'Cropped hoodie and heels #womensfashion #streetwear #ootd #girlboss' }),
    ],
    [
      'A skincare brand for sensitive skin',
      makeProfile({ handle: 'skin_diary', bio: 'My evening skincare routine: cleanser, serum, moisturizer #skincare #skincareroutine #glowingskin' }),
      makeProfile({ handle: 'mua_glam', bio: 'Full glam: cut crease eyeshadow and lashes #makeup #mua #makeupartist #motd' }),
    ],
  ];
  for (const [text, right, wrong] of pairs) {
    it(`${text}: ${right.handle} above ${wrong.handle}`, () => {
      const [r, w] = rank(text, right, wrong);
      assert.ok(r!.score > w!.score, `${r!.handle} ${r!.score} (${r!.s.rationale}) vs ${w!.handle} ${w!.score} (${w!.s.rationale})`);
    });
  }

  it('gives a breakdown that adds up to the score, and quotes the creator\'s own words', () => {
    const [s] = scoreProfiles(example, [gymCoach]);
    const b = s!.breakdown!;
    assert.equal(b.niche + b.topics + b.audience + b.engagement + b.freshness, s!.score);
    assert.ok(b.niche > b.topics && b.niche <= 60 && b.topics <= 20 && b.audience <= 8 && b.engagement <= 9 && b.freshness <= 3, JSON.stringify(b));
    assert.match(s!.rationale, /"gym"/);
  });

  it('uses inferred niches when the index has them', () => {
    const text = 'fitness';
    const plain = makeProfile({ handle: 'a', bio: 'Sunday morning' });
    const inferred = { ...makeProfile({ handle: 'b', bio: 'Sunday morning' }), niches: [{ niche: 'fitness', p: 0.9 }, { niche: 'food', p: 0.05 }] };
    const [p, i] = scoreProfiles(brief(text), [plain, inferred]);
    assert.ok(i!.score > p!.score + 8, `${i!.score} vs ${p!.score}`);
    assert.match(i!.rationale, /niches fitness 0\.90/i);
  });

  it('keeps a vague brief below the default floor', () => {
    const creators = [gymCoach, fashion, makeProfile({ handle: 'cool', bio: 'Cool cool cool. Stay cool #cool #vibes' })];
    for (const s of scoreProfiles(brief('someone cool for our brand'), creators)) assert.ok(s.score < 35, `${s.key} ${s.score} ${s.rationale}`);
  });
});
