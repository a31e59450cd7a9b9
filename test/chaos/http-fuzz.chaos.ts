import { describe, it } from 'node:test';
import { httpFuzzScenario } from './scenarios/http-fuzz.scenario.js';

describe('chaos: HTTP fuzzing of every route', () => {
  for (const seed of [2, 3, 4]) {
    it(`answers malformed, oversized and hostile requests without a 5xx and stays up (seed ${seed})`, { timeout: 900_000 }, async () => {
      const { sent, statuses } = await httpFuzzScenario({ requests: 15_000, budgetMs: 240_000, seed });
      console.log(`fuzz seed ${seed}: ${sent} requests`, statuses);
    });
  }
});
