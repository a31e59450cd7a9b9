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
