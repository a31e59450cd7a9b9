import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FitScore } from '../../../src/domain/job.js';
import type { Profile } from '../../../src/domain/profile.js';
import { expandBriefText } from '../../../src/providers/llm/heuristic-expand.js';
import { scoreProfiles } from '../../../src/providers/llm/heuristic-score.js';
import { checkFitScores, FitScoreContractError } from '../../../src/providers/llm/llm.js';
import { makeProfile } from '../../pipeline/fixtures.js';

const profiles: Profile[] = [makeProfile({ handle: 'a', bio: 'dogs and cats' }), makeProfile({ handle: 'b' }), makeProfile({ handle: 'c', bio: 'gym' })];
const score = (key: Profile['key'], value: number): FitScore => ({ key, score: value, rationale: 'r', matchedTopics: [] });

describe('Llm.scoreFit contract: one whole 0–100 score per profile, in profile order', () => {
  it('passes an answer that keeps it', () => {
    const answer = profiles.map((p, i) => score(p.key, [0, 42, 100][i]!));
    assert.deepEqual(checkFitScores('test', profiles, answer), answer);
  });

  it('rejects a profile left out, a stranger, the wrong order, and scores that are not whole numbers from 0 to 100', () => {
    const [a, b, c] = profiles.map((p) => p.key) as [Profile['key'], Profile['key'], Profile['key']];
    const broken: [FitScore[], RegExp][] = [
      [[score(a, 1), score(b, 2)], /2 scores for 3 profiles/],
      [[score(a, 1), score(b, 2), score('instagram:stranger', 3)], /is for instagram:stranger/],
      [[score(b, 1), score(a, 2), score(c, 3)], /score 1 is for/],
      [[score(a, 41.6), score(b, 2), score(c, 3)], /41\.6/],
      [[score(a, 140), score(b, 2), score(c, 3)], /140/],
      [[score(a, -1), score(b, 2), score(c, 3)], /-1/],
      [[score(a, Number.NaN), score(b, 2), score(c, 3)], /NaN/],
    ];
    for (const [answer, message] of broken) {
      assert.throws(() => checkFitScores('test', profiles, answer), (err: unknown) => err instanceof FitScoreContractError && message.test(err.message));
    }
  });

  it('the rule-based scorer keeps it for any batch (the stage no longer fills anything in)', () => {
    const text = 'pet creators with dogs and cats';
    const scores = scoreProfiles({ brief: text, expansion: expandBriefText(text), filters: {} }, profiles);
    assert.equal(checkFitScores('heuristic', profiles, scores).length, profiles.length);
    assert.deepEqual(scoreProfiles({ brief: text, expansion: expandBriefText(text), filters: {} }, []), []);
  });
});
