import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { defaultPrices } from '../../../src/config.js';
import { CircuitBreaker } from '../../../src/providers/http/circuit-breaker.js';
import { HeuristicLlm } from '../../../src/providers/llm/heuristic.llm.js';
import { expandBriefText } from '../../../src/providers/llm/heuristic-expand.js';
import { checkFitScores } from '../../../src/providers/llm/llm.js';
import type { ScoringBrief } from '../../../src/providers/llm/llm.js';
import { OpenAiLlm } from '../../../src/providers/llm/openai.llm.js';
import { briefExpansionAnswer, fitScoresAnswer, toBreakdown, toBriefExpansion } from '../../../src/providers/llm/openai.schemas.js';
import type { OpenAiLlmOptions } from '../../../src/providers/llm/openai.llm.js';
import { FakeOpenAi } from '../../fakes/openai.fake.js';
import { ledgerKit, sumCost, sumUnits, testProfile } from '../provider-kit.js';
import type { LedgerKit } from '../provider-kit.js';

const brief: ScoringBrief = {
  brief: 'Vegan protein bar launch for gym fitness fans in the US',
  expansion: { queries: ['vegan protein fitness'], niches: ['fitness'], topics: ['vegan', 'protein', 'gym'], filters: {} },
  filters: { countries: ['US'] },
};
const profiles = [
  testProfile('gymqueen', { bio: 'Fitness coach. Gym workouts, vegan protein recipes.', topics: ['fitness', 'gym', 'vegan'] }),
  testProfile('catmom', { bio: 'Cats, knitting and tea.', topics: ['cats'] }),
  testProfile('liftlab', { bio: 'Powerlifting and protein nutrition for the gym.', topics: ['gym', 'protein'] }),
];
const ctx = { jobId: null };

describe('OpenAiLlm against the fake OpenAI server', () => {
  const fake = new FakeOpenAi({ apiKey: 'sk-test' });
  let kit: LedgerKit;

  before(async () => {
    await fake.start();
    kit = await ledgerKit();
  });
  after(async () => {
    await fake.stop();
    await kit.cleanup();
  });
  beforeEach(async () => {
    fake.reset();
    fake.options = { ...fake.options, obeyInjections: false };
    await kit.clear();
  });

  const llm = (over: Partial<OpenAiLlmOptions> = {}) =>
    new OpenAiLlm(
      {
        baseUrl: fake.baseUrl,
        apiKey: 'sk-test',
        model: 'gpt-test',
        timeoutMs: 2000,
        retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5000 },
        prices: defaultPrices,
        ...over,
      },
      kit.ledger,
      new HeuristicLlm(kit.ledger),
    );

  it('expands a brief with a strict json_schema request and records tokens and cost', async () => {
    const out = await llm().expandBrief('Fitness creators on TikTok in the US for a vegan protein bar', ctx);
    assert.ok(out.queries.length >= 1);
    assert.ok(out.niches.includes('fitness'));
    assert.equal(out.audience?.[0]?.niche, 'fitness', 'the rule-based reading of the product is merged in');
    assert.ok(out.audience!.some((a) => a.niche === 'food' && a.weight < 1), 'protein bar: food as a side audience');
    assert.deepEqual(out.filters.countries, ['US']);
    assert.deepEqual(out.filters.platforms, ['tiktok']);
    assert.equal(out.fallback, undefined);

    const [req] = fake.chatRequests();
    const body = req!.json as { model: string; response_format: { type: string; json_schema: { name: string; strict: boolean; schema: object } } };
    assert.equal(body.model, 'gpt-test');
    assert.equal(body.response_format.type, 'json_schema');
    assert.equal(body.response_format.json_schema.name, 'brief_expansion');
    assert.equal(body.response_format.json_schema.strict, true);

    const rows = await kit.rows('llm');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.operation, 'expand');
    assert.equal(rows[0]!.status, 'ok');
    assert.equal(rows[0]!.units.prompt_tokens, fake.billed.promptTokens);
    assert.equal(rows[0]!.units.completion_tokens, fake.billed.completionTokens);
    const expected = (fake.billed.promptTokens * defaultPrices.llmPromptPer1M + fake.billed.completionTokens * defaultPrices.llmCompletionPer1M) / 1e6;
    assert.ok(Math.abs(rows[0]!.costUsd - expected) < 1e-8);
  });

  it('scores one batch in one call, one score per profile in order, none flagged', async () => {
    const scores = await llm().scoreFit(brief, profiles, ctx);
    assert.deepEqual(scores.map((s) => s.key), profiles.map((p) => p.key));
    assert.equal(fake.chatRequests().length, 1);
    assert.ok(scores.every((s) => s.fallback === undefined && s.score >= 0 && s.score <= 100 && Number.isInteger(s.score)));
    const byHandle = Object.fromEntries(scores.map((s) => [s.key, s.score]));
    assert.ok(byHandle['instagram:gymqueen']! > byHandle['instagram:catmom']!, 'the fake model reads the profiles');
    assert.ok(scores[0]!.matchedTopics.length > 0);
    assert.ok(scores[0]!.rationale.length > 0);
    for (const s of scores) {
      const parts = s.breakdown!;
      assert.equal(parts.niche + parts.topics + parts.audience + parts.engagement + parts.freshness, s.score, 'the parts add up to the score');
    }
  });

  it('asks for audience weights and uses them for the niches the LLM names; the product map adds the rest', async () => {
    const out = await llm().expandBrief('Beauty creators for our serum, and some fashion ones too', ctx);
    const [req] = fake.chatRequests();
    const schema = (req!.json as { response_format: { json_schema: { schema: { required: string[]; properties: Record<string, { items: { required: string[] } }> } } } })
      .response_format.json_schema.schema;
    assert.ok(schema.required.includes('audience'));
    assert.deepEqual(schema.properties.audience!.items.required, ['niche', 'weight']);
    // the fake answers beauty 1, fashion 0.4; the rule-based reading alone would weigh fashion 0.6
    assert.deepEqual(out.audience, [
      { niche: 'beauty', weight: 1 },
      { niche: 'fashion', weight: 0.4 },
    ]);
    assert.deepEqual(expandBriefText('Beauty creators for our serum, and some fashion ones too').audience?.find((a) => a.niche === 'fashion')?.weight, 0.6);
  });

  it('checks audience weights (zod) and keeps one per niche, the strongest scaled to 1', () => {
    const base = { queries: ['q'], niches: ['fitness'], topics: [], filters: { platforms: [], countries: [], languages: [], followers_min: null, followers_max: null, min_engagement_rate: null } };
    assert.equal(briefExpansionAnswer.safeParse({ ...base, audience: [{ niche: 'fitness', weight: 2 }] }).success, false, 'a weight is at most 1');
    assert.equal(briefExpansionAnswer.safeParse({ ...base, audience: [{ niche: 'fitness' }] }).success, false, 'a weight is required');
    assert.equal(briefExpansionAnswer.safeParse(base).success, true, 'a server that ignores the schema may leave audience out');
    const parsed = briefExpansionAnswer.parse({
      ...base,
      audience: [{ niche: 'Fitness', weight: 0.5 }, { niche: 'food', weight: 0.25 }, { niche: 'FOOD', weight: 0.1 }, { niche: 'pet', weight: 0 }],
    });
    assert.deepEqual(toBriefExpansion(parsed, 'brief').audience, [
      { niche: 'fitness', weight: 1 },
      { niche: 'food', weight: 0.5 },
    ]);
    assert.equal(toBriefExpansion(briefExpansionAnswer.parse(base), 'brief').audience, undefined);
  });

  it('checks every breakdown part against its maximum (zod), and caps relevance at 80', async () => {
    const answer = {
      scores: profiles.map((_, i) => ({
        id: `c${i + 1}`,
        score: 90,
        breakdown: { niche: 75, topics: 5, audience: 5, engagement: 3, freshness: 2 },
        rationale: 'x',
        matched_topics: [],
      })),
    };
    assert.equal(fitScoresAnswer.safeParse(answer).success, false, 'niche is at most 72');
    answer.scores.forEach((s) => (s.breakdown.niche = 72));
    assert.equal(fitScoresAnswer.safeParse(answer).success, true);
    assert.deepEqual(toBreakdown({ niche: 72, topics: 45, audience: 8, engagement: 9, freshness: 3 }).breakdown.topics, 8, 'relevance is capped at 80');
  });

  it('asks once more after invalid JSON and uses the second answer', async () => {
    fake.scriptChat('invalid_json');
    const scores = await llm().scoreFit(brief, profiles, ctx);
    assert.equal(fake.chatRequests().length, 2);
    assert.ok(scores.every((s) => s.fallback === undefined));
    const rows = await kit.rows('llm');
    assert.deepEqual(rows.map((r) => r.status), ['error', 'ok']);
    assert.match(rows[0]!.error!, /not JSON/);
    assert.equal(sumUnits(rows, 'prompt_tokens'), fake.billed.promptTokens, 'the invalid answer was billed and recorded');
  });

  it('falls back to the rule-based scorer, flagged, after two invalid answers', async () => {
    fake.scriptChat('invalid_json', 'schema_violation');
    const scores = await llm().scoreFit(brief, profiles, ctx);
    assert.equal(fake.chatRequests().length, 2);
    assert.equal(scores.length, profiles.length);
    assert.ok(scores.every((s) => s.fallback === true));
    assert.deepEqual(scores.map((s) => s.key), profiles.map((p) => p.key));
  });

  it('treats a refusal like an invalid answer: retried, then fallback', async () => {
    fake.scriptChat('refusal');
    const once = await llm().scoreFit(brief, profiles, ctx);
    assert.ok(once.every((s) => s.fallback === undefined));
    fake.scriptChat('refusal', 'refusal');
    const twice = await llm().scoreFit(brief, profiles, ctx);
    assert.ok(twice.every((s) => s.fallback === true));
    const rows = (await kit.rows('llm')).filter((r) => r.status === 'error');
    assert.ok(rows.every((r) => /refused/.test(r.error!)));
    assert.equal(rows.length, 3);
  });

  it('rejects an answer that leaves a creator out, or is cut off', async () => {
    fake.scriptChat('missing_ids', 'truncated');
    const scores = await llm().scoreFit(brief, profiles, ctx);
    assert.ok(scores.every((s) => s.fallback === true));
    checkFitScores('openai', profiles, scores); // still one score per profile: the Llm contract
    const errors = (await kit.rows('llm')).filter((r) => r.status === 'error').map((r) => r.error);
    assert.match(errors[0]!, /no score for 1 of 3/);
    assert.match(errors[1]!, /cut off/);
  });

  it('falls back for expansion too, flagged', async () => {
    fake.scriptChat('invalid_json', 'invalid_json');
    const out = await llm().expandBrief('Fitness creators for a vegan protein bar', ctx);
    assert.equal(out.fallback, true);
    assert.ok(out.queries.length >= 1);
  });

  it('honours Retry-After on 429 before asking again', async () => {
    fake.scriptChat({ status: 429, retryAfter: '1' });
    const scores = await llm().scoreFit(brief, profiles, ctx);
    assert.ok(scores.every((s) => s.fallback === undefined));
    const [first, second] = fake.chatRequests();
    assert.ok(second!.at - first!.at >= 950, `waited ${second!.at - first!.at} ms for Retry-After: 1`);
  });

  it('retries 5xx, then gives up and falls back; each attempt is in the ledger', async () => {
    fake.scriptChat({ status: 500 }, { status: 502 }, { status: 503 });
    const scores = await llm({ retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 100 } }).scoreFit(brief, profiles, ctx);
    assert.equal(fake.chatRequests().length, 3);
    assert.ok(scores.every((s) => s.fallback === true));
    const rows = (await kit.rows('llm')).filter((r) => r.operation === 'score' && r.status === 'error');
    assert.deepEqual(rows.map((r) => r.httpStatus), [500, 502, 503]);
  });

  it('times out a hanging request and retries it', async () => {
    fake.scriptChat('hang');
    const scores = await llm({ timeoutMs: 300 }).scoreFit(brief, profiles, ctx);
    assert.equal(fake.chatRequests().length, 2);
    assert.ok(scores.every((s) => s.fallback === undefined));
  });

  it('does not retry a 401 (bad key) and falls back', async () => {
    const scores = await llm({ apiKey: 'sk-wrong' }).scoreFit(brief, profiles, ctx);
    assert.equal(fake.chatRequests().length, 1);
    assert.ok(scores.every((s) => s.fallback === true));
    const [row] = await kit.rows('llm');
    assert.equal(row!.httpStatus, 401);
  });

  it('stops at once, without falling back, when the caller aborts', async () => {
    fake.scriptChat('hang');
    const ac = new AbortController();
    const p = llm({ timeoutMs: 10_000 }).scoreFit(brief, profiles, { jobId: null, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('job cancelled')), 50);
    await assert.rejects(p, /job cancelled/);
    assert.equal(fake.chatRequests().length, 1);
  });

  it('opens the circuit after repeated failures and then falls back without calling the server', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 60_000 });
    fake.scriptChat({ status: 500 }, { status: 500 });
    const a = await llm({ breaker, retry: { maxRetries: 5, baseDelayMs: 1, maxDelayMs: 10 } }).scoreFit(brief, profiles, ctx);
    assert.ok(a.every((s) => s.fallback === true));
    assert.equal(fake.chatRequests().length, 2);
    const b = await llm({ breaker }).scoreFit(brief, profiles, ctx);
    assert.ok(b.every((s) => s.fallback === true));
    assert.equal(fake.chatRequests().length, 2, 'open circuit: no request');
  });

  it('ledger units and costs equal what the fake billed, across successes and failures', async () => {
    const l = llm();
    fake.scriptChat('invalid_json');
    await l.expandBrief('Travel creators who love hiking in Norway', ctx);
    fake.scriptChat({ status: 500 }, 'refusal');
    await l.scoreFit(brief, profiles, ctx);
    await l.scoreFit(brief, profiles.slice(0, 1), ctx);
    const rows = (await kit.rows('llm')).filter((r) => 'prompt_tokens' in r.units);
    assert.equal(sumUnits(rows, 'prompt_tokens'), fake.billed.promptTokens);
    assert.equal(sumUnits(rows, 'completion_tokens'), fake.billed.completionTokens);
    const expected = (fake.billed.promptTokens * defaultPrices.llmPromptPer1M + fake.billed.completionTokens * defaultPrices.llmCompletionPer1M) / 1e6;
    assert.ok(Math.abs(sumCost(rows) - expected) < 1e-7, `${sumCost(rows)} vs ${expected}`);
    assert.equal(fake.billed.chatCalls, 5, "expand twice, score: refusal then ok, score once");
  });
});
