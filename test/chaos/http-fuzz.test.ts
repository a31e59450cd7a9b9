import { describe, it } from 'node:test';
import { httpFuzzScenario } from './scenarios/http-fuzz.scenario.js';

// CI size; the full run is http-fuzz.chaos.ts (npm run test:chaos).
describe('chaos (CI): HTTP fuzzing of every route', () => {
  it('answers thousands of malformed, oversized and hostile requests (and every operation of the OpenAPI document with every parameter mutated) without a 5xx and stays up', { timeout: 300_000 }, async () => {
    const { sent, statuses, openapi } = await httpFuzzScenario({ requests: 2500, budgetMs: 60_000, seed: 1, openapiBudgetMs: 90_000 });
    console.log(`fuzz: ${sent} requests`, statuses, `then ${openapi.sent} generated from the OpenAPI document (${openapi.operations} operations)`);
  });
});
