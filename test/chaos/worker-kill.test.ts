import { describe, it } from 'node:test';
import { workerKillScenario } from './scenarios/worker-kill.scenario.js';

// CI size; the full run is worker-kill.chaos.ts (npm run test:chaos).
describe('chaos (CI): kill -9 of workers mid-job', () => {
  it('every accepted job ends exactly once, events in order without duplicates', { timeout: 240_000 }, async () => {
    await workerKillScenario({ jobs: 6, kills: 2, intervalMs: 1500, workers: 2, candidates: 30 });
  });
});
