import { describe, it } from 'node:test';
import { outageScenario } from './scenarios/outage.scenario.js';

// CI size; the full run is redis-restart.chaos.ts (npm run test:chaos).
describe('chaos (CI): a dedicated Redis restarted under load', () => {
  it('loses no accepted job, answers 503 + Retry-After while down, recovers by itself', { timeout: 240_000 }, async () => {
    await outageScenario({ target: 'redis', outages: 1, outageMs: 3000, submitEveryMs: 300, candidates: 20 });
  });
});
