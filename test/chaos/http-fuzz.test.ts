import { describe, it } from 'node:test';
import { httpFuzzScenario } from './scenarios/http-fuzz.scenario.js';

// CI size; the full run is http-fuzz.chaos.ts (npm run test:chaos).
describe('chaos (CI): HTTP fuzzing of every route', () => {
  it('answers thousands of malformed, oversized and hostile requests without a 5xx and stays up', { timeout: 240_000 }, async () => {
    const { sent, statuses } = await httpFuzzScenario({ requests: 2500, budgetMs: 60_000, seed: 1 });
    console.log(`fuzz: ${sent} requests`, statuses);
  });
});
