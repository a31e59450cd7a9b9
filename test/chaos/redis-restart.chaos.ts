import { describe, it } from 'node:test';
import { outageScenario } from './scenarios/outage.scenario.js';

describe('chaos: a dedicated Redis restarted under load, repeatedly', () => {
  it('loses no accepted job, answers 503 + Retry-After while down, recovers by itself', { timeout: 900_000 }, async () => {
    await outageScenario({ target: 'redis', outages: 4, outageMs: 5000, submitEveryMs: 150, candidates: 40 });
  });
});
