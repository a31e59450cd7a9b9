import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { inferFilters } from '../../src/providers/llm/brief-filters.js';
import { expandBriefText } from '../../src/providers/llm/heuristic-expand.js';
import { scoreProfiles } from '../../src/providers/llm/heuristic-score.js';
import { runPipeline } from '../../src/pipeline/run-pipeline.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';
import { createJob, makeProfile, nicheCorpus, seedIndex } from '../pipeline/fixtures.js';

/**
 * Brief words index tables in the brief reader (tiers, country codes, lexicons). Words that are
 * also property names of Object.prototype ("constructor", "toString", "__proto__") once reached
 * those objects' prototype and failed the job; any text must be read as text.
 */
const prototypeNames = Object.getOwnPropertyNames(Object.prototype);
const edgeWords = [
  ...prototypeNames,
  ...prototypeNames.map((n) => n.toLowerCase()),
  ...prototypeNames.map((n) => n.toUpperCase()),
  'LEGO',
  'constructor',
  'e\u0301\u0301\u0301',
  '\u05e9\u05dc\u05d5\u05dd',
  '\u202eevil\u202c',
  '\u{1F600}\u{1F3FD}',
  '\u{1F469}\u200d\u{1F467}',
  '\ud800',
  '\udc00x',
  'a'.repeat(5_000),
  'micro',
  'US',
  'U.S.',
  'mid',
  '100k+',
  '\u0000',
];

const word = fc.oneof(
  fc.constantFrom(...edgeWords),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('fitness', 'creators', 'based', 'in', 'over', '50k', 'followers', 'speaking', 'instagram', 'moms'),
);
const brief = fc.array(word, { minLength: 1, maxLength: 25 }).map((ws) => ws.join(' '));

function assertFilterShape(f: ReturnType<typeof inferFilters>['filters']): void {
  for (const list of [f.countries, f.languages, f.platforms]) {
    if (list === undefined) continue;
    assert.ok(Array.isArray(list));
    for (const v of list) assert.equal(typeof v, 'string', `filter value ${String(v)} is a string`);
  }
  for (const n of [f.followersMin, f.followersMax, f.minEngagementRate]) {
    if (n !== undefined) assert.ok(Number.isFinite(n), `numeric filter ${String(n)} is finite`);
  }
}

describe('brief words are only ever text', () => {
  it('every Object.prototype name, alone and in a sentence, reads as an ordinary word', () => {
    for (const name of edgeWords) {
      for (const text of [name, `family creators who review ${name} sets for kids`, `${name} micro influencers in the US`]) {
        const { filters } = inferFilters(text);
        assertFilterShape(filters);
        const expansion = expandBriefText(text);
        for (const q of expansion.queries) assert.equal(typeof q, 'string');
        assertFilterShape(expansion.filters ?? {});
      }
    }
  });

  it('generated briefs (unicode edge cases included) never throw in filters, expansion or scoring', () => {
    const profiles = [makeProfile({ handle: 'a', bio: 'lego builder toys for kids' }), makeProfile({ handle: 'b', bio: 'constructor toString' })];
    fc.assert(
      fc.property(brief, (text) => {
        const inferred = inferFilters(text);
        assertFilterShape(inferred.filters);
        const expansion = expandBriefText(text);
        assertFilterShape(expansion.filters ?? {});
        const scores = scoreProfiles({ brief: text, expansion, filters: inferred.filters }, profiles);
        assert.equal(scores.length, profiles.length);
        for (const s of scores) assert.ok(Number.isFinite(s.score));
      }),
      { numRuns: 400, seed: 11 },
    );
  });
});

describe('a brief of prototype names runs the whole pipeline', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
    await seedIndex(t.ctx, nicheCorpus(6));
  });
  after(async () => {
    await t.cleanup();
  });

  it('completes the reported briefs', async () => {
    for (const text of [
      'family creators who review LEGO constructor sets for kids',
      `creators ${prototypeNames.join(' ')}`,
    ]) {
      const jobId = await createJob(t.ctx, { brief: text.slice(0, 2000), top_k: 5, candidate_limit: 20 });
      const outcome = await runPipeline(t.ctx, jobId);
      assert.equal(outcome.status, 'completed', `${text.slice(0, 60)}: ${JSON.stringify(outcome)}`);
    }
  });
});
